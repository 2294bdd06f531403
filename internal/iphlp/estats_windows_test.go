package iphlp

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"

	"golang.org/x/sys/windows"
)

// underWine reports whether this process runs under Wine, whose ntdll
// exports wine_get_version.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// tcpRow is the MIB_TCPROW of an established IPv4 connection from local
// to remote: ports in network byte order in the low 16 bits.
func tcpRow(local, remote *net.TCPAddr) []byte {
	row := make([]byte, TCPRowLen)
	binary.LittleEndian.PutUint32(row, 5) // MIB_TCP_STATE_ESTAB
	copy(row[4:], local.IP.To4())
	binary.BigEndian.PutUint16(row[8:], uint16(local.Port))
	copy(row[12:], remote.IP.To4())
	binary.BigEndian.PutUint16(row[16:], uint16(remote.Port))
	return row
}

// TestWindowsEStatsOwnConnection reads every block of a loopback
// connection of this process, turning collection on where allowed.
// Under Wine, which has no GetPerTcpConnectionEStats, the reader must
// say so with errors.ErrUnsupported, on every call, and never make the
// call. On Windows, the SYN options are always there; the other blocks
// are there when elevated and in the off set otherwise; then bytes sent
// after collection was turned on are counted.
func TestWindowsEStatsOwnConnection(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	row := tcpRow(c.LocalAddr().(*net.TCPAddr), c.RemoteAddr().(*net.TCPAddr))

	var all EStatsSet
	for typ := range estatsTypes {
		all = all.With(typ)
	}
	r := &EStatsReader{Enable: true}
	var st TCPEStats
	off, err := r.Read(row, false, all, &st)
	if errors.Is(err, errors.ErrUnsupported) {
		if !underWine() {
			t.Fatalf("extended statistics unsupported on Windows: %v", err)
		}
		t.Logf("Wine: %v", err)
		if _, err2 := r.Read(row, false, all, &st); !errors.Is(err2, errors.ErrUnsupported) || st.Has != 0 {
			t.Errorf("second read under Wine: %v, blocks %b", err2, st.Has)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if !st.Has.Has(EStatsSynOpts) || st.SynOpts.MSSSent == 0 || !st.SynOpts.ActiveOpen {
		t.Errorf("SYN options of the client end: %+v (blocks %b)", st.SynOpts, st.Has)
	}
	if st.Has|off != all || st.Has&off != 0 {
		t.Errorf("blocks read %b and off %b do not split %b", st.Has, off, all)
	}
	if r.Denied() {
		t.Logf("not elevated: collection off for blocks %b", off)
		if off == 0 {
			t.Error("turning collection on was refused, yet every block was read")
		}
		return
	}
	if off != 0 {
		t.Fatalf("elevated, yet collection is off for blocks %b", off)
	}
	const n = 100000
	go func() { _, _ = io.Copy(io.Discard, s) }()
	if _, err := c.Write(make([]byte, n)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(row, false, all, &st); err != nil {
		t.Fatal(err)
	}
	if st.Data.DataBytesOut < n || st.Path.CurMss == 0 || st.SndCong.CurCwnd == 0 {
		t.Errorf("after %d bytes: data %+v, path MSS %d, cwnd %d", n, st.Data, st.Path.CurMss, st.SndCong.CurCwnd)
	}
}

// TestWindowsEStatsBadRow: a row of the wrong size is refused before any
// call; a row of no connection is ErrConnGone where the calls exist.
func TestWindowsEStatsBadRow(t *testing.T) {
	r := &EStatsReader{}
	var st TCPEStats
	_, err := r.Read(make([]byte, TCPRowLen), true, EStatsSet(0).With(EStatsSynOpts), &st)
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		t.Logf("Wine: %v", err)
		return
	case err == nil:
		t.Error("a MIB_TCPROW taken for a MIB_TCP6ROW")
	}
	row := tcpRow(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2})
	if _, err := r.Read(row, false, EStatsSet(0).With(EStatsSynOpts), &st); !errors.Is(err, ErrConnGone) {
		t.Errorf("no such connection: %v", err)
	}
}
