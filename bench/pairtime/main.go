//go:build linux

// Command pairtime runs two commands alternately, N times each, and reports
// wall time, CPU time and peak RSS of every run and the ratio B/A of each
// pair, so that two tools are compared side by side under the same machine
// load. Output goes to /dev/null.
//
//	pairtime -n 10 -a 'ss -tan' -b 'sockscope -tan'
//
// Commands are split on spaces (no shell). It prints one markdown table.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sockscope/sockscope/bench/internal/stats"
)

type run struct {
	wall, cpu time.Duration
	rssKiB    int64
}

func main() {
	n := flag.Int("n", 10, "pairs to run")
	a := flag.String("a", "", "command A (the reference)")
	b := flag.String("b", "", "command B (the one measured against A)")
	warmup := flag.Int("warmup", 1, "unmeasured runs of each first")
	okCodes := flag.String("ok", "0", "exit statuses that are not failures, comma-separated (doctor exits 3 or 4 by its findings)")
	flag.Parse()
	for _, c := range strings.Split(*okCodes, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(c)); err == nil {
			okExit[n] = true
		}
	}
	if *a == "" || *b == "" || *n < 1 {
		fmt.Fprintln(os.Stderr, "usage: pairtime [-n N] -a 'CMD A' -b 'CMD B'")
		os.Exit(2)
	}
	ca, cb := strings.Fields(*a), strings.Fields(*b)
	for range *warmup {
		must(measure(ca))
		must(measure(cb))
	}
	var ra, rb []run
	var wallRatio, rssRatio []float64
	for i := range *n {
		// Alternate which goes first, so neither always runs on a warm cache.
		first, second := ca, cb
		if i%2 == 1 {
			first, second = cb, ca
		}
		x, y := must(measure(first)), must(measure(second))
		if i%2 == 1 {
			x, y = y, x
		}
		ra, rb = append(ra, x), append(rb, y)
		wallRatio = append(wallRatio, float64(y.wall)/float64(x.wall))
		rssRatio = append(rssRatio, float64(y.rssKiB)/float64(x.rssKiB))
	}
	fmt.Printf("| pair | A wall | B wall | B/A wall | A RSS KiB | B RSS KiB | B/A RSS |\n|---:|---:|---:|---:|---:|---:|---:|\n")
	for i := range ra {
		fmt.Printf("| %d | %s | %s | %.3f | %d | %d | %.2f |\n", i+1, ms(ra[i].wall), ms(rb[i].wall), wallRatio[i], ra[i].rssKiB, rb[i].rssKiB, rssRatio[i])
	}
	fmt.Printf("\nA = `%s`, B = `%s`: median B/A wall **%.3f** (min %.3f, max %.3f), median B/A peak RSS **%.2f**; median CPU A %s, B %s\n",
		*a, *b, stats.Median(wallRatio), slices.Min(wallRatio), slices.Max(wallRatio), stats.Median(rssRatio),
		ms(medianDur(ra, func(r run) time.Duration { return r.cpu })), ms(medianDur(rb, func(r run) time.Duration { return r.cpu })))
}

// okExit are the exit statuses -ok accepts.
var okExit = map[int]bool{}

func measure(argv []string) (run, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = nil, nil // /dev/null
	start := time.Now()
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) || !okExit[exit.ExitCode()] {
			return run{}, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
		}
	}
	wall := time.Since(start)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return run{
		wall:   wall,
		cpu:    cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(),
		rssKiB: ru.Maxrss,
	}, nil
}

func must(r run, err error) run {
	if err != nil {
		fmt.Fprintln(os.Stderr, "pairtime:", err)
		os.Exit(1)
	}
	return r
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/1e6) }

func medianDur(rs []run, f func(run) time.Duration) time.Duration {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = float64(f(r))
	}
	return time.Duration(stats.Median(v))
}
