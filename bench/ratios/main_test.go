package main

import (
	"strings"
	"testing"

	"github.com/sockscope/sockscope/bench/internal/stats"
)

// TestSummary: the median and mean of a known set, and intervals of
// each that hold them and lie within the set's range.
func TestSummary(t *testing.T) {
	xs := []float64{1.10, 0.90, 1.00, 1.04, 0.96}
	got := summary(xs)
	for _, want := range []string{"median **1.000**", "mean **1.000**", "5 windows, from 0.900 to 1.100"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary = %q, want %q in it", got, want)
		}
	}
	for _, stat := range []func([]float64) float64{mean, stats.Median} {
		lo, hi := interval(xs, stat, 10000, 0.90)
		if !(0.9 <= lo && lo < 1.0 && 1.0 < hi && hi <= 1.1) {
			t.Errorf("interval = %.3f–%.3f, want around 1.000 within 0.9–1.1", lo, hi)
		}
		if lo, hi := interval([]float64{1.02}, stat, 100, 0.90); lo != 1.02 || hi != 1.02 {
			t.Errorf("interval of one = %v–%v, want 1.02–1.02", lo, hi)
		}
	}
}
