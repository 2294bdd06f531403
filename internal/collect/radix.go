package collect

// sortKeyed sorts ks by key, using tmp (grown as needed) as scratch, and
// returns the sorted slice and the scratch for next time; either may be
// the one passed in. It is a radix sort on the 64-bit id, 16 bits a
// pass, skipping the passes whose digit is the same everywhere (socket
// cookies share their high bits), then sorts the rare runs of equal ids
// by kind: at 100k sockets a few times faster than a comparison sort,
// which was a tenth of a poll's user time.
func sortKeyed(ks, tmp []keyed) (sorted, scratch []keyed) {
	if len(ks) < 64 {
		insertionSortKeyed(ks)
		return ks, tmp
	}
	if cap(tmp) < len(ks) {
		tmp = make([]keyed, len(ks))
	}
	tmp = tmp[:len(ks)]
	var or, and uint64 = 0, ^uint64(0)
	for i := range ks {
		or |= ks[i].k.ID
		and &= ks[i].k.ID
	}
	var count [1 << 16]int32
	for shift := uint(0); shift < 64; shift += 16 {
		if (or^and)>>shift&0xffff == 0 {
			continue // the same digit everywhere
		}
		clear(count[:])
		for i := range ks {
			count[ks[i].k.ID>>shift&0xffff]++
		}
		var sum int32
		for d := range count {
			c := count[d]
			count[d] = sum
			sum += c
		}
		for i := range ks {
			d := ks[i].k.ID >> shift & 0xffff
			tmp[count[d]] = ks[i]
			count[d]++
		}
		ks, tmp = tmp, ks
	}
	for i := 1; i < len(ks); i++ {
		if ks[i].k.ID == ks[i-1].k.ID {
			j := i
			for j < len(ks) && ks[j].k.ID == ks[i-1].k.ID {
				j++
			}
			insertionSortKeyed(ks[i-1 : j])
			i = j - 1
		}
	}
	return ks, tmp
}

// insertionSortKeyed sorts a short slice by key.
func insertionSortKeyed(ks []keyed) {
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j].k.compare(ks[j-1].k) < 0; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
}
