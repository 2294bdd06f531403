package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/testutil"
)

// TestIntegrationUnprivileged runs the command as uid 65534 (SPEC section
// 7): every socket of the population is still listed, the sockets of the
// process running as 65534 are attributed to it, no other owner is
// invented, and one stderr line says how many could not be attributed and
// how to see them.
func TestIntegrationUnprivileged(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	if err := os.Chmod(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	ns := testutil.NewNetNS(t)
	p := testutil.StartPopulation(t, ns)
	stdout, stderr, code := run(t, ns.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
		bin, "--all", "--format", "json"))
	if code != 0 {
		t.Fatalf("exit status %d\nstderr:\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(string(stderr), "\n"), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "could not be attributed") || !strings.Contains(lines[0], "sudo") {
		t.Errorf("stderr = %q, want one line saying how many sockets could not be attributed and to use sudo", stderr)
	}
	got, err := decodeListing(stdout)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, e := range p.Expected {
		for i := range got {
			s := &got[i]
			if s.Inode == 0 || s.Inode != e.Inode {
				continue
			}
			seen++
			visible := len(e.Owners) > 0 && e.Owners[0].UID == 65534
			switch {
			case visible && (len(s.Processes) != 1 || s.Processes[0].PID != e.Owners[0].PID):
				t.Errorf("%s: %d processes, want exactly pid %d (its owner runs as 65534)", e.Name, len(s.Processes), e.Owners[0].PID)
			case !visible && len(s.Processes) != 0:
				t.Errorf("%s: %d processes (first pid %d), want none visible to uid 65534", e.Name, len(s.Processes), s.Processes[0].PID)
			}
		}
	}
	want := 0
	for _, e := range p.Expected {
		if e.Inode != 0 {
			want++
		}
	}
	if seen != want {
		t.Errorf("%d of the %d population sockets with an inode listed", seen, want)
	}
}

// TestIntegrationNetstatName runs the binary through a symlink named
// netstat (SPEC section 3): the same flags, net-tools' layout on Linux.
func TestIntegrationNetstatName(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	link := filepath.Join(t.TempDir(), "netstat")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	ns := testutil.NewNetNS(t)
	testutil.StartPopulation(t, ns)
	stdout, stderr, code := run(t, ns.Command(link, "-tuln"))
	if code != 0 {
		t.Fatalf("exit status %d\nstderr:\n%s", code, stderr)
	}
	out := string(stdout)
	for _, want := range []string{
		"Active Internet connections (only servers)",
		"Proto Recv-Q Send-Q Local Address           Foreign Address         State",
		"127.0.0.1:", "LISTEN",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("netstat -tuln output lacks %q:\n%s", want, out)
		}
	}
	_, stderr, code = run(t, ns.Command(link, "-p", "bogus"))
	if code != 2 || !strings.HasPrefix(string(stderr), "netstat: unknown protocol") {
		t.Errorf("netstat -p bogus: exit %d, stderr %q", code, stderr)
	}
}
