package procattr

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"

	"github.com/sockscope/sockscope/internal/sockets"
)

// These run on Windows, and under Wine in CI (cmd/sockscope's Wine
// tests run this package's test binary): the calls behind the
// attribution, for real, on the test's own process.

// TestWindowsProcessSnapshotHasSelf: the Toolhelp snapshot holds this process,
// by PID, with its parent and image name.
func TestWindowsProcessSnapshotHasSelf(t *testing.T) {
	procs, err := processSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	self := procs[int32(os.Getpid())]
	if self == nil {
		t.Fatalf("PID %d not among the %d processes of the snapshot", os.Getpid(), len(procs))
	}
	exe, _ := os.Executable()
	if !strings.EqualFold(self.Name, filepath.Base(exe)) || self.PPID != int32(os.Getppid()) || self.UID != sockets.NoUID {
		t.Errorf("self = %+v, want name %q, parent %d, no uid", *self, filepath.Base(exe), os.Getppid())
	}
}

// TestWindowsAttributeSelf: a socket the source gave to this process's PID, with
// a service, is completed with exe path, command line and user, and keeps
// its service; PID 0 stays without a holder.
func TestWindowsAttributeSelf(t *testing.T) {
	pid := int32(os.Getpid())
	socks := []sockets.Socket{
		{Processes: []sockets.Process{{Info: &sockets.ProcessInfo{PID: pid, Unit: "TestSvc"}}}},
		{},
	}
	res, err := Attribute(context.Background(), socks, Options{Details: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unreadable != 0 || res.Unattributed != 0 || res.Processes == 0 {
		t.Errorf("result = %+v, want every owner read and a snapshot", res)
	}
	p := socks[0].Processes[0]
	exe, _ := os.Executable()
	if !strings.EqualFold(filepath.Base(p.Info.Exe), filepath.Base(exe)) || !strings.Contains(p.Info.Exe, `\`) {
		t.Errorf("Exe = %q, want the full path of %q", p.Info.Exe, exe)
	}
	if h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid)); err == nil {
		_, err := commandLine(h)
		windows.CloseHandle(h)
		if errors.Is(err, windows.STATUS_INVALID_INFO_CLASS) || errors.Is(err, windows.STATUS_NOT_IMPLEMENTED) {
			t.Logf("no command lines here (Wine 8 lacks ProcessCommandLineInformation): %v", err)
		} else if len(p.Info.Cmdline) != len(os.Args) || !strings.EqualFold(filepath.Base(p.Info.Cmdline[0]), filepath.Base(os.Args[0])) {
			t.Errorf("Cmdline = %q (%v), want %q", p.Info.Cmdline, err, os.Args)
		}
	}
	if p.Info.User == "" || p.Info.Unit != "TestSvc" || p.Info.Name == "" {
		t.Errorf("holder = %+v, want a user, a name and the service kept", *p.Info)
	}
	if len(socks[1].Processes) != 0 {
		t.Errorf("PID 0 got holders %v", socks[1].Processes)
	}
}
