//go:build linux

package main

import (
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// blockingLoad is the load as a small C program would make it: blocking
// system calls on threads of their own, no goroutine or poller per
// connection (the lightest load per connection, against which trace's
// cost per connection is the largest share). Two threads accept, read
// and close; two connect, write a byte and close, in batches each
// millisecond. The calls are raw (unix.RawSyscall): Go's bookkeeping
// around a system call that blocks, handing its thread's P to another
// and taking one back, cost more than the call. It returns the
// connections made and failed.
func blockingLoad(rate, seconds int) (made, failed int64) {
	// A thread blocked in a raw call keeps its P: four of them, and the
	// clients' sleeps, need more than two. And it never stops for the
	// garbage collector, whose stop of the world would wait for the
	// acceptors forever: the load makes no garbage to speak of, and
	// collects none.
	runtime.GOMAXPROCS(8)
	debug.SetGCPercent(-1)
	ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	must(err)
	addr := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	must(unix.Bind(ln, addr))
	must(unix.Listen(ln, 4096))
	sa, err := unix.Getsockname(ln)
	must(err)
	port := sa.(*unix.SockaddrInet4).Port
	// The listener's address as connect takes it: port in network order.
	raw := unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: addr.Addr}
	p := (*[2]byte)(unsafe.Pointer(&raw.Port))
	p[0], p[1] = byte(port>>8), byte(port)
	one := [1]byte{1}
	for range 2 {
		go func() {
			runtime.LockOSThread()
			var buf [16]byte
			for {
				c, _, errno := unix.RawSyscall6(unix.SYS_ACCEPT4, uintptr(ln), 0, 0, 0, 0, 0)
				switch errno {
				case 0:
				case unix.EINTR, unix.ECONNABORTED:
					continue
				default: // out of descriptors, say: spinning would skew the CPU measured
					must(errno)
				}
				unix.RawSyscall(unix.SYS_READ, c, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
				unix.RawSyscall(unix.SYS_CLOSE, c, 0, 0)
			}
		}()
	}
	var m, f atomic.Int64
	var wg sync.WaitGroup
	const clients = 2
	perMs := float64(rate) / clients / 1000 // a fraction: a rate under 2,000 a second
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			next := time.Now()
			due := 0.0
			for range seconds * 1000 {
				for due += perMs; due >= 1; due-- {
					s, _, errno := unix.RawSyscall(unix.SYS_SOCKET, unix.AF_INET, unix.SOCK_STREAM, 0)
					if errno != 0 {
						f.Add(1)
						continue
					}
					if _, _, errno := unix.RawSyscall(unix.SYS_CONNECT, s, uintptr(unsafe.Pointer(&raw)), unsafe.Sizeof(raw)); errno == 0 {
						unix.RawSyscall(unix.SYS_WRITE, s, uintptr(unsafe.Pointer(&one[0])), 1)
						m.Add(1)
					} else {
						f.Add(1)
					}
					unix.RawSyscall(unix.SYS_CLOSE, s, 0, 0)
				}
				next = next.Add(time.Millisecond)
				time.Sleep(time.Until(next))
			}
		}()
	}
	wg.Wait()
	return m.Load(), f.Load()
}
