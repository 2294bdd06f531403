package testutil

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The environment that turns a test binary into a holder or a holder's
// child; see MaybeRunHolder.
const (
	envMode     = "SOCKSCOPE_TESTUTIL_HOLDER"   // "1": holder, "child": child of a holder
	envDir      = "SOCKSCOPE_TESTUTIL_DIR"      // directory for socket files and exe copies
	envSetuid   = "SOCKSCOPE_TESTUTIL_SETUID"   // directory for the setuid exe copy (no nosuid mount)
	envToken    = "SOCKSCOPE_TESTUTIL_TOKEN"    // random part of names
	envManifest = "SOCKSCOPE_TESTUTIL_MANIFEST" // where the holder writes its manifest
	envListen   = "SOCKSCOPE_TESTUTIL_LISTEN"   // "1": the child opens a listener itself
)

// holderArgs are the arguments a holder or child is started with: should a
// test package forget MaybeRunHolder, the binary runs no test instead of
// recursing.
var holderArgs = []string{"-test.run=^$"}

// manifest is what the holder reports to the test that started it.
type manifest struct {
	Holder  int
	NetNS   uint64
	Sockets []ExpectedSocket
	Access  map[int32]ProcessAccess
}

// childReady is the line a child writes on stdout once it holds its
// sockets: the listener it opened itself, if asked to, and whether it is
// dumpable, which only the process itself can ask.
type childReady struct {
	Local    netip.AddrPort
	Inode    uint64
	FD       int
	Dumpable bool
}

// dumpable reports whether the calling process is dumpable
// (PR_GET_DUMPABLE is 1, SUID_DUMP_USER).
func dumpable() (bool, error) {
	d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	if err != nil {
		return false, fmt.Errorf("PR_GET_DUMPABLE: %w", err)
	}
	return d == 1, nil
}

// MaybeRunHolder runs the holder (or a holder's child) and exits when the
// test binary was started as one by StartPopulation; otherwise it returns at
// once. Call it first thing in TestMain of every package that calls
// StartPopulation.
func MaybeRunHolder() {
	var err error
	switch mode := os.Getenv(envMode); mode {
	case "":
		return
	case "1":
		err = runHolder()
	case "child":
		err = runChild()
	default:
		err = fmt.Errorf("unknown %s=%q", envMode, mode)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "testutil holder (pid %d): %v\n", os.Getpid(), err)
		os.Exit(1)
	}
	os.Exit(0)
}

// runChild holds what it inherited (fd 3 and up stay open without any
// code), opens a listener if asked, says so and whether it is dumpable on
// stdout, and waits for its stdin to close.
func runChild() error {
	var ready childReady
	var err error
	if ready.Dumpable, err = dumpable(); err != nil {
		return err
	}
	if os.Getenv(envListen) == "1" {
		fd, local, err := listenTCP(any4, 0)
		if err != nil {
			return err
		}
		ino, err := inodeOf(fd)
		if err != nil {
			return err
		}
		ready.Local, ready.Inode, ready.FD = local, ino, fd
	}
	if err := json.NewEncoder(os.Stdout).Encode(ready); err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, os.Stdin)
	return err
}

// holder builds the population and remembers what it built.
type holder struct {
	dir, token string
	setuidDir  string // where the setuid copy of the test binary goes
	self       sockets.Process
	m          manifest
	lo4        listener    // the IPv4 listener, for more connections
	keep       []*os.File  // files wrapping fds passed to children
	kids       []*exec.Cmd // waited for at exit
}

// runHolder builds the population, writes the manifest, says "ready" on
// stdout, and holds everything until stdin closes.
func runHolder() error {
	self, access, err := readProcess(os.Getpid())
	if err != nil {
		return err
	}
	if access.Dumpable, err = dumpable(); err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/net", &st); err != nil {
		return err
	}
	h := &holder{
		dir: os.Getenv(envDir), token: os.Getenv(envToken), setuidDir: os.Getenv(envSetuid), self: self,
		m: manifest{Holder: os.Getpid(), NetNS: st.Ino, Access: map[int32]ProcessAccess{self.Info.PID: access}},
	}
	err = h.build()
	if err == nil {
		_, err = io.Copy(io.Discard, os.Stdin)
	}
	h.stopChildren(err != nil)
	return err
}

// build makes the population and reports it: the manifest, then "ready".
func (h *holder) build() error {
	steps := []func() error{
		h.tcp, h.halfClosed, h.synSent, h.synRecv, h.finWait1, h.lastAck, h.closing, h.boundInactive,
		h.udp, h.unix, h.spawn, h.timeWait,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	data, err := json.MarshalIndent(h.m, "", "\t")
	if err != nil {
		return err
	}
	path := os.Getenv(envManifest)
	if err := os.WriteFile(path+".tmp", data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return err
	}
	_, err = fmt.Println("ready")
	return err
}

// stopChildren waits for the children, which exit when their stdin (the
// holder's) closes, and kills those that do not, or all of them at once if
// kill is set (the holder failed, and the test still holds stdin open).
func (h *holder) stopChildren(kill bool) {
	for _, c := range h.kids {
		if kill {
			_ = c.Process.Kill()
		}
		done := make(chan struct{})
		go func() { _ = c.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(ioTimeout):
			_ = c.Process.Kill()
			<-done
		}
	}
}
