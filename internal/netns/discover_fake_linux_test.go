package netns

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sockscope/sockscope/internal/procfs"
)

// TestDiscoverFakeProc points procfs at a made-up tree: processes and
// mountinfo are read from it, and since none of its namespaces can be
// opened, each comes back as one *Error with what was found of it.
func TestDiscoverFakeProc(t *testing.T) {
	root := t.TempDir()
	named := filepath.Join(root, "named")
	for pid, link := range map[string]string{"1": "net:[100]", "2": "net:[100]", "30": "net:[200]", "31": "mnt:[5]"} {
		dir := filepath.Join(root, "proc", pid, "ns")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(link, filepath.Join(dir, "net")); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "proc", "self"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(named, 0o755); err != nil {
		t.Fatal(err)
	}
	// A stale file of ip netns (no mount on it) is no namespace.
	for _, f := range []string{"blue", "stale"} {
		if err := os.WriteFile(filepath.Join(named, f), nil, 0o444); err != nil {
			t.Fatal(err)
		}
	}
	mountinfo := "22 1 259:3 / / rw - ext4 /dev/root rw\n" +
		"46 45 0:4 net:[200] " + filepath.Join(named, "blue") + " rw shared:2 - nsfs nsfs rw\n" +
		"47 22 0:4 net:[300] /nonexistent/held rw - nsfs nsfs rw\n"
	if err := os.WriteFile(filepath.Join(root, "proc", "self", "mountinfo"), []byte(mountinfo), 0o444); err != nil {
		t.Fatal(err)
	}
	old := procfs.SetDefault(procfs.FS{Root: filepath.Join(root, "proc")})
	defer procfs.SetDefault(old)

	found, errs := Discover(&Options{Dirs: []Dir{{Path: named}}})
	if len(found) != 0 {
		t.Errorf("found %+v in a tree whose namespaces cannot be opened", found)
	}
	type want struct {
		ino   uint64
		name  string
		pids  []int32
		paths []string
	}
	proc := func(pid string) string { return filepath.Join(root, "proc", pid, "ns", "net") }
	wants := []want{
		{100, "pid:1", []int32{1, 2}, []string{proc("1"), proc("2")}},
		{200, "blue", []int32{30}, []string{filepath.Join(named, "blue"), proc("30")}},
		{300, "/nonexistent/held", nil, []string{"/nonexistent/held"}},
	}
	if len(errs) != len(wants) {
		t.Fatalf("errors %v, want %d", errs, len(wants))
	}
	for i, w := range wants {
		var e *Error
		if !errors.As(errs[i], &e) {
			t.Fatalf("error %d = %v, not an *Error", i, errs[i])
		}
		if e.NS.Inode != w.ino || e.NS.Name != w.name || e.NS.Dev != Mkdev(0, 4) || !slices.Equal(e.NS.PIDs, w.pids) || !slices.Equal(e.NS.Paths, w.paths) {
			t.Errorf("error %d names %+v, want %+v", i, e.NS, w)
		}
	}
}
