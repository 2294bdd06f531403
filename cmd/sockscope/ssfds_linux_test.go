package main

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/netns"
	"github.com/sockscope/sockscope/internal/testutil"
)

// TestIntegrationSSSeveralFDs: a process holding one socket on several
// fds (a dup) is listed once per fd in users:((...)), highest first, as
// the real ss lists it.
func TestIntegrationSSSeveralFDs(t *testing.T) {
	testutil.RequireRoot(t)
	real := realSS(t)
	ours := ssLink(t)
	ns := testutil.NewNetNS(t)
	var ln net.Listener
	if err := netns.DoPath(ns.Path, func() error {
		var err error
		ln, err = net.Listen("tcp", "127.0.0.1:0")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File() // a second fd on the socket
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	third, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0) // and a third
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(third)
	// Neither is to be inherited by the ss processes the test runs.
	if _, err := unix.FcntlInt(f.Fd(), unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	filter := []string{"-tlnpH", "sport", "=", ":" + strconv.Itoa(port)}
	want, err := ns.Command(real, filter...).Output()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ns.Command(ours, filter...).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) || strings.Count(string(want), "fd=") < 3 {
		t.Errorf("ss -tlnpH sport = :%d\n ss   %q\n ours %q", port, want, got)
	}
}
