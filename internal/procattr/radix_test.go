package procattr

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSortInodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 7, 63, 64, 5000, 100000} {
		for _, gen := range []func() uint64{
			func() uint64 { return rng.Uint64N(1 << 32) },
			func() uint64 { return rng.Uint64() },
			func() uint64 { return 1<<33 | rng.Uint64N(100) },
		} {
			a := make([]uint64, n)
			for i := range a {
				a[i] = gen()
			}
			want := slices.Sorted(slices.Values(a))
			got, _ := sortInodes(slices.Clone(a), nil)
			if !slices.Equal(got, want) {
				t.Fatalf("n=%d: not sorted", n)
			}
		}
	}
}
