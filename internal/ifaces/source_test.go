package ifaces

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

func TestInterfacesFixture(t *testing.T) {
	got, err := Interfaces("testdata/netns")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, netnsDevWant) {
		t.Errorf("got %+v\nwant %+v", got, netnsDevWant)
	}
}

func TestGroupsFixture(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the igmp fixture was printed by a little-endian kernel")
	}
	got, err := Groups("testdata/netns")
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]Membership(nil), netnsIGMPWant...), netnsIGMP6Want...)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

// copyFixture copies testdata/netns/name into dir.
func copyFixture(t *testing.T, dir, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/netns", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestGroupsWithoutIPv6(t *testing.T) {
	dir := t.TempDir()
	copyFixture(t, dir, "igmp")
	got, err := Groups(dir)
	if err != nil {
		t.Fatalf("a missing igmp6 must not be an error: %v", err)
	}
	if len(got) != len(netnsIGMPWant) {
		t.Errorf("got %d memberships, want the %d IPv4 ones", len(got), len(netnsIGMPWant))
	}
}

func TestSourceErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Interfaces(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Interfaces of an empty dir: %v, want fs.ErrNotExist", err)
	}
	if _, err := Groups(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Groups without igmp: %v, want fs.ErrNotExist", err)
	}
	// A malformed igmp6 is an error even though a missing one is not.
	copyFixture(t, dir, "igmp")
	if err := os.WriteFile(filepath.Join(dir, "igmp6"), []byte("1 lo ff02::1 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := Groups(dir); !errors.Is(err, errs.ErrMalformed) || got != nil {
		t.Errorf("Groups with a bad igmp6 = %v, %v; want nil, errs.ErrMalformed", got, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dev"), []byte(devHeader+"eth0 1 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := Interfaces(dir); !errors.Is(err, errs.ErrMalformed) || got != nil {
		t.Errorf("Interfaces with a bad dev = %v, %v; want nil, errs.ErrMalformed", got, err)
	}
}

// TestLive reads the running kernel's files through procfs.FS.Net(): whatever
// the namespace, they parse, and the loopback interface is listed.
func TestLive(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/net is Linux only")
	}
	ifs, err := Interfaces("")
	if err != nil {
		t.Fatal(err)
	}
	lo := false
	for _, ifc := range ifs {
		lo = lo || ifc.Name == "lo"
	}
	if !lo {
		t.Errorf("no lo among %+v", ifs)
	}
	if _, err := Groups(""); err != nil {
		t.Fatal(err)
	}
}
