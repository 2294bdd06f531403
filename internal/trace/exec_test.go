package trace

import (
	"encoding/binary"
	"strings"
	"testing"
)

// TestDecodeExec: an entry's user, cgroup and path; a path cut by the
// entry's end; no path, or too short an entry, is not one.
func TestDecodeExec(t *testing.T) {
	entry := func(uid uint32, cgroup uint64, path string) []byte {
		b := make([]byte, execEntrySize)
		binary.NativeEndian.PutUint32(b[execUIDOff:], uid)
		binary.NativeEndian.PutUint64(b[execCgroupOff:], cgroup)
		copy(b[execPathOff:], path)
		return b
	}
	for _, c := range []struct {
		b    []byte
		want Exec
		okay bool
	}{
		{entry(1000, 7261, "/usr/bin/curl"), Exec{"/usr/bin/curl", 1000, 7261}, true},
		{entry(7, 1, strings.Repeat("a", execEntrySize)), Exec{strings.Repeat("a", execEntrySize-execPathOff), 7, 1}, true},
		{entry(0, 1, ""), Exec{}, false},
		{make([]byte, execPathOff-1), Exec{}, false},
		{nil, Exec{}, false},
	} {
		got, ok := decodeExec(c.b)
		if got != c.want || ok != c.okay {
			t.Errorf("decodeExec(%d bytes) = %+v, %v; want %+v, %v", len(c.b), got, ok, c.want, c.okay)
		}
	}
}

// TestEncodeExec: what encodeExec writes of a process from /proc,
// decodeExec reads back; a path too long is cut, NUL-ended, as the exec
// program cuts it; what an earlier entry held is gone.
func TestEncodeExec(t *testing.T) {
	b := make([]byte, execEntrySize)
	for i := range b {
		b[i] = 'x'
	}
	long := strings.Repeat("/a", execEntrySize)
	for _, e := range []Exec{{"/usr/sbin/cron", 0, 7261}, {"/bin/sh", 65534, 1}, {long, 1000, 2}} {
		encodeExec(e, b)
		want := e
		want.Path = want.Path[:min(len(want.Path), execEntrySize-execPathOff-1)]
		if got, ok := decodeExec(b); !ok || got != want {
			t.Errorf("decodeExec(encodeExec(%.20q...)) = %+v, %v; want %+v", e.Path, got, ok, want)
		}
		if b[len(b)-1] != 0 {
			t.Errorf("encodeExec(%.20q...): the entry does not end in NUL", e.Path)
		}
	}
}

// FuzzDecodeExec: no entry makes decodeExec panic, and a path it
// returns is not empty and has no NUL.
func FuzzDecodeExec(f *testing.F) {
	f.Add(make([]byte, execEntrySize))
	f.Add([]byte("\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00/bin/sh\x00junk"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if e, ok := decodeExec(b); ok && (e.Path == "" || strings.IndexByte(e.Path, 0) >= 0) {
			t.Errorf("decodeExec gave %q", e.Path)
		}
	})
}

// TestCgroupRel: a cgroup's directory relative to its hierarchy's mount,
// as /proc/PID/cgroup writes it.
func TestCgroupRel(t *testing.T) {
	for _, c := range []struct{ path, root, want string }{
		{"/sys/fs/cgroup/system.slice/a.service", "/sys/fs/cgroup", "/system.slice/a.service"},
		{"/sys/fs/cgroup", "/sys/fs/cgroup", "/"},
		{"/sys/fs/cgroup/unified/libpod_parent/libpod-1", "/sys/fs/cgroup/unified", "/libpod_parent/libpod-1"},
		{"/sys/fs/cgroupx/a", "/sys/fs/cgroup", "/sys/fs/cgroupx/a"},
		{"/tmp/sockscope-cgroup2-1/a", "/sys/fs/cgroup", "/tmp/sockscope-cgroup2-1/a"},
	} {
		if got := cgroupRel(c.path, c.root); got != c.want {
			t.Errorf("cgroupRel(%q, %q) = %q, want %q", c.path, c.root, got, c.want)
		}
	}
}
