// Command ratios summarizes ratios, one a line on standard input in the
// order of their windows, for bench/trace.sh: their median and their
// mean, each with a 90% interval from a bootstrap (10,000 resamples, a
// fixed seed: the same input gives the same line). Both are given
// because this machine's noise has heavy tails: a few windows far out
// move the mean, not the median. The bootstrap resamples runs of
// blockLen neighbouring ratios (-block N: runs of N; 1 for independent
// ratios, as bench/traceab.sh's pairs), not single ones: trace.sh sets each
// window with trace against the windows without it on either side, so
// two neighbouring ratios share one of them and are not independent.
// At 30 windows even so a 90% interval misses the true value about one
// time in five (TestBlockInterval).
//
//	printf '1.02\n0.98\n1.05\n' | ratios [-block N]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/bench/internal/stats"
)

func main() {
	block := flag.Int("block", blockLen, "resample runs of `N` neighbouring ratios (1: the ratios are independent)")
	flag.Parse()
	if *block < 1 {
		fmt.Fprintf(os.Stderr, "ratios: -block %d: want 1 or more\n", *block)
		os.Exit(2)
	}
	var xs []float64
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		x, err := strconv.ParseFloat(line, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ratios: %q is not a number\n", line)
			os.Exit(2)
		}
		xs = append(xs, x)
	}
	if len(xs) == 0 {
		fmt.Fprintln(os.Stderr, "ratios: no numbers on standard input")
		os.Exit(2)
	}
	fmt.Println(summary(xs, *block))
}

// summary is the line ratios prints for xs (at least one).
func summary(xs []float64, block int) string {
	s := slices.Clone(xs)
	slices.Sort(s)
	mlo, mhi := interval(xs, stats.Median, block, 10000, 0.90)
	lo, hi := interval(xs, mean, block, 10000, 0.90)
	return fmt.Sprintf("median **%.3f** (90%% interval %.3f–%.3f), mean **%.3f** (%.3f–%.3f); %d windows, from %.3f to %.3f",
		stats.Median(xs), mlo, mhi, mean(xs), lo, hi, len(xs), s[0], s[len(s)-1])
}

func mean(xs []float64) float64 {
	var t float64
	for _, x := range xs {
		t += x
	}
	return t / float64(len(xs))
}

// blockLen is how many neighbouring ratios the bootstrap keeps together:
// on ratios made as trace.sh makes them (TestBlockInterval), runs of two
// to four missed the true mean about as often, one by one a third more
// often; three, the least.
const blockLen = 3

// interval is the level interval of stat of xs by a bootstrap of
// rounds resamples, each made of runs of block neighbouring values of
// xs (a circular block bootstrap: a run may wrap past the end; block 1
// takes the values as independent).
func interval(xs []float64, stat func([]float64) float64, block, rounds int, level float64) (lo, hi float64) {
	r := rand.New(rand.NewPCG(1, 2))
	stats := make([]float64, rounds)
	sample := make([]float64, len(xs))
	for i := range stats {
		for j := 0; j < len(sample); {
			start := r.IntN(len(xs))
			for k := 0; k < block && j < len(sample); k++ {
				sample[j] = xs[(start+k)%len(xs)]
				j++
			}
		}
		stats[i] = stat(sample)
	}
	slices.Sort(stats)
	tail := (1 - level) / 2
	return stats[int(tail*float64(rounds))], stats[int((1-tail)*float64(rounds))-1]
}
