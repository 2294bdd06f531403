package collect

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortKeyed checks the radix sort against a comparison sort, on keys
// like cookies (shared high bits), inodes, and ids that repeat with
// another kind.
func TestSortKeyed(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 5, 63, 64, 1000, 100000} {
		for _, gen := range []func(i int) Key{
			func(int) Key { return Key{1<<40 | rng.Uint64N(1<<24), 1} },
			func(int) Key { return Key{rng.Uint64(), uint8(1 + rng.IntN(3))} },
			func(int) Key { return Key{rng.Uint64N(50), uint8(1 + rng.IntN(3))} },
		} {
			ks := make([]keyed, n)
			for i := range ks {
				ks[i] = keyed{gen(i), int32(i)}
			}
			want := slices.Clone(ks)
			slices.SortStableFunc(want, func(a, b keyed) int { return a.k.compare(b.k) })
			got, _ := sortKeyed(slices.Clone(ks), nil)
			for i := range got {
				if got[i].k != want[i].k {
					t.Fatalf("n=%d: key %d is %v, want %v", n, i, got[i].k, want[i].k)
				}
			}
		}
	}
}

func BenchmarkSortKeyed100k(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	ks := make([]keyed, 100000)
	for i := range ks {
		ks[i] = keyed{Key{1<<40 | rng.Uint64N(1<<24), 1}, int32(i)}
	}
	work, tmp := make([]keyed, len(ks)), []keyed(nil)
	b.Run("radix", func(b *testing.B) {
		for b.Loop() {
			copy(work, ks)
			_, tmp = sortKeyed(work, tmp)
		}
	})
	b.Run("pdqsort", func(b *testing.B) {
		for b.Loop() {
			copy(work, ks)
			slices.SortFunc(work, func(a, b keyed) int { return a.k.compare(b.k) })
		}
	})
}
