package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// testWatch runs watch --format ndjson under Wine: the Windows poll
// (GetExtendedTcpTable, owners by PID) reports a listener of this test as
// an initial open event, then a connection made while it runs as open
// events of a later look, and its end as a close or a state change.
func (w *wine) testWatch(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	out := tempFile(t)
	cmd := exec.Command(w.script, w.exe, "watch", "--format", "ndjson", "--interval", "500ms", "-t")
	cmd.Env = wineEnviron(nil)
	cmd.Stdout = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}()
	type event struct {
		Event   string
		Initial bool
		Seq     int
		Socket  struct {
			State string
			Local struct{ Port int }
		}
	}
	// waitEvent waits until an event ok accepts has been printed.
	waitEvent := func(what string, ok func(e event) bool) event {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for {
			sc := bufio.NewScanner(bytes.NewReader(readBack(t, out)))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var e event
				if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
					t.Fatalf("not an event: %v\n%s", err, sc.Bytes())
				}
				if ok(e) {
					return e
				}
			}
			select {
			case err := <-done:
				t.Fatalf("watch under Wine ended (%v) before %s:\n%s", err, what, readBack(t, out))
			case <-time.After(200 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s in 90 s:\n%s", what, readBack(t, out))
			}
		}
	}
	waitEvent("initial open of the listener", func(e event) bool {
		return e.Event == "open" && e.Initial && e.Socket.Local.Port == port && e.Socket.State == "LISTEN"
	})
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	cport := c.LocalAddr().(*net.TCPAddr).Port
	opened := waitEvent(fmt.Sprintf("open of the new connection (port %d)", cport), func(e event) bool {
		return e.Event == "open" && !e.Initial && e.Socket.Local.Port == cport
	})
	if opened.Seq < 2 {
		t.Errorf("the new connection's open event is of look %d", opened.Seq)
	}
	c.Close()
	s.Close()
	waitEvent("the connection's end", func(e event) bool {
		return (e.Event == "close" || e.Event == "state") && e.Seq > opened.Seq && e.Socket.Local.Port == cport
	})
}
