package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/build"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/testutil"
)

// The integration tests of the built command: it runs inside a namespace
// holding a known population of sockets (internal/testutil) and what it
// prints must be exactly that population. They need root, except
// TestIntegrationUnknownFlag.

// binDir holds the binary built for these tests; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	testutil.MaybeRunHolder()
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildOnce builds this package (CGO_ENABLED=0, as released) once per test
// binary.
var buildOnce = sync.OnceValues(func() (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(build.Default.GOROOT, "bin", "go")
	}
	if binDir, err = os.MkdirTemp("", "sockscope-bin-"); err != nil {
		return "", err
	}
	bin := filepath.Join(binDir, "sockscope")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// No VCS stamp: the tests do not need it, and git refuses to read a
	// checkout owned by another user (CI containers, sudo).
	cmd := exec.CommandContext(ctx, goBin, "build", "-buildvcs=false", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	// This package's directory, also when the test binary runs elsewhere
	// (go test -c; sudo ./sockscope.test).
	if _, file, _, ok := runtime.Caller(0); ok {
		if _, err := os.Stat(file); err == nil {
			cmd.Dir = filepath.Dir(file)
		}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// sockscopeBinary returns the path of the built command. Building takes a
// while, so -short skips the test.
func sockscopeBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the command; skipped with -short")
	}
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// run runs cmd and returns its stdout, stderr and exit code; a command that
// could not run or was killed fails the test.
func run(t *testing.T, cmd *exec.Cmd) (stdout, stderr []byte, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.Exited():
		code = exit.ExitCode()
	default:
		t.Fatalf("%s: %v\nstderr:\n%s", cmd, err, errOut.Bytes())
	}
	return out.Bytes(), errOut.Bytes(), code
}

// TestIntegrationJSON runs the listing commands of the JSON contract (SPEC
// section 4) inside the population's namespace and checks their output
// against the population, owners included.
func TestIntegrationJSON(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	ns := testutil.NewNetNS(t)
	p := testutil.StartPopulation(t, ns)
	for _, args := range [][]string{
		{"--all", "--format", "json"},
		{"list", "--all", "--format", "json"},
		{"--all", "--format", "json", "--source", "proc"},
		{"--all", "--json", "--source", "netlink"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stdout, stderr, code := run(t, ns.Command(bin, args...))
			if code != 0 {
				t.Fatalf("exit status %d\nstderr:\n%s", code, stderr)
			}
			if len(stderr) > 0 {
				t.Logf("stderr:\n%s", stderr)
			}
			got, err := decodeListing(stdout)
			if err != nil {
				t.Fatalf("%v\noutput:\n%s", err, stdout)
			}
			want := p
			if slices.Contains(args, "proc") {
				// /proc/net/tcp has no bound-inactive sockets; see
				// testutil.ExpectedSocket.BoundInactive.
				want = p.WithoutBoundInactive()
			}
			want.Check(t, got)
			if t.Failed() {
				t.Logf("output:\n%s", stdout)
			}
		})
	}
}

// TestIntegrationTable checks that "-tan" prints every TCP listener of
// the population, on a line of its own that says LISTEN, and no other
// listening line.
func TestIntegrationTable(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	ns := testutil.NewNetNS(t)
	p := testutil.StartPopulation(t, ns)
	stdout, stderr, code := run(t, ns.Command(bin, "-tan"))
	if code != 0 {
		t.Fatalf("exit status %d\nstderr:\n%s", code, stderr)
	}
	lines := strings.Split(string(stdout), "\n")
	listeners := 0
	for _, e := range p.Expected {
		if e.Proto != sockets.TCP || e.State != sockets.Listen {
			continue
		}
		listeners++
		if !slices.ContainsFunc(lines, func(l string) bool { return isListenLine(l, e.Local) }) {
			t.Errorf("%s: no LISTEN line with local address %v", e.Name, e.Local)
		}
	}
	n := 0
	for _, l := range lines {
		if strings.Contains(l, "LISTEN") {
			n++
		}
	}
	if n != listeners {
		t.Errorf("%d lines say LISTEN, want %d", n, listeners)
	}
	if t.Failed() {
		t.Logf("output:\n%s", stdout)
	}
}

// isListenLine reports whether a table line is the listener at local: a
// column says LISTEN (or LISTENING) and a column is local written as ss,
// netstat or Windows write it.
func isListenLine(line string, local netip.AddrPort) bool {
	port := strconv.Itoa(int(local.Port()))
	forms := []string{local.String(), local.Addr().String() + ":" + port}
	if local.Addr().IsUnspecified() {
		forms = append(forms, "*:"+port)
	}
	hasState, hasAddr := false, false
	for _, f := range strings.Fields(line) {
		hasState = hasState || f == "LISTEN" || f == "LISTENING"
		for _, form := range forms {
			hasAddr = hasAddr || f == form
		}
	}
	return hasState && hasAddr
}

// TestIntegrationUnknownFlag checks SPEC section 9: an unknown flag gets
// one line on stderr and exit status 2. It needs no root.
func TestIntegrationUnknownFlag(t *testing.T) {
	bin := sockscopeBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stdout, stderr, code := run(t, exec.CommandContext(ctx, bin, "--no-such-flag"))
	checkUsageError(t, stdout, stderr, code, "no-such-flag")
}

// checkUsageError checks SPEC section 9's answer to bad input: exit
// status 2, nothing on stdout, and one line on stderr that names what was
// wrong.
func checkUsageError(t *testing.T, stdout, stderr []byte, code int, names string) {
	t.Helper()
	if code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
	if msg := strings.TrimSuffix(string(stderr), "\n"); msg == "" || strings.Contains(msg, "\n") {
		t.Errorf("stderr = %q, want one line", stderr)
	} else if !strings.Contains(msg, names) {
		t.Errorf("stderr = %q, want it to name %q", msg, names)
	}
	if len(stdout) != 0 {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
}

// listing is a JSON listing, schema 1 (SPEC section 4, docs/json.md), as
// far as these tests read it.
type listing struct {
	Schema  int          `json:"schema"`
	Sockets []jsonSocket `json:"sockets"`
}

type jsonSocket struct {
	Proto     string         `json:"proto"`
	Family    string         `json:"family"`
	Type      string         `json:"type"`
	State     string         `json:"state"`
	Local     jsonEndpoint   `json:"local"`
	Remote    jsonEndpoint   `json:"remote"`
	Inode     uint64         `json:"inode"`
	UID       uint32         `json:"uid"`
	NetNS     uint64         `json:"netns"`
	Processes *[]jsonProcess `json:"processes"` // nil: missing or null
}

// jsonEndpoint is {"ip","port"} for inet sockets, {"path","inode"} for
// unix ones (the remote's inode is the peer's).
type jsonEndpoint struct {
	IP    string `json:"ip"`
	Port  uint16 `json:"port"`
	Path  string `json:"path"`
	Inode uint64 `json:"inode"`
}

type jsonProcess struct {
	PID        int32    `json:"pid"`
	PPID       int32    `json:"ppid"`
	Name       string   `json:"name"`
	Exe        string   `json:"exe"`
	ExeDeleted bool     `json:"exe_deleted"`
	Cmdline    []string `json:"cmdline"`
	UID        uint32   `json:"uid"`
	User       string   `json:"user"`
	FD         int32    `json:"fd"`
}

// decodeListing decodes a JSON listing into sockets, so that
// Population.Check can judge it as it judges the Go API. Names that are
// not the schema's (proto, family, type, state) are errors.
func decodeListing(data []byte) ([]sockets.Socket, error) {
	var l listing
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, err
	}
	if l.Schema != 1 {
		return nil, fmt.Errorf("schema = %d, want 1", l.Schema)
	}
	out := make([]sockets.Socket, 0, len(l.Sockets))
	for i, js := range l.Sockets {
		s, err := js.socket()
		if err != nil {
			return nil, fmt.Errorf("socket %d: %w", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// socket converts one JSON socket object.
func (js *jsonSocket) socket() (sockets.Socket, error) {
	s := sockets.Socket{Inode: js.Inode, UID: js.UID, NetNS: js.NetNS}
	var ok bool
	if s.Proto, ok = lookupName(js.Proto, sockets.TCP, sockets.Unix); !ok {
		return s, fmt.Errorf("unknown proto %q", js.Proto)
	}
	if s.Family, ok = lookupName(js.Family, sockets.Inet, sockets.Local); !ok {
		return s, fmt.Errorf("unknown family %q", js.Family)
	}
	if !slices.Contains(sockets.StateNames, js.State) {
		return s, fmt.Errorf("state %q is not a kernel name", js.State)
	}
	states, err := sockets.ParseState(js.State)
	if err != nil {
		return s, err
	}
	for s.State = sockets.Established; !states.Has(s.State); s.State++ {
	}
	if s.Family == sockets.Local {
		if s.Type, ok = lookupName(js.Type, sockets.Stream, sockets.SeqPacket); !ok {
			return s, fmt.Errorf("unknown unix type %q", js.Type)
		}
		s.Path, s.PeerPath, s.Peer = js.Local.Path, js.Remote.Path, js.Remote.Inode
	} else {
		if s.Local, err = endpoint(js.Local); err != nil {
			return s, fmt.Errorf("local: %w", err)
		}
		if s.Remote, err = endpoint(js.Remote); err != nil {
			return s, fmt.Errorf("remote: %w", err)
		}
	}
	if js.Processes == nil {
		return s, errors.New(`"processes" missing or null, want a list ([] when no process holds it)`)
	}
	for _, jp := range *js.Processes {
		s.Processes = append(s.Processes, sockets.Process{Info: &sockets.ProcessInfo{
			PID: jp.PID, PPID: jp.PPID, Name: jp.Name, Exe: jp.Exe, ExeDeleted: jp.ExeDeleted,
			Cmdline: jp.Cmdline, UID: jp.UID, User: jp.User,
		}, FD: jp.FD})
	}
	return s, nil
}

// lookupName returns the value in [first, last] whose String is name.
func lookupName[T interface {
	~uint8
	String() string
}](name string, first, last T) (T, bool) {
	for v := first; v <= last; v++ {
		if v.String() == name {
			return v, true
		}
	}
	return 0, false
}

// endpoint parses {"ip","port"}.
func endpoint(e jsonEndpoint) (netip.AddrPort, error) {
	addr, err := netip.ParseAddr(e.IP)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(addr, e.Port), nil
}
