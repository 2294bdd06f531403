package sockets

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

// sockLine prints every field a decoder sets, for exact comparisons.
func sockLine(s *Socket) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", s.Proto, s.Family)
	if s.Type != 0 {
		fmt.Fprintf(&b, " %s", s.Type)
	}
	fmt.Fprintf(&b, " %s", s.State)
	if s.State >= NewSynRecv {
		fmt.Fprintf(&b, "(%d)", uint8(s.State))
	}
	if s.Family == Local {
		fmt.Fprintf(&b, " path=%q peer=%d peerpath=%q", s.Path, s.Peer, s.PeerPath)
	} else {
		fmt.Fprintf(&b, " %s %s", s.Local, s.Remote)
	}
	if s.Zone != 0 {
		fmt.Fprintf(&b, " if=%d", s.Zone)
	}
	fmt.Fprintf(&b, " rq=%d sq=%d ino=%d uid=%d cookie=%d", s.RecvQ, s.SendQ, s.Inode, s.UID, s.Cookie)
	if s.NetNS != 0 {
		fmt.Fprintf(&b, " netns=%d", s.NetNS)
	}
	return b.String()
}

// sockLines returns the sorted sockLine of every socket.
func sockLines(socks []Socket) []string {
	lines := make([]string, len(socks))
	for i := range socks {
		lines[i] = sockLine(&socks[i])
	}
	slices.Sort(lines)
	return lines
}

// lineDiff lists the lines only in got (+) and only in want (-).
func lineDiff(got, want []string) string {
	var b strings.Builder
	for _, l := range got {
		if !slices.Contains(want, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	return b.String()
}

// readFixture returns testdata/netlink/name.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "netlink", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// addFixtureSeeds adds every netlink fixture to a fuzzer's corpus.
func addFixtureSeeds(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "netlink", "*.bin"))
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// nlMessage builds one netlink message: header (seq 1, pid 7) and payload,
// padded.
func nlMessage(typ uint16, payload []byte) []byte {
	ne := binary.NativeEndian
	b := ne.AppendUint32(nil, uint32(nlmsgHdrLen+len(payload)))
	b = ne.AppendUint16(b, typ)
	b = ne.AppendUint16(b, 0x2) // NLM_F_MULTI
	b = ne.AppendUint32(b, 1)
	b = ne.AppendUint32(b, 7)
	b = append(b, payload...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func errPayload(code int32) []byte {
	return binary.NativeEndian.AppendUint32(nil, uint32(code))
}

func TestDumpIter(t *testing.T) {
	data := nlMessage(sockDiagByFamily, []byte("abc"))
	tests := []struct {
		name     string
		buf      []byte
		seq, pid uint32
		payloads []string
		done     bool
		errno    syscall.Errno // expected kernel error, if any
		inDone   bool
		parse    bool // expect an error wrapping errs.ErrMalformed
	}{
		{name: "empty"},
		{name: "data then done", buf: slices.Concat(data, data, nlMessage(nlmsgDone, errPayload(0))),
			payloads: []string{"abc", "abc"}, done: true},
		{name: "done without payload", buf: nlMessage(nlmsgDone, nil), done: true},
		{name: "no done yet", buf: data, payloads: []string{"abc"}},
		{name: "done carrying ENOENT", buf: slices.Concat(data, nlMessage(nlmsgDone, errPayload(-2))),
			payloads: []string{"abc"}, done: true, errno: syscall.Errno(2), inDone: true},
		{name: "error EPERM", buf: nlMessage(nlmsgError, slices.Concat(errPayload(-1), make([]byte, 16))),
			errno: syscall.Errno(1)},
		{name: "ack ends", buf: slices.Concat(nlMessage(nlmsgError, errPayload(0)), data), done: true},
		{name: "short error", buf: nlMessage(nlmsgError, []byte{1, 2}), parse: true},
		{name: "noop and unknown skipped", buf: slices.Concat(nlMessage(nlmsgNoop, nil), nlMessage(99, []byte("x")), data),
			payloads: []string{"abc"}},
		{name: "overrun", buf: nlMessage(nlmsgOverrun, nil), parse: true},
		{name: "seq checked", buf: data, seq: 2, parse: true},
		{name: "pid checked", buf: data, pid: 8, parse: true},
		{name: "seq and pid match", buf: data, seq: 1, pid: 7, payloads: []string{"abc"}},
		{name: "short header", buf: slices.Concat(data, []byte{1, 2, 3}), payloads: []string{"abc"}, parse: true},
		{name: "length below header", buf: func() []byte {
			b := slices.Clone(data)
			binary.NativeEndian.PutUint32(b, 15)
			return b
		}(), parse: true},
		{name: "length past buffer", buf: func() []byte {
			b := slices.Concat(data, data)
			binary.NativeEndian.PutUint32(b[len(data):], 200)
			return b
		}(), payloads: []string{"abc"}, parse: true},
		{name: "last message unpadded", buf: data[:nlmsgHdrLen+3], payloads: []string{"abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := dumpIter{b: tt.buf, seq: tt.seq, pid: tt.pid}
			var got []string
			for p, ok := it.next(); ok; p, ok = it.next() {
				got = append(got, string(p))
			}
			if !slices.Equal(got, tt.payloads) {
				t.Errorf("payloads %q, want %q", got, tt.payloads)
			}
			if it.done != tt.done {
				t.Errorf("done = %v, want %v", it.done, tt.done)
			}
			var ke *kernelError
			switch {
			case tt.errno != 0:
				if !errors.As(it.err, &ke) || ke.Errno != tt.errno || ke.InDone != tt.inDone || !errors.Is(it.err, tt.errno) {
					t.Errorf("err = %v, want kernel errno %d (in done: %v)", it.err, tt.errno, tt.inDone)
				}
			case tt.parse:
				if !errors.Is(it.err, errs.ErrMalformed) {
					t.Errorf("err = %v, want errs.ErrMalformed", it.err)
				}
			case it.err != nil:
				t.Errorf("err = %v, want nil", it.err)
			}
		})
	}
}

func TestAttrIter(t *testing.T) {
	good := appendAttr(appendAttr(nil, 8, []byte{1}), 0x8000|11, []byte{1, 2, 3, 4, 5})
	type attr struct {
		typ  uint16
		data string
	}
	tests := []struct {
		name string
		b    []byte
		want []attr
		bad  bool
	}{
		{name: "empty"},
		{name: "two, nested flag masked", b: good, want: []attr{{8, "\x01"}, {11, "\x01\x02\x03\x04\x05"}}},
		{name: "unpadded last", b: good[:len(good)-3], want: []attr{{8, "\x01"}, {11, "\x01\x02\x03\x04\x05"}}},
		{name: "length below header", b: []byte{3, 0, 1, 0}, bad: true},
		{name: "overrun", b: slices.Concat(good[:8], []byte{12, 0, 1, 0, 9}), want: []attr{{8, "\x01"}}, bad: true},
		{name: "trailing bytes", b: slices.Concat(good[:8], []byte{0, 0}), want: []attr{{8, "\x01"}}, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []attr
			it := attrIter{b: tt.b}
			for it.next() {
				got = append(got, attr{it.typ, string(it.data)})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("attrs %v, want %v", got, tt.want)
			}
			if bad := errors.Is(it.err, errs.ErrMalformed); bad != tt.bad || (!tt.bad && it.err != nil) {
				t.Errorf("err = %v, want errs.ErrMalformed: %v", it.err, tt.bad)
			}
		})
	}
}

func TestDumpIterFixtures(t *testing.T) {
	// Every fixture is one complete dump: it parses to its end and ends
	// with NLMSG_DONE, without or with an error (raw diag is missing on
	// the kernel that produced them).
	names, _ := filepath.Glob(filepath.Join("testdata", "netlink", "*.bin"))
	if len(names) == 0 {
		t.Fatal("no fixtures")
	}
	for _, name := range names {
		b, _ := os.ReadFile(name)
		it := dumpIter{b: b}
		for _, ok := it.next(); ok; _, ok = it.next() {
		}
		if !it.done || len(it.b) != 0 {
			t.Errorf("%s: done=%v, %d bytes left, err %v", name, it.done, len(it.b), it.err)
		}
		if it.err != nil && !errors.Is(it.err, syscall.Errno(2)) {
			t.Errorf("%s: %v", name, it.err)
		}
	}
}

// FuzzNetlinkMessages feeds arbitrary bytes to the framing code: it must
// never panic, and every payload and attribute it yields must lie inside
// the input.
func FuzzNetlinkMessages(f *testing.F) {
	addFixtureSeeds(f)
	f.Add(nlMessage(nlmsgDone, errPayload(-2)))
	f.Add(nlMessage(nlmsgError, errPayload(-1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		it := dumpIter{b: b}
		n := 0
		for p, ok := it.next(); ok; p, ok = it.next() {
			n += nlmsgHdrLen + len(p)
			if n > len(b) {
				t.Fatalf("payloads total %d bytes of a %d-byte input", n, len(b))
			}
			at := attrIter{b: p}
			for at.next() {
				if len(at.data)+nlattrHdrLen > len(p) {
					t.Fatalf("attribute of %d bytes in a %d-byte payload", len(at.data), len(p))
				}
			}
		}
		if it.err == nil && !it.done && len(it.b) != 0 {
			t.Fatalf("stopped with %d bytes left and no error", len(it.b))
		}
	})
}
