package sockets

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/netlink"
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
	b := ne.AppendUint32(nil, uint32(netlink.HeaderLen+len(payload)))
	b = ne.AppendUint16(b, typ)
	b = ne.AppendUint16(b, netlink.FlagMulti)
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

// TestDiagSkipsOtherTypes checks that the sock_diag decoders take only
// SOCK_DIAG_BY_FAMILY messages from a dump and step over the others, as
// they did before the framing moved to internal/netlink (which yields every
// message that is not a control message).
func TestDiagSkipsOtherTypes(t *testing.T) {
	inet := nlMessage(sockDiagByFamily, inetMsg{state: Listen, local: ap4(80), remote: any4}.payload())
	unix := nlMessage(sockDiagByFamily, unixMsg(Stream, Listen, 5, nameAttr("/run/x")))
	other := slices.Concat(nlMessage(netlink.MsgNoop, nil), nlMessage(99, []byte("not a socket")))
	done := nlMessage(netlink.MsgDone, errPayload(0))

	it := netlink.NewDump(slices.Concat(other, inet, other, done), 0, 0)
	socks, err := appendInetDiag(nil, &it, TCP, 0)
	if err != nil || !it.Done() || len(socks) != 1 || socks[0].Local != ap4(80) {
		t.Errorf("inet: %d sockets, done %v, err %v; want the listener", len(socks), it.Done(), err)
	}
	it = netlink.NewDump(slices.Concat(other, unix, done), 0, 0)
	socks, err = appendUnixDiag(nil, &it)
	if err != nil || !it.Done() || len(socks) != 1 || socks[0].Path != "/run/x" {
		t.Errorf("unix: %d sockets, done %v, err %v; want /run/x", len(socks), it.Done(), err)
	}
}
