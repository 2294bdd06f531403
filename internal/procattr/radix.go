package procattr

// sortInodes sorts a, using tmp (grown as needed) as scratch, and returns
// the sorted slice and the scratch for next time; either may be the one
// passed in. It is a radix sort, 16 bits a pass, skipping the passes
// whose digit is the same everywhere: socket inodes fit in 32 bits, so it
// takes two passes where a comparison sort of 100k inodes took a few
// times longer, every poll.
func sortInodes(a, tmp []uint64) (sorted, scratch []uint64) {
	if len(a) < 64 {
		for i := 1; i < len(a); i++ {
			for j := i; j > 0 && a[j] < a[j-1]; j-- {
				a[j], a[j-1] = a[j-1], a[j]
			}
		}
		return a, tmp
	}
	if cap(tmp) < len(a) {
		tmp = make([]uint64, len(a))
	}
	tmp = tmp[:len(a)]
	var or, and uint64 = 0, ^uint64(0)
	for _, v := range a {
		or |= v
		and &= v
	}
	var count [1 << 16]int32
	for shift := uint(0); shift < 64; shift += 16 {
		if (or^and)>>shift&0xffff == 0 {
			continue
		}
		clear(count[:])
		for _, v := range a {
			count[v>>shift&0xffff]++
		}
		var sum int32
		for d := range count {
			c := count[d]
			count[d] = sum
			sum += c
		}
		for _, v := range a {
			d := v >> shift & 0xffff
			tmp[count[d]] = v
			count[d]++
		}
		a, tmp = tmp, a
	}
	return a, tmp
}
