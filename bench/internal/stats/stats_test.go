package stats

import "testing"

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		v    []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{3, 1, 2, 10}, 2.5}} {
		before := append([]float64(nil), c.v...)
		if got := Median(c.v); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.v, got, c.want)
		}
		for i := range before {
			if before[i] != c.v[i] {
				t.Errorf("Median changed its input: %v, was %v", c.v, before)
			}
		}
	}
}
