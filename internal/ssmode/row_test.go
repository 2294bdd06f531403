package ssmode

import (
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

func TestAppendUnixDetails(t *testing.T) {
	for _, c := range []struct {
		in   sockets.Internals
		want string
	}{
		{sockets.Internals{}, ""},
		{sockets.Internals{Has: sockets.HasShutdown, Shutdown: 3}, " ---"},
		// ss splits the kernel's dev_t with the C library's major() and
		// minor(): 254:0 (device mapper) shows as 0/65024, a tmpfs's
		// 0:27 as 0/27.
		{sockets.Internals{Has: sockets.HasShutdown | sockets.HasVFS, Shutdown: 1, VFSIno: 9987959, VFSDev: 254 << 20},
			" --> ino:9987959 dev:0/65024"},
		{sockets.Internals{Has: sockets.HasVFS, VFSIno: 5, VFSDev: 27}, " ino:5 dev:0/27"},
		{sockets.Internals{Has: sockets.HasVFS, VFSIno: 5, VFSDev: 0x12345678}, " ino:5 dev:1110/74616"},
		// A listener without pending connections: the word alone.
		{sockets.Internals{Has: sockets.HasPeers}, " peers:"},
		{sockets.Internals{Has: sockets.HasShutdown | sockets.HasPeers, Peers: []uint32{7, 4294967295}}, " <-> peers: 7 4294967295"},
	} {
		if got := string(appendUnixDetails(nil, &c.in)); got != c.want {
			t.Errorf("%+v: %q, want %q", c.in, got, c.want)
		}
	}
}
