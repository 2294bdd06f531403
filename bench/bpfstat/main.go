//go:build linux

// Command bpfstat prints how long the kernel's BPF programs ran over an
// interval and how many times, for bench/trace.sh: it turns on the
// kernel's BPF run-time statistics for the interval (as `sysctl
// kernel.bpf_stats_enabled=1` does, for as long as it runs) and reads
// each program's counters before and after; with -each, a line for each
// program too (in the order of their IDs), with the runs the kernel
// skipped because the program was already running on that CPU. Needs
// root.
//
//	bpfstat -for 5s [-each] [-name sockscope_tcp,sockscope_udpc,sockscope_udpr]
package main

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cilium/ebpf"
)

func main() {
	d := flag.Duration("for", 5*time.Second, "how long")
	names := flag.String("name", "", "only the programs of these names (comma-separated; the kernel keeps 15 characters)")
	each := flag.Bool("each", false, "also a line for each program")
	flag.Parse()
	stats, err := ebpf.EnableStats(0) // BPF_STATS_RUN_TIME
	if err != nil {
		fmt.Fprintln(os.Stderr, "bpfstat:", err)
		os.Exit(1)
	}
	defer stats.Close()
	want := map[string]bool{}
	for _, n := range strings.Split(*names, ",") {
		if n != "" {
			want[n[:min(len(n), 15)]] = true
		}
	}
	before := snapshot(want)
	time.Sleep(*d)
	var total time.Duration
	var runs uint64
	after := snapshot(want)
	for _, id := range slices.Sorted(maps.Keys(after)) {
		a, b := after[id], before[id]
		if a.RunCount > b.RunCount {
			total += a.Runtime - b.Runtime
			runs += a.RunCount - b.RunCount
			if *each {
				fmt.Printf("%s: %d µs in %d runs, %d not run (recursion)\n", a.name, (a.Runtime - b.Runtime).Microseconds(), a.RunCount-b.RunCount, a.RecursionMisses-b.RecursionMisses)
			}
		}
	}
	fmt.Printf("%d ms in %d runs\n", total.Milliseconds(), runs)
}

// snapshot returns the statistics and names of the programs loaded now
// (of the names in want, if any), by ID.
func snapshot(want map[string]bool) map[ebpf.ProgramID]progStats {
	out := map[ebpf.ProgramID]progStats{}
	var id ebpf.ProgramID
	for {
		next, err := ebpf.ProgramGetNextID(id)
		if err != nil {
			return out
		}
		id = next
		p, err := ebpf.NewProgramFromID(id)
		if err != nil {
			continue
		}
		info, ierr := p.Info()
		st, serr := p.Stats()
		p.Close()
		if ierr != nil || serr != nil || (len(want) > 0 && !want[info.Name]) {
			continue
		}
		out[id] = progStats{*st, info.Name}
	}
}

// progStats is a program's statistics with its name.
type progStats struct {
	ebpf.ProgramStats
	name string
}
