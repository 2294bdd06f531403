// Command ratios summarizes ratios, one a line on standard input, for
// bench/trace.sh: their median, their mean, and a 90% interval of the
// mean from a bootstrap (10,000 resamples, a fixed seed: the same input
// gives the same line).
//
//	printf '1.02\n0.98\n1.05\n' | ratios
package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
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
	fmt.Println(summary(xs))
}

// summary is the line ratios prints for xs (at least one).
func summary(xs []float64) string {
	s := slices.Clone(xs)
	slices.Sort(s)
	lo, hi := interval(xs, 10000, 0.90)
	return fmt.Sprintf("median **%.3f**, mean **%.3f** (90%% interval of the mean %.3f–%.3f; %d windows, from %.3f to %.3f)",
		median(s), mean(xs), lo, hi, len(xs), s[0], s[len(s)-1])
}

func mean(xs []float64) float64 {
	var t float64
	for _, x := range xs {
		t += x
	}
	return t / float64(len(xs))
}

// median of sorted s.
func median(s []float64) float64 {
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// interval is the level interval of the mean of xs by a bootstrap of
// rounds resamples.
func interval(xs []float64, rounds int, level float64) (lo, hi float64) {
	r := rand.New(rand.NewPCG(1, 2))
	means := make([]float64, rounds)
	for i := range means {
		var t float64
		for range xs {
			t += xs[r.IntN(len(xs))]
		}
		means[i] = t / float64(len(xs))
	}
	slices.Sort(means)
	tail := (1 - level) / 2
	return means[int(tail*float64(rounds))], means[int((1-tail)*float64(rounds))-1]
}
