package procattr

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

func TestSocketInode(t *testing.T) {
	for _, tc := range []struct {
		link string
		ino  uint64
		ok   bool
	}{
		{"socket:[12345]", 12345, true},
		{"socket:[0]", 0, true},
		{"socket:[4294967295]", 1<<32 - 1, true},
		{"socket:[18446744073709551615]", 1<<64 - 1, true},
		{"socket:[007]", 7, true},                   // the kernel never pads, but it is a number
		{"socket:[18446744073709551616]", 0, false}, // overflow
		{"socket:[99999999999999999999]", 0, false}, // overflow, 20 digits
		{"socket:[]", 0, false},
		{"socket:[12a]", 0, false},
		{"socket:[-1]", 0, false},
		{"socket:[+1]", 0, false},
		{"socket:[123", 0, false},
		{"socket:[123]x", 0, false},
		{"socket:123]", 0, false},
		{"Socket:[123]", 0, false},
		{"pipe:[123]", 0, false},
		{"anon_inode:[eventpoll]", 0, false},
		{"/dev/null", 0, false},
		{"/tmp/socket:[1]", 0, false},
		{"", 0, false},
	} {
		ino, ok := socketInode([]byte(tc.link))
		if ino != tc.ino || ok != tc.ok {
			t.Errorf("socketInode(%q) = %d, %v; want %d, %v", tc.link, ino, ok, tc.ino, tc.ok)
		}
	}
}

func TestSocketInodeAllocs(t *testing.T) {
	link := []byte("socket:[123456789]")
	if n := testing.AllocsPerRun(100, func() { socketInode(link) }); n != 0 {
		t.Errorf("socketInode allocates %v times", n)
	}
}

func TestParseFD(t *testing.T) {
	for _, tc := range []struct {
		name string
		fd   int32
		ok   bool
	}{
		{"0", 0, true},
		{"255", 255, true},
		{"2147483647", 1<<31 - 1, true},
		{"2147483648", 0, false},
		{"99999999999", 0, false},
		{".", 0, false},
		{"..", 0, false},
		{"", 0, false},
		{"1a", 0, false},
		{"-1", 0, false},
		{".keep", 0, false},
	} {
		fd, ok := parseFD([]byte(tc.name))
		if fd != tc.fd || ok != tc.ok {
			t.Errorf("parseFD(%q) = %d, %v; want %d, %v", tc.name, fd, ok, tc.fd, tc.ok)
		}
	}
}

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		line string
		want statFields
		err  bool
	}{
		{"1 (systemd) S 0 1 1 0 -1 4194560 52633 1966522 109 1060 114 105\n",
			statFields{Comm: "systemd", PPID: 0, Flags: 4194560}, false},
		// Spaces and parentheses in comm: the last ')' ends it.
		{"4242 (my (weird) prog) R 1 4242 4242 0 -1 4194304 0 0\n",
			statFields{Comm: "my (weird) prog", PPID: 1, Flags: 4194304}, false},
		{"7 (a) S 3) S 99 7 7 0 -1 0\n", statFields{Comm: "a) S 3", PPID: 99}, false},
		{"8 ()) S 5 8 8 0 -1 64\n", statFields{Comm: ")", PPID: 5, Flags: 64}, false},
		{"9 () S 5 8 8 0 -1 64\n", statFields{Comm: "", PPID: 5, Flags: 64}, false},
		{"10 (tab\tand\nnewline) S 5 8 8 0 -1 64\n", statFields{Comm: "tab\tand\nnewline", PPID: 5, Flags: 64}, false},
		// A kernel thread (PF_KTHREAD set).
		{"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0\n", statFields{Comm: "kthreadd", Flags: 2129984}, false},
		// Stops after the ppid: flags unknown.
		{"11 (short) S 3", statFields{Comm: "short", PPID: 3}, false},
		{"", statFields{}, true},
		{"12 no parens S 1", statFields{}, true},
		{"13 )x( S 1", statFields{}, true},
		{"14 (x)", statFields{}, true},
		{"15 (x) S", statFields{}, true},
		{"16 (x) S abc 1 1 0 -1 0", statFields{}, true},
		{"17 (x) SS 1 1 1 0 -1 0", statFields{}, true},
		{"18 (x) S 1 1 1 0 -1 flags", statFields{}, true},
		{"19 (x) S 99999999999 1 1 0 -1 0", statFields{}, true},
	} {
		got, err := parseStat([]byte(tc.line))
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("parseStat(%q) = %+v, %v; want %+v, error %v", tc.line, got, err, tc.want, tc.err)
		}
		if err != nil && !errors.Is(err, errs.ErrMalformed) {
			t.Errorf("parseStat(%q): error %v does not wrap errs.ErrMalformed", tc.line, err)
		}
	}
}

func TestParseStatusUID(t *testing.T) {
	status := "Name:\tnginx\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t101\nPid:\t101\nPPid:\t100\n" +
		"Uid:\t0\t33\t33\t33\nGid:\t0\t33\t33\t33\n"
	for _, tc := range []struct {
		in  string
		uid uint32
		err bool
	}{
		{status, 33, false}, // effective, not real
		{"Uid:\t4294967294\t4294967294\t4294967294\t4294967294", 1<<32 - 2, false},
		{"Name:\tx\n", 0, true},
		{"Uid:\t1000\n", 0, true},
		{"Uid:\t1000\tx\t1\t1\n", 0, true},
		{"", 0, true},
	} {
		uid, err := parseStatusUID([]byte(tc.in))
		if uid != tc.uid || (err != nil) != tc.err {
			t.Errorf("parseStatusUID(%q) = %d, %v; want %d, error %v", tc.in, uid, err, tc.uid, tc.err)
		}
	}
}

func TestParseCmdline(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"sleep\x0030\x00", []string{"sleep", "30"}},
		{"sleep\x0030", []string{"sleep", "30"}},
		{"a\x00\x00b\x00", []string{"a", "", "b"}},
		{"nginx: worker process\x00", []string{"nginx: worker process"}}, // setproctitle
		{"nginx: master process /usr/sbin/nginx", []string{"nginx: master process /usr/sbin/nginx"}},
		{"", nil}, // kernel thread, zombie
		{"\x00", nil},
	} {
		if got := parseCmdline([]byte(tc.in)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseCmdline(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTrimDeleted(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		deleted bool
	}{
		{"/usr/bin/sleep", "/usr/bin/sleep", false},
		{"/tmp/x/prog (deleted)", "/tmp/x/prog", true},
		{"/tmp/a (deleted) (deleted)", "/tmp/a (deleted)", true},
		{" (deleted)", " (deleted)", false},
		{"/tmp/(deleted)", "/tmp/(deleted)", false},
		{"", "", false},
	} {
		out, deleted := trimDeleted(tc.in)
		if out != tc.out || deleted != tc.deleted {
			t.Errorf("trimDeleted(%q) = %q, %v; want %q, %v", tc.in, out, deleted, tc.out, tc.deleted)
		}
	}
}

func TestParsePasswd(t *testing.T) {
	in := "# comment\nroot:x:0:0:root:/root:/bin/bash\n\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n" +
		"+nis::::::\n-bad::::::\ndup:x:33:33::/:/bin/sh\nbroken:x\nnouid:x::0::/:\nbig:x:4294967295:1::/:\n" +
		"neg:x:-1:1::/:\n:x:5:5::/:\nlast:x:1000:1000::/home/last:/bin/sh"
	want := map[uint32]string{0: "root", 33: "www-data", 1<<32 - 1: "big", 1000: "last"}
	if got := parsePasswd([]byte(in)); !reflect.DeepEqual(got, want) {
		t.Errorf("parsePasswd = %v, want %v", got, want)
	}
}

func TestUserDB(t *testing.T) {
	db := &userDB{path: "testdata/passwd"}
	for uid, want := range map[uint32]string{0: "root", 33: "www-data", 1000: "alice", 4242: "4242"} {
		if got := db.name(uid); got != want {
			t.Errorf("name(%d) = %q, want %q", uid, got, want)
		}
	}
	missing := &userDB{path: "testdata/no-such-file"}
	if got := missing.name(0); got != "0" {
		t.Errorf("without a passwd file: name(0) = %q, want \"0\"", got)
	}
}

// FuzzSocketInode checks socketInode against a straightforward
// strconv-based parser.
func FuzzSocketInode(f *testing.F) {
	for _, s := range []string{
		"socket:[12345]",                   // the kernel's form
		"socket:[18446744073709551615]",    // largest value
		"socket:[18446744073709551616]",    // one past it
		"socket:[00000000000000000000001]", // leading zeros, longer than 20 digits
		"socket:[]",                        // no digits
		"socket:[1",                        // no bracket
		"pipe:[1]",                         // another kind of inode
		"/dev/null",                        // a path
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, link []byte) {
		ino, ok := socketInode(link)
		s := string(link)
		wantOK := strings.HasPrefix(s, "socket:[") && strings.HasSuffix(s, "]") && len(s) >= len("socket:[]")
		var want uint64
		if wantOK {
			var err error
			want, err = strconv.ParseUint(s[len("socket:["):len(s)-1], 10, 64)
			wantOK = err == nil
		}
		if ok != wantOK || ok && ino != want {
			t.Errorf("socketInode(%q) = %d, %v; strconv says %d, %v", link, ino, ok, want, wantOK)
		}
	})
}

// FuzzParseStat checks that parseStat never panics, that a comm it returns
// is what stood between the first '(' and the last ')', and that any comm
// written into a well-formed line reads back unchanged.
func FuzzParseStat(f *testing.F) {
	for _, s := range []string{
		"1 (systemd) S 0 1 1 0 -1 4194560 52633 1966522 109 1060\n", // init
		"4242 (my (weird) prog) R 1 4242 4242 0 -1 4194304 0 0\n",   // parentheses in comm
		"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0\n",               // kernel thread
		"11 (short) S 3", // no flags
		"13 )x( S 1",     // parentheses reversed
		"",               // empty file
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseStat(b)
		if err == nil {
			s := string(b)
			if i, j := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')'); s[i+1:j] != st.Comm {
				t.Errorf("parseStat(%q): comm %q, not the text between ( and the last )", b, st.Comm)
			}
		} else if !errors.Is(err, errs.ErrMalformed) {
			t.Errorf("parseStat(%q): %v does not wrap errs.ErrMalformed", b, err)
		}
		// b as a command name (the kernel caps it at 15 bytes; any length
		// must work).
		line := "42 (" + string(b) + ") S 7 42 42 0 -1 2097152 0 0 0\n"
		st, err = parseStat([]byte(line))
		if err != nil || st.Comm != string(b) || st.PPID != 7 || st.Flags != pfKthread {
			t.Errorf("parseStat(%q) = %+v, %v; want comm %q, ppid 7, flags %d", line, st, err, b, pfKthread)
		}
	})
}

// FuzzParseCgroup checks that parseCgroup never panics and that the unit
// and container it reports come from the path or the file.
func FuzzParseCgroup(f *testing.F) {
	for _, s := range []string{
		"0::/system.slice/nginx.service\n", // cgroup v2 service
		"0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-4242.scope\n", // user app
		"12:pids:/docker/" + dockerID + "\n1:name=systemd:/docker/" + dockerID + "\n0::/\n",         // v1 docker
		"0::/system.slice/docker-" + dockerID + ".scope\n",                                          // v2 docker
		"0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-" + criID + ".scope\n",               // k8s
		"0::/machine.slice/libpod-" + criID + ".scope/container\n",                                  // podman
		"0::/lxc.payload.web/init.scope\n",                                                          // LXC
		"4:memory:/process_api/30f198e09af44d4f0d84153012893c02\n0::/\n",                            // not a container
		"garbage\n::\n0::relative\n",                                                                // malformed
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		info := parseCgroup(b)
		if info.Path != "" && info.Path[0] != '/' {
			t.Errorf("parseCgroup(%q): path %q is not absolute", b, info.Path)
		}
		if !strings.Contains(info.Path, info.Unit) {
			t.Errorf("parseCgroup(%q): unit %q not on path %q", b, info.Unit, info.Path)
		}
		if !strings.Contains(string(b), info.Container) {
			t.Errorf("parseCgroup(%q): container %q not in the file", b, info.Container)
		}
		if again := parseCgroup(b); again != info {
			t.Errorf("parseCgroup(%q) not deterministic: %+v, then %+v", b, info, again)
		}
	})
}

func TestParseStartTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"42 (sleep) S 1 42 42 0 -1 4194304 97 0 0 0 0 0 0 0 20 0 1 0 3385122 8192 100 18446744073709551615", 3385122, true},
		{"42 (a) b) c) S 1 42 42 0 -1 4194304 97 0 0 0 0 0 0 0 20 0 1 0 17 8192", 17, true},
		{"42 (sleep) S 1 42 42 0 -1 4194304 97 0 0 0 0 0 0 0 20 0 1 0", 0, false},
		{"42 (sleep) S 1 42 42 0 -1 4194304 97 0 0 0 0 0 0 0 20 0 1 0 12x 8192", 0, false},
		{"42 sleep S 1", 0, false},
		{"42 (sleep) S 1 42 42 0 -1 4194304 97 0 0 0 0 0 0 0 20 0 1 0 99999999999999999999 1", 0, false},
	} {
		got, ok := parseStartTime([]byte(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("parseStartTime(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func FuzzParseStartTime(f *testing.F) {
	f.Add([]byte("42 (sleep) S 1 42 42 0 -1 4194304 97 0 0 0 0 0 0 0 20 0 1 0 3385122 8192"))
	f.Fuzz(func(t *testing.T, b []byte) { parseStartTime(b) })
}

func TestParseBoottimeOffset(t *testing.T) {
	for in, want := range map[string]int64{
		"monotonic 0 0\nboottime 0 0\n":          0,
		"monotonic 5 0\nboottime 86400 500\n":    86400*1e9 + 500,
		"boottime -3 999999999\nmonotonic 0 0\n": -3*1e9 + 999999999,
	} {
		if got, ok := parseBoottimeOffset([]byte(in)); !ok || got != want {
			t.Errorf("parseBoottimeOffset(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "monotonic 0 0\n", "boottime x 0\n", "boottime 1 1000000000\n", "boottime 99999999999 0\n"} {
		if _, ok := parseBoottimeOffset([]byte(in)); ok {
			t.Errorf("parseBoottimeOffset(%q) accepted", in)
		}
	}
}

func FuzzParseBoottimeOffset(f *testing.F) {
	f.Add([]byte("monotonic 0 0\nboottime 86400 500\n"))
	f.Fuzz(func(t *testing.T, b []byte) { parseBoottimeOffset(b) })
}
