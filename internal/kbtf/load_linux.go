package kbtf

import (
	"os"

	"golang.org/x/sys/unix"
)

// load maps the kernel's BTF where the kernel allows it (Linux 6.16 and
// later, privately and read-only), which saves copying its 5 MB out of
// the kernel, and reads it whole otherwise. release frees it.
func load() (b []byte, release func(), err error) {
	f, err := os.Open(Path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		if m, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_PRIVATE); err == nil {
			return m, func() { unix.Munmap(m) }, nil
		}
	}
	b, err = os.ReadFile(Path)
	return b, func() {}, err
}
