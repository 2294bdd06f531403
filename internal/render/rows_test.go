package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// TestWriteRows checks that WriteRows, fed from a Packed store as a
// streamed listing is, writes what Write writes from the slice, in every
// layout and format, for sockets without owners (what Packed keeps).
func TestWriteRows(t *testing.T) {
	socks := fixture()
	for i := range socks {
		socks[i].Processes = nil
	}
	var packed sockets.Packed
	packed.Add(0, socks)
	for _, o := range []Options{
		{Style: Modern}, {Style: Modern, Extended: true, Timers: true, Color: true},
		{Style: Linux, All: true}, {Style: Linux, Protos: sockets.ProtoSet(0).With(sockets.TCP)},
		{Style: Windows}, {Style: Windows, Lang: "zh-CN"},
		{Format: CSV}, {Format: JSON}, {Format: NDJSON},
	} {
		var want, got bytes.Buffer
		if err := Write(&want, socks, Meta{Host: "h"}, o); err != nil {
			t.Fatal(err)
		}
		if err := WriteRows(&got, packed.All(), Meta{Host: "h"}, o); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%+v: WriteRows wrote\n%s\nWrite wrote\n%s", o, got.String(), want.String())
		}
	}
}

// TestModernInfoLine: --info and --memory put ss's text on an indented
// line under the row of a socket that has it, and nothing under one that
// has not (a UDP socket under --info alone, a TIME_WAIT socket).
func TestModernInfoLine(t *testing.T) {
	tcp := ssBBRSocket()
	tw := sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.TimeWait,
		Local: tcp.Local, Remote: tcp.Remote}
	udp := sockets.Socket{Proto: sockets.UDP, Family: sockets.Inet, State: sockets.Close, Local: tcp.Local,
		Internals: &sockets.Internals{Has: sockets.HasSkMem, SkMem: sockets.SkMemInfo{N: 9, RmemAlloc: 832}}}
	var out bytes.Buffer
	if err := Write(&out, []sockets.Socket{tcp, tw, udp}, Meta{}, Options{Info: true}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[2], "  ts sack bbr wscale:10,10 rto:204 ") || strings.Contains(lines[2], "skmem") {
		t.Errorf("--info: want heading, tcp row, its info line, two rows; got\n%s", out.String())
	}
	out.Reset()
	if err := Write(&out, []sockets.Socket{udp}, Meta{}, Options{Memory: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), "\n  skmem:(r832,rb0,t0,tb0,f0,w0,o0,bl0,d0)\n") {
		t.Errorf("--memory on UDP:\n%s", out.String())
	}
}
