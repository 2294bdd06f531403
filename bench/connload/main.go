//go:build linux

// Command connload makes short TCP connections on loopback at a steady
// rate, for bench/trace.sh: each connects to its own listener, writes a
// byte, and closes; the listener's side reads and closes. It prints the
// rate it reached and the CPU it used (its own threads, and the kernel's
// work done in them: the connections' packets, and any eBPF program run
// at their changes of state). Nothing leaves loopback.
//
//	connload -rate 10000 -seconds 20 [-blocking]
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	rate := flag.Int("rate", 10000, "connections per second")
	seconds := flag.Int("seconds", 20, "how long")
	workers := flag.Int("workers", 32, "connections at once")
	blocking := flag.Bool("blocking", false, "blocking system calls on threads of their own, as a small C program (see blockingLoad)")
	flag.Parse()
	if *blocking {
		start := time.Now()
		made, failed := blockingLoad(*rate, *seconds)
		report(made, failed, time.Since(start))
		return
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				io.Copy(io.Discard, c)
				c.Close()
			}()
		}
	}()
	var made, failed atomic.Int64
	tick := time.NewTicker(time.Second / time.Duration(*rate) * time.Duration(*workers))
	defer tick.Stop()
	end := time.Now().Add(time.Duration(*seconds) * time.Second)
	var wg sync.WaitGroup
	start := time.Now()
	for range tick.C {
		if time.Now().After(end) {
			break
		}
		for range *workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := net.Dial("tcp4", ln.Addr().String())
				if err != nil {
					failed.Add(1)
					return
				}
				c.Write([]byte{1})
				c.Close()
				made.Add(1)
			}()
		}
	}
	wg.Wait()
	report(made.Load(), failed.Load(), time.Since(start))
}

// report prints the connections made and failed, the rate and the CPU
// used.
func report(made, failed int64, took time.Duration) {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	fmt.Printf("connections %d failed %d in %.1fs: %.0f/s cpu %d ms\n", made, failed, took.Seconds(), float64(made)/took.Seconds(), cpu.Milliseconds())
}

// must exits on err.
func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "connload:", err)
		os.Exit(1)
	}
}
