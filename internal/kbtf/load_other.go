//go:build !linux

package kbtf

import "os"

// load reads the kernel's BTF whole (there is none but on Linux).
func load() (b []byte, release func(), err error) {
	b, err = os.ReadFile(Path)
	return b, func() {}, err
}
