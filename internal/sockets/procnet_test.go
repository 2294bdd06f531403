package sockets

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

// procFixture parses testdata/proc/net/name with f.
func procFixture(t testing.TB, name string, f Filter) ([]Socket, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/proc/net", name))
	if err != nil {
		t.Fatal(err)
	}
	for _, tf := range procNetFiles {
		if tf.name == name && tf.proto == Unix {
			return appendProcNetUnix(nil, data, f)
		} else if tf.name == name {
			return appendProcNet(nil, data, tf.proto, tf.fam, f)
		}
	}
	t.Fatalf("no table %q", name)
	return nil, nil
}

// describe prints the fields a /proc/net table fills, for comparisons.
func describe(s *Socket) string {
	if s.Proto == Unix {
		return fmt.Sprintf("%s %s %s ino=%d path=%q", s.Type, s.StateName(), s.Family, s.Inode, s.Path)
	}
	return fmt.Sprintf("%s %s %s %s -> %s rq=%d sq=%d uid=%d ino=%d",
		s.Proto, s.Family, s.StateName(), s.Local, s.Remote, s.RecvQ, s.SendQ, s.UID, s.Inode)
}

func describeAll(ss []Socket) []string {
	out := make([]string, len(ss))
	for i := range ss {
		out[i] = describe(&ss[i])
	}
	return out
}

func TestParseProcNetFixtures(t *testing.T) {
	for name, want := range procFixtureWant {
		t.Run(name, func(t *testing.T) {
			got, err := procFixture(t, name, All)
			if err != nil {
				t.Fatal(err)
			}
			if g := describeAll(got); !slices.Equal(g, want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(g, "\n\t"), strings.Join(want, "\n\t"))
			}
		})
	}
}

func TestParseProcNetTimers(t *testing.T) {
	// The tr, tm->when (1/100 s), retrnsmt and timeout columns of the
	// recorded tcp table: the SYN_SENT socket retransmits its SYN, the
	// orphaned FIN_WAIT2 and the TIME_WAIT sockets are timewait sockets.
	got, err := procFixture(t, "tcp", All)
	if err != nil {
		t.Fatal(err)
	}
	want := map[State]Timer{
		SynSent:  {Kind: TimerOn, Expires: 790},
		FinWait2: {Kind: TimerTimeWait, Expires: 0x1756 * 10},
		TimeWait: {Kind: TimerTimeWait, Expires: 0x175b * 10},
		Listen:   {Kind: TimerOff},
	}
	for _, s := range got {
		if w, ok := want[s.State]; ok && s.Timer != w {
			t.Errorf("%s: timer %+v, want %+v", describe(&s), s.Timer, w)
		}
	}
	udp, _ := procFixture(t, "udp", All)
	for _, s := range udp {
		if s.Timer != (Timer{Kind: TimerOff}) {
			t.Errorf("%s: timer %+v, want off", describe(&s), s.Timer)
		}
	}

	tests := []struct {
		cols string // tr:tm->when retrnsmt uid timeout
		want Timer
		err  bool
	}{
		{cols: "02:000AF0B0 00000000     0        2", want: Timer{Kind: TimerKeepalive, Probes: 2, Expires: 0xaf0b0 * 10}},
		{cols: "01:00000014 00000001     0        0", want: Timer{Kind: TimerOn, Retrans: 1, Expires: 200}},
		{cols: "04:00000064 00000000     0        1", want: Timer{Kind: TimerProbe, Probes: 1, Expires: 1000}},
		{cols: "01:FFFFFFFFFFFFFFF0 000001FF     0        0", want: Timer{Kind: TimerOn, Retrans: 255}},
		{cols: "00:00000000 00000000     0       -1", err: true},
		{cols: "0G:00000000 00000000     0        0", err: true},
		{cols: "00 00000000     0        0", err: true},
		{cols: "00:00000000 xyz     0        0", err: true},
	}
	for _, tt := range tests {
		line := "   0: 0100007F:1B59 0100007F:D4B0 01 00000000:00000000 " + tt.cols + " 470093 2 0000000098214b50 20 0 0 10 -1"
		var s Socket
		err := parseProcNetLine([]byte(line), TCP, Inet, &s)
		if tt.err {
			if !errors.Is(err, errs.ErrMalformed) {
				t.Errorf("%q: err %v, want errs.ErrMalformed", tt.cols, err)
			}
			continue
		}
		if err != nil || s.Timer != tt.want {
			t.Errorf("%q: timer %+v, %v; want %+v", tt.cols, s.Timer, err, tt.want)
		}
	}
}

func TestAppendProcNetFilter(t *testing.T) {
	listen := Filter{Protos: AllProtos, States: StateSet(0).With(Listen)}
	got, err := procFixture(t, "tcp", listen)
	if err != nil || len(got) != 3 {
		t.Errorf("LISTEN in tcp: got %d sockets, %v; want 3", len(got), err)
	}
	got, _ = procFixture(t, "unix", listen)
	if len(got) != 5 {
		t.Errorf("LISTEN in unix: got %d sockets, want 5", len(got))
	}
	unconn := Filter{Protos: AllProtos, States: StateSet(0).With(Close)}
	if got, _ = procFixture(t, "udp6", unconn); len(got) != 3 {
		t.Errorf("UNCONN in udp6: got %d sockets, want 3", len(got))
	}
	for _, f := range []Filter{
		{Protos: ProtoSet(0).With(UDP)},
		{Protos: AllProtos, Families: FamilySet(0).With(Inet6)},
		{},
	} {
		if got, _ = procFixture(t, "tcp", f); len(got) != 0 {
			t.Errorf("filter %+v: got %d tcp sockets, want none", f, len(got))
		}
	}
	// Families does not apply to unix sockets.
	if got, _ = procFixture(t, "unix", Filter{Protos: AllProtos, Families: FamilySet(0).With(Inet)}); len(got) != 12 {
		t.Errorf("unix with Families=inet: got %d sockets, want 12", len(got))
	}
	// dst is appended to.
	data, _ := os.ReadFile("testdata/proc/net/raw6")
	dst := []Socket{{Proto: TCP}}
	if dst, _ = appendProcNet(dst, data, Raw, Inet6, All); len(dst) != 2 || dst[0].Proto != TCP {
		t.Errorf("append: got %v", describeAll(dst))
	}
}

const (
	line4   = "   3: 0100007F:1B59 0100007F:D496 01 0000000A:00000005 00:00000000 00000000  1000        0 470088 1 0000000046eca402 20 4 30 10 -1"
	line6   = "   7: 0000000000000000FFFF00000100007F:1B5C 000080FE000000000000000001000000:A6A8 0A 00000000:00000000 00:00000000 00000000     0        0 468575 1 000000005a668aa1 20 0 0 10 -1"
	lineRaw = " 233: 00000000:0001 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 468590 2 0000000056ec0b7f 0"
)

func TestParseProcNetLine(t *testing.T) {
	tests := []struct {
		name  string
		line  string
		proto Proto
		fam   Family
		want  string // describe(), or "" for an error
	}{
		{"v4", line4, TCP, Inet, "tcp inet ESTABLISHED 127.0.0.1:7001 -> 127.0.0.1:54422 rq=5 sq=10 uid=1000 ino=470088"},
		{"v4 family from width", line4, TCP, 0, "tcp inet ESTABLISHED 127.0.0.1:7001 -> 127.0.0.1:54422 rq=5 sq=10 uid=1000 ino=470088"},
		{"v6 mapped and link-local", line6, TCP, Inet6, "tcp inet6 LISTEN [::ffff:127.0.0.1]:7004 -> [fe80::1]:42664 rq=0 sq=0 uid=0 ino=468575"},
		{"raw port is protocol", lineRaw, Raw, Inet, "raw inet UNCONN 0.0.0.0:1 -> 0.0.0.0:0 rq=0 sq=0 uid=0 ino=468590"},
		{"ends at inode", line4[:strings.Index(line4, "470088")+6], TCP, Inet, "tcp inet ESTABLISHED 127.0.0.1:7001 -> 127.0.0.1:54422 rq=5 sq=10 uid=1000 ino=470088"},
		{"padding", line4 + strings.Repeat(" ", 40), TCP, Inet, "tcp inet ESTABLISHED 127.0.0.1:7001 -> 127.0.0.1:54422 rq=5 sq=10 uid=1000 ino=470088"},
		{"wide slot, big numbers", "123456: FFFFFFFF:FFFF 00000000:0000 0B FFFFFFFF:FFFFFFFF 03:0000175B 00000000 4294967295 0 18446744073709551615", UDP, Inet,
			"udp inet CLOSING 255.255.255.255:65535 -> 0.0.0.0:0 rq=4294967295 sq=4294967295 uid=4294967295 ino=18446744073709551615"},
		{"unknown state kept", strings.Replace(line4, " 01 ", " 0E ", 1), TCP, Inet, "tcp inet STATE(14) 127.0.0.1:7001 -> 127.0.0.1:54422 rq=5 sq=10 uid=1000 ino=470088"},
		{"lower-case hex", strings.Replace(line4, "0100007F:1B59", "0100007f:1b59", 1), TCP, Inet, "tcp inet ESTABLISHED 127.0.0.1:7001 -> 127.0.0.1:54422 rq=5 sq=10 uid=1000 ino=470088"},

		{"empty", "", TCP, Inet, ""},
		{"spaces", "      ", TCP, Inet, ""},
		{"header", "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode", TCP, Inet, ""},
		{"v6 in a v4 table", line6, TCP, Inet, ""},
		{"v4 in a v6 table", line4, TCP, Inet6, ""},
		{"families differ", strings.Replace(line6, "000080FE000000000000000001000000:A6A8", "0100007F:A6A8", 1), TCP, 0, ""},
		{"address width 12", strings.Replace(line4, "0100007F:1B59", "00000100007F:1B59", 1), TCP, 0, ""},
		{"bad hex", strings.Replace(line4, "0100007F:1B59", "0100007G:1B59", 1), TCP, Inet, ""},
		{"port too wide", strings.Replace(line4, "0100007F:1B59", "0100007F:11B59", 1), TCP, Inet, ""},
		{"no port", strings.Replace(line4, "0100007F:1B59", "0100007F", 1), TCP, Inet, ""},
		{"empty port", strings.Replace(line4, "0100007F:1B59", "0100007F:", 1), TCP, Inet, ""},
		{"state 0", strings.Replace(line4, " 01 ", " 00 ", 1), TCP, Inet, ""},
		{"state too wide", strings.Replace(line4, " 01 ", " 001 ", 1), TCP, Inet, ""},
		{"no rx queue", strings.Replace(line4, "0000000A:00000005", "0000000A", 1), TCP, Inet, ""},
		{"negative uid", strings.Replace(line4, " 1000 ", " -1 ", 1), TCP, Inet, ""},
		{"uid overflow", strings.Replace(line4, " 1000 ", " 4294967296 ", 1), TCP, Inet, ""},
		{"inode overflow", strings.Replace(line4, "470088", "18446744073709551616", 1), TCP, Inet, ""},
		{"slot not a number", strings.Replace(line4, "3:", "x:", 1), TCP, Inet, ""},
		{"slot without colon", strings.Replace(line4, "3:", "3", 1), TCP, Inet, ""},
		{"tabs", strings.ReplaceAll(line4, " ", "\t"), TCP, Inet, ""},
		{"NUL in a field", strings.Replace(line4, "470088", "4700\x0088", 1), TCP, Inet, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Socket
			err := parseProcNetLine([]byte(tt.line), tt.proto, tt.fam, &s)
			switch {
			case tt.want == "" && err == nil:
				t.Fatalf("no error; parsed %s", describe(&s))
			case tt.want == "" && !errors.Is(err, errs.ErrMalformed):
				t.Fatalf("error %v does not wrap errs.ErrMalformed", err)
			case tt.want != "" && err != nil:
				t.Fatal(err)
			case tt.want != "" && describe(&s) != tt.want:
				t.Fatalf("got  %s\nwant %s", describe(&s), tt.want)
			}
		})
	}
}

// Every prefix of a line that stops before the inode is an error.
func TestParseProcNetLineTruncated(t *testing.T) {
	end := strings.Index(line4, "470088")
	for n := range end {
		var s Socket
		if err := parseProcNetLine([]byte(line4[:n]), TCP, Inet, &s); err == nil {
			t.Errorf("%q: no error", line4[:n])
		}
	}
}

func TestParseProcNetUnixLine(t *testing.T) {
	const ptr = "00000000ab2ae798: 00000002 00000000 "
	tests := []struct {
		name, line string
		want       string // describe(), or "" for an error
	}{
		{"listening", ptr + "00010000 0001 01 468593 /run/a b.sock", `stream LISTEN unix ino=468593 path="/run/a b.sock"`},
		{"connected", ptr + "00000000 0001 03 468594", `stream ESTABLISHED unix ino=468594 path=""`},
		{"connecting", ptr + "00000000 0001 02     0 /run/a", `stream ESTABLISHED unix ino=0 path="/run/a"`},
		{"unconnected", ptr + "00000000 0002 01 7", `dgram UNCONN unix ino=7 path=""`},
		{"disconnecting", ptr + "00000000 0005 04 7", `seqpacket UNCONN unix ino=7 path=""`},
		{"abstract", ptr + "00010000 0001 01 9 @foo@bar", `stream LISTEN unix ino=9 path="@foo@bar"`},
		{"leading and trailing spaces kept", ptr + "00000000 0002 01 9  x ", `dgram UNCONN unix ino=9 path=" x "`},
		{"trailing space, empty name", ptr + "00000000 0002 01 9 ", `dgram UNCONN unix ino=9 path=""`},
		{"hidden pointer", "0000000000000000: 00000002 00000000 00000000 0001 01 5", `stream UNCONN unix ino=5 path=""`},
		{"32-bit pointer", "c1a2b3c4: 00000002 00000000 00000000 0001 01 5", `stream UNCONN unix ino=5 path=""`},
		{"rdm type", ptr + "00000000 0004 01 5", `type(4) UNCONN unix ino=5 path=""`},
		{"non-UTF-8 name", ptr + "00000000 0002 01 9 /tmp/\xff", `dgram UNCONN unix ino=9 path="/tmp/\xff"`},

		{"empty", "", ""},
		{"header", "Num       RefCount Protocol Flags    Type St Inode Path", ""},
		{"pointer without colon", "00000000ab2ae798 00000002 00000000 00000000 0001 01 5", ""},
		{"pointer too wide", "00000000ab2ae7980: 00000002 00000000 00000000 0001 01 5", ""},
		{"type too big", ptr + "00000000 0100 01 5", ""},
		{"no inode", ptr + "00000000 0001 01", ""},
		{"bad inode", ptr + "00000000 0001 01 -5", ""},
		{"bad flags", ptr + "0001000G 0001 01 5", ""},
		{"path only", "/tmp/x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Socket
			err := parseProcNetUnixLine([]byte(tt.line), &s)
			switch {
			case tt.want == "" && err == nil:
				t.Fatalf("no error; parsed %s", describe(&s))
			case tt.want == "" && !errors.Is(err, errs.ErrMalformed):
				t.Fatalf("error %v does not wrap errs.ErrMalformed", err)
			case tt.want != "" && err != nil:
				t.Fatal(err)
			case tt.want != "" && describe(&s) != tt.want:
				t.Fatalf("got  %s\nwant %s", describe(&s), tt.want)
			}
		})
	}
}

func TestAppendProcNetUnixNewlines(t *testing.T) {
	const ptr = "00000000ab2ae798: 00000002 00000000 00000000 0002 01 "
	data := "Num       RefCount Protocol Flags    Type St Inode Path\n" +
		ptr + "1 /tmp/a\nb\n\nc\n" + // "/tmp/a\nb\n\nc"
		ptr + "2 @x\n\n" + // "@x\n": the name ends with a newline
		ptr + "0 /tmp/inode\nzero\n" + // skipped with its continuation
		ptr + "3\n" +
		"garbage after a socket without a name\n" +
		ptr + "4 /tmp/filtered\nout\n"
	f := Filter{Protos: AllProtos, States: StateSet(0).With(Close)}
	got, err := appendProcNetUnix(nil, []byte(data), f)
	want := []string{
		`dgram UNCONN unix ino=1 path="/tmp/a\nb\n\nc"`,
		`dgram UNCONN unix ino=2 path="@x\n"`,
		`dgram UNCONN unix ino=3 path=""`,
		`dgram UNCONN unix ino=4 path="/tmp/filtered\nout"`,
	}
	if g := describeAll(got); !slices.Equal(g, want) {
		t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(g, "\n\t"), strings.Join(want, "\n\t"))
	}
	if !errors.Is(err, errs.ErrMalformed) || !strings.Contains(err.Error(), "line 11:") {
		t.Errorf("got error %v, want a parse error about line 11", err)
	}
	// A continuation of a socket the filter dropped is dropped with it.
	got, _ = appendProcNetUnix(nil, []byte(data), Filter{Protos: AllProtos, States: StateSet(0).With(Listen)})
	if len(got) != 0 {
		t.Errorf("LISTEN: got %v", describeAll(got))
	}
}

func TestAppendProcNetBadLines(t *testing.T) {
	long := "   9: " + strings.Repeat("Z", 200)
	data := strings.Join([]string{
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
		line4,
		long,
		"garbage",
		"",
		lineRaw,
		"  sl  local_address", // a header anywhere but first is bad
	}, "\n")
	got, err := appendProcNet(nil, []byte(data), TCP, Inet, All)
	if len(got) != 2 {
		t.Errorf("got %d sockets, want the 2 good ones", len(got))
	}
	if !errors.Is(err, errs.ErrMalformed) {
		t.Fatalf("got %v, want errs.ErrMalformed", err)
	}
	msg := err.Error()
	for _, want := range []string{"line 3:", `"   9: ZZZZ`, `ZZ"...`, "(and 2 more bad lines)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, strings.Repeat("Z", 80)) {
		t.Errorf("error %q quotes more than %d bytes", msg, maxQuotedLine)
	}
	// A table without its header or its last newline.
	if got, err = appendProcNet(nil, []byte(line4), TCP, Inet, All); len(got) != 1 || err != nil {
		t.Errorf("headerless line: got %d, %v", len(got), err)
	}
}

// formatProcNetLine prints s as the kernel would, for round trips.
func formatProcNetLine(s *Socket) string {
	addr := func(b []byte) string {
		var sb strings.Builder
		for i := 0; i < len(b); i += 4 {
			fmt.Fprintf(&sb, "%08X", binary.NativeEndian.Uint32(b[i:]))
		}
		return sb.String()
	}
	l, r := s.Local.Addr().AsSlice(), s.Remote.Addr().AsSlice()
	return fmt.Sprintf("%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08X %08X %5d %8d %d 1 0000000000000000",
		0, addr(l), s.Local.Port(), addr(r), s.Remote.Port(), uint8(s.State), s.SendQ, s.RecvQ,
		s.Timer.Kind.Code(), s.Timer.Expires/10, s.Timer.Retrans, s.UID, s.Timer.Probes, s.Inode)
}

// formatProcNetUnixLine prints s as the kernel would, for round trips.
func formatProcNetUnixLine(s *Socket) string {
	var flags, st uint32 = 0, 1
	switch s.State {
	case Listen:
		flags = soAcceptCon
	case Established:
		st = ssConnected
	}
	line := fmt.Sprintf("%016X: %08X %08X %08X %04X %02X %5d", 0, 2, 0, flags, uint8(s.Type), st, s.Inode)
	if s.Path != "" {
		line += " " + s.Path
	}
	return line
}

func fixtureLines(f *testing.F, names ...string) {
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join("testdata/proc/net", name))
		if err != nil {
			f.Fatal(err)
		}
		for line := range bytes.Lines(data) {
			f.Add(bytes.TrimSuffix(line, []byte("\n")))
		}
	}
}

func FuzzParseProcNetLine(f *testing.F) {
	fixtureLines(f, "tcp", "tcp6", "udp", "udp6", "raw", "raw6")
	f.Add([]byte(line6))
	f.Add([]byte("0: 0:0 0:0 1 0:0 0:0 0 0 0 0"))                                   // addresses too short
	f.Add([]byte("0: 00000000:0 00000000:0 1 0:0 0:0 0 0 0 0"))                     // the shortest valid line
	f.Add([]byte("1: 00000000:0000 00000000:0000 07 0:0 3:FFFFFFFFFF 1FF 1 300 1")) // timer fields out of range
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, fam := range []Family{0, Inet, Inet6} {
			var s Socket
			if parseProcNetLine(line, TCP, fam, &s) != nil {
				continue
			}
			if s.State == 0 || fam != 0 && s.Family != fam || s.Local.Addr().BitLen() != s.Remote.Addr().BitLen() {
				t.Fatalf("%q: parsed %s", line, describe(&s))
			}
			var again Socket
			out := formatProcNetLine(&s)
			if err := parseProcNetLine([]byte(out), TCP, fam, &again); err != nil || describe(&again) != describe(&s) || again.Timer != s.Timer {
				t.Fatalf("%q: round trip via %q: %v\n got %s\nwant %s", line, out, err, describe(&again), describe(&s))
			}
		}
		got, _ := appendProcNet(nil, line, UDP, Inet6, All)
		if len(got) > bytes.Count(line, []byte("\n"))+1 {
			t.Fatalf("%q: %d sockets", line, len(got))
		}
	})
}

func FuzzParseProcNetUnix(f *testing.F) {
	fixtureLines(f, "unix")
	f.Add([]byte("0: 0 0 10000 1 1 0 @"))                           // the shortest listener with a name
	f.Add([]byte("00000000ab2ae798: 00000002 00000000 0 1 2 0 \n")) // a name that ends in a newline
	f.Fuzz(func(t *testing.T, line []byte) {
		var s Socket
		if parseProcNetUnixLine(line, &s) == nil {
			if s.Proto != Unix || s.Family != Local || strings.HasPrefix(s.Path, " ") && !bytes.Contains(line, []byte("  ")) {
				t.Fatalf("%q: parsed %s", line, describe(&s))
			}
			var again Socket
			out := formatProcNetUnixLine(&s)
			if err := parseProcNetUnixLine([]byte(out), &again); err != nil || describe(&again) != describe(&s) {
				t.Fatalf("%q: round trip via %q: %v\n got %s\nwant %s", line, out, err, describe(&again), describe(&s))
			}
		}
		got, _ := appendProcNetUnix(nil, line, All)
		if len(got) > bytes.Count(line, []byte("\n"))+1 {
			t.Fatalf("%q: %d sockets", line, len(got))
		}
	})
}

// BenchmarkParseProcNetTCP parses a 100,000-line tcp table.
func BenchmarkParseProcNetTCP(b *testing.B) {
	const lines = 100_000
	var buf bytes.Buffer
	buf.WriteString("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n")
	for i := range lines {
		line := fmt.Sprintf("%4d: %08X:%04X %08X:%04X %02X %08X:%08X 00:00000000 00000000 %5d        0 %d 1 00000000ab2ae798 20 4 30 10 -1",
			i, 0x0100007F+i<<8, 1024+i%60000, 0x0200000A+i, 443, 1+i%11, i%7, i%13, 1000+i%3, 400000+i)
		fmt.Fprintf(&buf, "%-149s\n", line)
	}
	data := buf.Bytes()
	dst, err := appendProcNet(nil, data, TCP, Inet, All)
	if err != nil || len(dst) != lines {
		b.Fatalf("got %d sockets, %v", len(dst), err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		dst, _ = appendProcNet(dst[:0], data, TCP, Inet, All)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/lines, "ns/line")
}

// /proc/net/unix has no uid column: the uid must read as unknown, never
// as root.
func TestProcNetUnixUIDUnknown(t *testing.T) {
	var s Socket
	line := []byte("0000000000000000: 00000002 00000000 00010000 0001 01 12345 /run/x.sock")
	if err := parseProcNetUnixLine(line, &s); err != nil {
		t.Fatal(err)
	}
	if s.UID != NoUID {
		t.Errorf("uid = %d, want NoUID", s.UID)
	}
}
