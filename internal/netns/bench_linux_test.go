package netns

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/testutil"
)

// BenchmarkAllNetNS measures finding the namespaces against listing them,
// on 50 named namespaces of 2 processes each (the bench has 100
// processes over 50 namespaces). The sockets: with SOCKSCOPE_SOCKFARM set
// to a built ../shared/bench/sockfarm, SOCKSCOPE_BENCH_SOCKETS (default
// 2000) TCP sockets a namespace made by sockfarm over 2 processes, as
// bench/netns.sh does; else 200 a namespace held by the test process
// (whose fd limit bounds them). Run as root:
//
//	go test -run XXX -bench AllNetNS -benchtime 20x ./internal/netns
func BenchmarkAllNetNS(b *testing.B) {
	testutil.RequireRoot(b)
	const count = 50
	farm := os.Getenv("SOCKSCOPE_SOCKFARM")
	size := 200
	if farm != "" {
		size = 2000
		if v, err := strconv.Atoi(os.Getenv("SOCKSCOPE_BENCH_SOCKETS")); err == nil && v > 0 {
			size = v
		}
	}
	var nss []*testutil.NetNS
	ready := b.TempDir()
	for i := range count {
		ns := testutil.NewNetNS(b)
		nss = append(nss, ns)
		if farm == "" {
			for range 2 {
				if err := ns.Command("sleep", "3600").Start(); err != nil {
					b.Fatal(err)
				}
			}
			benchSockets(b, ns.Path, size)
			continue
		}
		file := filepath.Join(ready, strconv.Itoa(i))
		cmd := exec.Command(farm, "--netns", ns.Name, "--established", strconv.Itoa(size/2), "--procs", "2", "--ready-file", file)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		})
		deadline := time.Now().Add(5 * time.Minute)
		for {
			if _, err := os.Stat(file); err == nil {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("sockfarm in %s not ready", ns.Name)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	var found []NetNS
	b.Run("discover", func(b *testing.B) {
		for b.Loop() {
			found, _ = Discover(nil)
		}
		b.ReportMetric(float64(len(found)), "netns")
	})
	mine := make(map[uint64]bool)
	for _, ns := range nss {
		mine[ns.Inode] = true
	}
	var ours []NetNS
	for _, n := range found {
		if mine[n.Inode] {
			ours = append(ours, n)
		}
	}
	if len(ours) != count {
		b.Fatalf("discovered %d of the %d namespaces", len(ours), count)
	}
	src := NewSource(ours, SourceOptions{New: func() (sockets.Source, error) { return sockets.NewSystemSource(sockets.SourceOptions{}) }})
	tcp := sockets.Filter{Protos: sockets.ProtoSet(0).With(sockets.TCP)}
	b.Run("list-tcp", func(b *testing.B) {
		var n int
		for b.Loop() {
			var p sockets.Packed
			if err := src.Stream(context.Background(), tcp, &p); err != nil {
				b.Fatal(err)
			}
			n = p.Len()
		}
		b.ReportMetric(float64(n), "sockets")
	})
}

// benchSockets makes about n TCP sockets in the namespace at path, held by
// the test process: a listener and connections to it (two sockets each).
func benchSockets(b *testing.B, path string, n int) {
	err := DoPath(path, func() error {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		b.Cleanup(func() { ln.Close() })
		for range (n - 1) / 2 {
			c, err := net.Dial("tcp4", ln.Addr().String())
			if err != nil {
				return err
			}
			a, err := ln.Accept()
			if err != nil {
				return err
			}
			b.Cleanup(func() { c.Close(); a.Close() })
		}
		return nil
	})
	if err != nil {
		b.Fatal(fmt.Errorf("sockets in %s: %w", path, err))
	}
}
