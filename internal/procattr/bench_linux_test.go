package procattr

import (
	"context"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
)

// Keep runs short on the shared machine:
//
//	go test -run '^$' -bench Attribute -benchtime 3x ./internal/procattr/
//
// The farm cases start `sleep` processes holding ~100k unbound TCP sockets
// (like bench/sockfarm, but without connections), as 5 processes of ~20k
// (the fd limit allows no more per process) or 200 of 500 plus 50 idle
// processes of 400 /dev/null fds (BASELINE.md "many processes").

var farms sync.Map // name → []sockets.Socket

func farm(b *testing.B, name string, procs, socksPer, idleProcs, idleFDs int) []sockets.Socket {
	if v, ok := farms.Load(name); ok {
		return v.([]sockets.Socket)
	}
	if lim := raiseNoFile(b); lim < socksPer+64 {
		b.Skipf("fd limit %d < %d", lim, socksPer+64)
	}
	path := sleepPath(b)
	var socks []sockets.Socket
	for range procs {
		socks = append(socks, startHolder(b, path, socksPer, 0).socks...)
	}
	for range idleProcs {
		startHolder(b, path, 0, idleFDs)
	}
	// The first walk creates the kernel's dentries for every fd (about
	// 1.5x slower); measure the steady state, as hyperfine --warmup does.
	if _, err := Attribute(context.Background(), socks, Options{}); err != nil {
		b.Fatal(err)
	}
	farms.Store(name, socks)
	return socks
}

func BenchmarkAttribute(b *testing.B) {
	b.Cleanup(func() { farms.Clear() })
	real := procNetSockets(b)
	synthetic := make([]sockets.Socket, 100_000, 100_000+len(real))
	for i := range synthetic {
		// 32-bit like the inodes sockfs hands out, at the top of the range
		// where no socket of the machine is.
		synthetic[i] = sockets.Socket{Inode: 0xF000_0000 + uint64(i), State: sockets.Established}
	}
	synthetic = append(synthetic, real...)

	type input struct {
		name  string
		socks func(b *testing.B) []sockets.Socket
	}
	// The farms belong to the parent benchmark, so that they outlive
	// the sub-benchmarks using them.
	parent := b
	inputs := []input{
		{"real", func(*testing.B) []sockets.Socket { return real }},
		{"synthetic100k", func(*testing.B) []sockets.Socket { return synthetic }},
		{"farm5x20k", func(*testing.B) []sockets.Socket { return farm(parent, "5x20k", 5, 19900, 0, 0) }},
		{"farm200x500", func(*testing.B) []sockets.Socket { return farm(parent, "200x500", 200, 500, 50, 400) }},
	}
	type variant struct {
		name string
		opts Options
	}
	variants := []variant{
		// The kernel's task_file iterator, where it can be used (root,
		// BTF), in place of the walk.
		{"iter", Options{}},
		{"iter/details", Options{Details: true}},
		{"workers=1", Options{Workers: 1, tuning: tuning{noIter: true}}},
		{"workers=2", Options{Workers: 2, tuning: tuning{noIter: true}}},
		{"workers=2/details", Options{Workers: 2, Details: true, tuning: tuning{noIter: true}}},
		// Listing every fd directory (getdents) instead of probing fd
		// numbers up to the count procfs reports.
		{"workers=1/list", Options{Workers: 1, tuning: tuning{noIter: true, noCount: true}}},
		{"workers=2/list", Options{Workers: 2, tuning: tuning{noIter: true, noCount: true}}},
	}
	for _, in := range inputs {
		for _, v := range variants {
			b.Run(in.name+"/"+v.name, func(b *testing.B) {
				socks := in.socks(b)
				b.ReportAllocs()
				var res Result
				cpu0 := cpuTime()
				for b.Loop() {
					var err error
					res, err = Attribute(context.Background(), socks, v.opts)
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
				held := 0
				for i := range socks {
					if len(socks[i].Processes) > 0 {
						held++
					}
				}
				b.ReportMetric(float64(len(socks)), "sockets")
				b.ReportMetric(float64(held), "attributed")
				b.ReportMetric(float64(res.Processes), "procs")
			})
		}
	}
}

// cpuTime returns the user+system CPU time of the test process so far: on
// a shared machine, wall time also counts waiting for a core.
func cpuTime() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSplit reads one table of 20k fds or two of 10k, on one or two
// workers, with and without splitting tables among workers. Two workers
// reading one table cost ~25% more CPU than two reading different tables
// (both hit the fd directory's dentry), which is why a table's opener
// reads it alone until no other process is left to open.
func BenchmarkSplit(b *testing.B) {
	if lim := raiseNoFile(b); lim < 20000 {
		b.Skipf("fd limit %d", lim)
	}
	path := sleepPath(b)
	one := startHolder(b, path, 19900, 0).socks
	two := append(startHolder(b, path, 9950, 0).socks, startHolder(b, path, 9950, 0).socks...)
	Attribute(context.Background(), nil, Options{}) // warm the dentries up
	for _, c := range []struct {
		name  string
		socks []sockets.Socket
		opts  Options
	}{
		{"one/workers=1", one, Options{Workers: 1}},
		{"one/workers=2", one, Options{Workers: 2}},
		{"two/workers=1", two, Options{Workers: 1}},
		{"two/workers=2/nosplit", two, Options{Workers: 2, tuning: tuning{noIter: true, splitAt: 1 << 30}}},
		{"two/workers=2", two, Options{Workers: 2}},
	} {
		b.Run(c.name, func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := Attribute(context.Background(), c.socks, c.opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
