package cli

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/iostreams"
	"github.com/sockscope/sockscope/internal/sockets"
)

// fakeSource returns socks from Snapshot, or err; started is closed when
// Snapshot begins and Snapshot waits for release (if not nil) first.
type fakeSource struct {
	socks   []sockets.Socket
	err     error
	started chan struct{}
	release <-chan struct{}
}

func (s *fakeSource) Snapshot(ctx context.Context, f sockets.Filter, dst []sockets.Socket) ([]sockets.Socket, error) {
	close(s.started)
	if s.release != nil {
		select {
		case <-s.release:
		case <-time.After(10 * time.Second):
			return nil, errors.New("attribution never started")
		}
	}
	if s.err != nil {
		return dst, s.err
	}
	for _, sk := range s.socks {
		if f.Match(&sk) {
			dst = append(dst, sk)
		}
	}
	return dst, nil
}

var nginx = &sockets.ProcessInfo{PID: 4321, Name: "nginx"}

func tcpSocks() []sockets.Socket {
	return []sockets.Socket{
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Listen, Inode: 11,
			Local: netip.MustParseAddrPort("0.0.0.0:80"), Remote: netip.MustParseAddrPort("0.0.0.0:0")},
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established, Inode: 12,
			Local: netip.MustParseAddrPort("10.0.0.1:80"), Remote: netip.MustParseAddrPort("10.0.0.2:5555")},
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Listen, Inode: 13,
			Local: netip.MustParseAddrPort("0.0.0.0:22"), Remote: netip.MustParseAddrPort("0.0.0.0:0")},
	}
}

// fakeAttribution attributes inode 11 and 12 to nginx and records the
// inodes it was asked about.
func fakeAttribution(asked *[]uint64, res collect.Attribution) func([]sockets.Socket) collect.Attribution {
	return func(socks []sockets.Socket) collect.Attribution {
		for i := range socks {
			*asked = append(*asked, socks[i].Inode)
			if socks[i].Inode == 11 || socks[i].Inode == 12 {
				socks[i].Processes = []sockets.Process{{Info: nginx, FD: int32(socks[i].Inode - 5)}}
			}
		}
		return res
	}
}

func execList(t *testing.T, f *Factory, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f.IO = ios
	root := NewRootCmd(f, nil)
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// gcPercent returns GOGC without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// TestListAttributesWhileListing checks that the processes' files are
// read while the source lists the sockets (each side waits for the other
// to have started), that the matching gets the filtered sockets, and that
// the owners are shown.
func TestListAttributesWhileListing(t *testing.T) {
	scanStarted := make(chan struct{})
	src := &fakeSource{socks: tcpSocks(), started: make(chan struct{}), release: scanStarted}
	var asked []uint64
	var details atomic.Bool
	var gcDuringWalk atomic.Int32
	before := gcPercent()
	f := &Factory{
		Source: func(sockets.SourceOptions) (sockets.Source, error) { return src, nil },
		Attribute: func(ctx context.Context, d bool, listed <-chan struct{}) (func([]sockets.Socket) collect.Attribution, error) {
			details.Store(d)
			gcDuringWalk.Store(int32(gcPercent()))
			close(scanStarted)
			for _, c := range []<-chan struct{}{src.started, listed} {
				select {
				case <-c:
				case <-time.After(10 * time.Second):
					return nil, errors.New("the listing did not start, or end, during the walk")
				}
			}
			return fakeAttribution(&asked, collect.Attribution{}), nil
		},
	}
	out, errOut, err := execList(t, f, "-tanp", "--port", "80")
	if err != nil {
		t.Fatalf("%v (stderr %q)", err, errOut)
	}
	if errOut != "" {
		t.Errorf("stderr %q, want nothing", errOut)
	}
	if !strings.Contains(out, "4321/nginx") {
		t.Errorf("owner missing from output:\n%s", out)
	}
	if want := []uint64{11, 12}; !slices.Equal(asked, want) {
		t.Errorf("attributed inodes %v, want the filtered ones %v", asked, want)
	}
	if details.Load() {
		t.Error("-p asked for details")
	}
	if got := gcDuringWalk.Load(); got != -1 {
		t.Errorf("GOGC during the walk = %d, want -1 (off)", got)
	}
	if after := gcPercent(); after != before {
		t.Errorf("GOGC after the listing = %d, want %d as before", after, before)
	}
}

// TestListAttributionErrors: a failed walk is a warning and the listing
// goes on without owners; unsupported attribution is silent; a partial
// walk warns and shows what it found; a failed listing cancels the walk.
func TestListAttributionErrors(t *testing.T) {
	boom := errors.New("open /proc: boom")
	unsupported := errors.Join(errors.New("not here"), sockets.ErrUnsupported)
	tests := []struct {
		name      string
		fill      bool // the walk returns a function
		err       error
		wantOwner bool
		wantErr   string // on stderr
	}{
		{"failed", false, boom, false, "sockscope: warning: process attribution: open /proc: boom\n"},
		{"unsupported", false, unsupported, false, ""},
		{"partial", true, boom, true, "sockscope: warning: process attribution: open /proc: boom\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSource{socks: tcpSocks(), started: make(chan struct{})}
			var asked []uint64
			f := &Factory{
				Source: func(sockets.SourceOptions) (sockets.Source, error) { return src, nil },
				Attribute: func(context.Context, bool, <-chan struct{}) (func([]sockets.Socket) collect.Attribution, error) {
					if tt.fill {
						return fakeAttribution(&asked, collect.Attribution{}), tt.err
					}
					return nil, tt.err
				},
			}
			out, errOut, err := execList(t, f, "-tanp")
			if err != nil {
				t.Fatalf("%v (stderr %q)", err, errOut)
			}
			if errOut != tt.wantErr {
				t.Errorf("stderr %q, want %q", errOut, tt.wantErr)
			}
			if got := strings.Contains(out, "4321/nginx"); got != tt.wantOwner {
				t.Errorf("owner shown = %v, want %v:\n%s", got, tt.wantOwner, out)
			}
			if strings.Count(out, "\n") != 4 {
				t.Errorf("want a header and 3 sockets:\n%s", out)
			}
		})
	}

	t.Run("listing failed", func(t *testing.T) {
		src := &fakeSource{err: errors.New("netlink: boom"), started: make(chan struct{})}
		canceled := make(chan error, 1)
		f := &Factory{
			Source: func(sockets.SourceOptions) (sockets.Source, error) { return src, nil },
			Attribute: func(ctx context.Context, _ bool, _ <-chan struct{}) (func([]sockets.Socket) collect.Attribution, error) {
				select {
				case <-ctx.Done():
					canceled <- ctx.Err()
				case <-time.After(10 * time.Second):
					canceled <- errors.New("not canceled")
				}
				return nil, ctx.Err()
			},
		}
		if _, _, err := execList(t, f, "-tanp"); err == nil || !strings.Contains(err.Error(), "netlink: boom") {
			t.Fatalf("err = %v, want the source's", err)
		}
		if err := <-canceled; !errors.Is(err, context.Canceled) {
			t.Errorf("walk: %v, want context.Canceled", err)
		}
	})
}

// TestListUnattributedWarning: sockets that unreadable processes may hold
// are reported once on stderr.
func TestListUnattributedWarning(t *testing.T) {
	src := &fakeSource{socks: tcpSocks(), started: make(chan struct{})}
	var asked []uint64
	f := &Factory{
		Source: func(sockets.SourceOptions) (sockets.Source, error) { return src, nil },
		Attribute: func(context.Context, bool, <-chan struct{}) (func([]sockets.Socket) collect.Attribution, error) {
			return fakeAttribution(&asked, collect.Attribution{Unattributed: 1, Unreadable: 2}), nil
		},
	}
	_, errOut, err := execList(t, f, "-tan", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "1 socket could not be attributed: 2 processes of other users") {
		t.Errorf("stderr %q lacks the unattributed warning", errOut)
	}
}

// TestListUnattributedWarningChinese: the warning in the language of the
// listing, without English plurals.
func TestListUnattributedWarningChinese(t *testing.T) {
	src := &fakeSource{socks: tcpSocks(), started: make(chan struct{})}
	var asked []uint64
	f := &Factory{
		Source: func(sockets.SourceOptions) (sockets.Source, error) { return src, nil },
		Attribute: func(context.Context, bool, <-chan struct{}) (func([]sockets.Socket) collect.Attribution, error) {
			return fakeAttribution(&asked, collect.Attribution{Unattributed: 3, Unreadable: 1}), nil
		},
		Privileged: true,
	}
	_, errOut, err := execList(t, f, "-tan", "--format", "json", "--lang", "zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	want := "sockscope: 3 个套接字无法确定所属进程：1 个进程即使对 root 也不公开其打开的文件\n"
	if errOut != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
}

// TestListWindowsElevationWarning: on Windows the owners' programs that
// could not be opened are reported once, with the advice netstat -b gives
// (elevation), or, when elevated already, without advice; and -b and data
// formats ask the source for owner modules (service names), -ano does not.
func TestListWindowsElevationWarning(t *testing.T) {
	defer func(g string) { goos = g }(goos)
	goos = "windows"
	for _, tt := range []struct {
		args       []string
		privileged bool
		modules    bool
		want       string
	}{
		{[]string{"-b"}, false, true, "sockscope: the programs behind 3 sockets could not be read: opening 2 processes needs elevation, as netstat -b says; run as Administrator to see every owner\n"},
		{[]string{"-an", "--format", "json"}, true, true, "sockscope: the programs behind 3 sockets could not be read: 2 processes refused even an Administrator\n"},
		{[]string{"-b", "--lang", "zh-CN"}, false, true, "sockscope: 3 个套接字背后的程序无法读取：打开 2 个进程需要提升权限（netstat -b 也这样要求）；以管理员身份运行才能看到全部属主\n"},
		{[]string{"-ano"}, false, false, ""},
	} {
		src := &fakeSource{socks: tcpSocks(), started: make(chan struct{})}
		var opts sockets.SourceOptions
		var asked []uint64
		f := &Factory{
			Source: func(o sockets.SourceOptions) (sockets.Source, error) { opts = o; return src, nil },
			Attribute: func(_ context.Context, details bool, _ <-chan struct{}) (func([]sockets.Socket) collect.Attribution, error) {
				res := collect.Attribution{}
				if details {
					res = collect.Attribution{Unattributed: 3, Unreadable: 2}
				}
				return fakeAttribution(&asked, res), nil
			},
			Privileged: tt.privileged,
		}
		_, errOut, err := execList(t, f, tt.args...)
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if errOut != tt.want {
			t.Errorf("%v: stderr %q, want %q", tt.args, errOut, tt.want)
		}
		if opts.Modules != tt.modules {
			t.Errorf("%v: SourceOptions.Modules = %v, want %v", tt.args, opts.Modules, tt.modules)
		}
	}
}

func TestMatchProgram(t *testing.T) {
	chrome := &sockets.ProcessInfo{PID: 4321, Name: "chrome.exe", Exe: "/opt/google/chrome/chrome.exe"}
	nginx := &sockets.ProcessInfo{PID: 80, Name: "nginx", Exe: "/usr/sbin/nginx"}
	for _, tt := range []struct {
		p    *sockets.ProcessInfo
		name string
		want bool
	}{
		{chrome, "chrome", true},
		{chrome, "CHROME.EXE", true},
		{chrome, "chrom", false},
		{nginx, "nginx", true},
		{nginx, "nginx.exe", true},
		{nginx, "Nginx", true},
		{nginx, "ngin", false},
		{&sockets.ProcessInfo{Name: ".exe"}, ".exe", true},
	} {
		if got := matchProgram(tt.p, []string{tt.name}); got != tt.want {
			t.Errorf("matchProgram(%q, %q) = %v, want %v", tt.p.Name, tt.name, got, tt.want)
		}
	}
}

// TestListJSONWarnings: what a listing could not see is in the JSON
// envelope's warnings (as the error's own text) as well as on stderr.
func TestListJSONWarnings(t *testing.T) {
	partial := &sockets.PartialError{Errs: []error{errors.New("inet_diag dump raw: no such file or directory")}}
	for _, args := range [][]string{{"-tan", "--format", "json"}, {"-tanp", "--json"}} {
		src := &fakeSource{socks: tcpSocks(), err: partial, started: make(chan struct{})}
		f := &Factory{Source: func(sockets.SourceOptions) (sockets.Source, error) { return src, nil }}
		out, errOut, err := execList(t, f, args...)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		var doc struct{ Warnings []string }
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%q: %v\n%s", args, err, out)
		}
		if !slices.Equal(doc.Warnings, []string{"inet_diag dump raw: no such file or directory"}) || !strings.Contains(errOut, "raw") {
			t.Errorf("%q: warnings %q, stderr %q", args, doc.Warnings, errOut)
		}
	}
}
