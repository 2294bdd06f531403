package procattr

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The fixture tree testdata/proc is built by testdata/mkproc.sh; see the
// comments there for what each PID stands for.

func fixtureSockets() []sockets.Socket {
	return []sockets.Socket{
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Close, Inode: 1001},
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Listen, Inode: 1002},
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Listen, Inode: 2001},
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established, Inode: 2002},
		{Proto: sockets.UDP, Family: sockets.Inet, State: sockets.Close, Inode: 3001},
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established, Inode: 5001}, // holder exited
		{Proto: sockets.TCP, Family: sockets.Inet6, State: sockets.Established, Inode: 6001},
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.TimeWait},                 // kernel-owned
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established, Inode: 9999}, // no holder
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Listen, Inode: 2001},      // listed twice
	}
}

// fixtureProcs are the processes of testdata/proc as Details loads them.
var fixtureProcs = map[int32]sockets.ProcessInfo{
	1: {PID: 1, Name: "systemd", Exe: "/usr/lib/systemd/systemd", Cmdline: []string{"/sbin/init", "splash"},
		User: "root", Cgroup: "/init.scope", Unit: "init.scope"},
	100: {PID: 100, PPID: 1, Name: "nginx", Exe: "/usr/sbin/nginx",
		Cmdline: []string{"nginx: master process /usr/sbin/nginx -g daemon on;"},
		User:    "root", Cgroup: "/system.slice/nginx.service", Unit: "nginx.service"},
	101: {PID: 101, PPID: 100, Name: "nginx", Exe: "/usr/sbin/nginx", Cmdline: []string{"nginx: worker process"},
		UID: 33, User: "www-data", Cgroup: "/system.slice/nginx.service", Unit: "nginx.service"},
	200: {PID: 200, PPID: 1, Name: "my (weird) prog", Exe: "/tmp/x/prog", ExeDeleted: true,
		Cmdline: []string{"./prog", "--name=a b"}, UID: 1000, User: "alice",
		Cgroup: "/system.slice/docker-" + dockerID + ".scope", Unit: "docker-" + dockerID + ".scope", Container: dockerID},
	600: {PID: 600, PPID: 1, Name: "envoy", Exe: "/usr/local/bin/envoy", Cmdline: []string{"envoy", "-c", "/etc/envoy.yaml"},
		UID: 4242, User: "4242",
		Cgroup: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/cri-containerd-" + criID + ".scope",
		Unit:   "cri-containerd-" + criID + ".scope", Container: criID},
}

// holders lists the expected (pid, fd) holders of each fixture socket.
var fixtureHolders = [][][2]int32{
	{{1, 3}},
	{{1, 5}, {600, 12}},
	{{100, 6}, {101, 6}}, // shared after fork; 100 holds it on 6 and 7
	{{101, 9}},
	{{200, 3}},
	nil, // 500 exited
	{{600, 3}},
	nil,
	nil,
	{{100, 6}, {101, 6}},
}

func wantFixture(details bool) [][]sockets.Process {
	want := make([][]sockets.Process, len(fixtureHolders))
	for i, hs := range fixtureHolders {
		for _, h := range hs {
			p := fixtureProcs[h[0]]
			if !details {
				p = sockets.ProcessInfo{PID: p.PID, Name: p.Name}
			}
			if p.PID == 100 {
				p.MoreFDs = map[uint64][]int32{2001: {7}} // its other fd on 2001
			}
			want[i] = append(want[i], proc(p, h[1]))
		}
	}
	return want
}

func TestAttributeFixture(t *testing.T) {
	for _, f := range attributeFuncs {
		for _, details := range []bool{false, true} {
			for _, workers := range []int{1, 2, 7} {
				socks := fixtureSockets()
				for i := range socks {
					socks[i].Processes = []sockets.Process{proc(sockets.ProcessInfo{PID: 12345}, 0)} // must be replaced
				}
				var busy chan struct{}
				if details {
					busy = make(chan struct{}) // never closed: one worker fewer
				}
				res, err := f.fn(context.Background(), socks, Options{
					Root: "testdata/proc", Workers: workers, Details: details, Busy: busy, passwd: "testdata/passwd",
				})
				if err != nil {
					t.Fatalf("%s details=%v workers=%d: %v", f.name, details, workers, err)
				}
				if want := (Result{Processes: 8}); res != want {
					t.Errorf("%s details=%v workers=%d: result %+v, want %+v", f.name, details, workers, res, want)
				}
				want := wantFixture(details)
				for i := range socks {
					if !reflect.DeepEqual(socks[i].Processes, want[i]) {
						t.Errorf("%s details=%v workers=%d: socket %d (inode %d):\n got %s\nwant %s",
							f.name, details, workers, i, socks[i].Inode, showProcs(socks[i].Processes), showProcs(want[i]))
					}
				}
			}
		}
	}
}

// TestAttributeShared checks that the sockets of one process share its
// loaded data instead of copies, and that the lists cannot clobber each
// other when appended to.
func TestAttributeShared(t *testing.T) {
	for _, f := range attributeFuncs {
		socks := fixtureSockets()
		if _, err := f.fn(context.Background(), socks, Options{Root: "testdata/proc", Details: true}); err != nil {
			t.Fatal(err)
		}
		a, b := socks[0].Processes[0], socks[1].Processes[0] // both pid 1
		if &a.Info.Cmdline[0] != &b.Info.Cmdline[0] {
			t.Errorf("%s: the sockets of pid 1 do not share one Cmdline slice", f.name)
		}
		if a.Info != b.Info {
			t.Errorf("%s: the sockets of pid 1 do not share one ProcessInfo", f.name)
		}
		for i := range socks {
			if p := socks[i].Processes; len(p) != cap(p) {
				t.Errorf("%s: socket %d: len %d != cap %d: an append would overwrite the next socket's list", f.name, i, len(p), cap(p))
			}
		}
	}
}

// copyTree copies a directory tree, keeping symlinks as symlinks.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		default:
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(to, b, 0o644)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAttributeFixturePartial breaks one process's fd table (a file where
// the directory should be): Attribute and Scan report the error with the
// path, and still fill every other socket.
func TestAttributeFixturePartial(t *testing.T) {
	root := t.TempDir()
	copyTree(t, "testdata/proc", root)
	if err := os.RemoveAll(filepath.Join(root, "600/fd")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "600/fd"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range attributeFuncs {
		socks := fixtureSockets()
		res, err := f.fn(context.Background(), socks, Options{Root: root, passwd: "testdata/passwd"})
		var pe *os.PathError
		if !errors.As(err, &pe) || pe.Path != root+"/600/fd" || !errors.Is(err, unix.ENOTDIR) {
			t.Fatalf("%s: err = %v, want an *os.PathError for %s/600/fd wrapping ENOTDIR", f.name, err, root)
		}
		// 1002 (also held by 600) and 6001 (only 600), 5001 (exited) and
		// 9999 may belong to the unreadable process.
		if want := (Result{Processes: 8, Unreadable: 1, Unattributed: 3}); res != want {
			t.Errorf("%s: result %+v, want %+v", f.name, res, want)
		}
		want := wantFixture(false)
		want[1] = want[1][:1]
		want[6] = nil
		for i := range socks {
			if !reflect.DeepEqual(socks[i].Processes, want[i]) {
				t.Errorf("%s: socket %d:\n got %s\nwant %s", f.name, i, showProcs(socks[i].Processes), showProcs(want[i]))
			}
		}
	}
}

func TestAttributeNoRoot(t *testing.T) {
	opts := Options{Root: filepath.Join(t.TempDir(), "missing")}
	_, err := Attribute(context.Background(), nil, opts)
	var pe *os.PathError
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Attribute: err = %v, want an *os.PathError wrapping fs.ErrNotExist", err)
	}
	h, err := Scan(context.Background(), opts)
	if h != nil || !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Scan: %v, %v; want nil and an *os.PathError wrapping fs.ErrNotExist", h, err)
	}
}

func TestAttributeCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	socks := fixtureSockets()
	_, err := Attribute(ctx, socks, Options{Root: "testdata/proc"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	for i := range socks {
		if socks[i].Processes != nil {
			t.Errorf("socket %d changed after cancellation", i)
		}
	}
	if h, err := Scan(ctx, Options{Root: "testdata/proc"}); h != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Scan: %v, %v; want nil, context.Canceled", h, err)
	}
}

// TestAttributeNothingToFind: without an inode to look for, nothing is
// walked, and stale lists are still cleared.
func TestAttributeNothingToFind(t *testing.T) {
	socks := []sockets.Socket{{State: sockets.TimeWait, Processes: []sockets.Process{proc(sockets.ProcessInfo{PID: 1}, 0)}}}
	res, err := Attribute(context.Background(), socks, Options{Root: "testdata/proc"})
	if err != nil || res != (Result{}) || socks[0].Processes != nil {
		t.Errorf("got %+v, %v, processes %s; want a zero Result, no error, no processes", res, err, showProcs(socks[0].Processes))
	}
}
