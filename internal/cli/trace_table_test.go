package cli

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/history"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/textwidth"
	"github.com/sockscope/sockscope/internal/trace"
)

// traceTableFormat is the table's line as fmt writes it, which
// appendRow and the heading must write byte for byte.
const traceTableFormat = "%-12s %-7s %-5s %7s %-15s %-22s %-22s %-24s %10s %10s %-12s %s\n"

// tableRowFmt is the table's line as fmt writes it, from the event's
// fields as strings: what appendRow must write byte for byte.
func tableRowFmt(ev *trace.Event) string {
	pid, prog := "-", "-"
	if ev.Owner.PID != 0 {
		pid, prog = strconv.Itoa(int(ev.Owner.PID)), ev.Owner.Comm
	}
	states := ev.To.String()
	if ev.From != 0 && (ev.Kind == trace.State || ev.Kind == trace.Close || ev.Kind == trace.Fail) {
		states = sockets.StateNameOf(ev.Proto, ev.From) + ">" + ev.To.String()
	}
	dur, sent, recv := "", "", ""
	if ev.Duration > 0 {
		dur = ev.Duration.Round(time.Microsecond).String()
	}
	if (ev.Kind == trace.Close || ev.Kind == trace.Fail) && !ev.NoBytes {
		sent, recv = strconv.FormatUint(ev.Sent, 10), strconv.FormatUint(ev.Received, 10)
	}
	remote := unmap(ev.Remote).String()
	if ap := ev.Remote; ap.Port() == 0 && (!ap.Addr().IsValid() || ap.Addr().IsUnspecified()) {
		remote = "*:*"
	}
	return fmt.Sprintf(traceTableFormat, ev.Time.Format("15:04:05.000"), ev.Kind, protoName(ev.Proto), pid, prog,
		unmap(ev.Local).String(), remote, states, sent, recv, dur, ev.Reason())
}

// randomEvent is an event with each field drawn from what trace and
// history can hand the writer, and some it should never see.
func randomEvent(r *rand.Rand) trace.Event {
	pick := func(n int) int { return r.IntN(n) }
	addrs := []string{"127.0.0.1", "10.1.2.3", "::1", "::ffff:192.0.2.7", "fe80::1%eth0", "fe80::1%é", "2001:db8::dead:beef", "0.0.0.0", "::"}
	addr := func() netip.AddrPort {
		if pick(10) == 0 {
			return netip.AddrPort{}
		}
		ports := []uint16{0, 53, 443, 8080, 65535, uint16(r.IntN(65536))}
		return netip.AddrPortFrom(netip.MustParseAddr(addrs[pick(len(addrs))]), ports[pick(len(ports))])
	}
	comms := []string{"curl", "connload", "a-very-long-task-name", "kworker/u8:3", "héllo", "\xff\xfebad", "进程名字", ""}
	durs := []time.Duration{0, 1, 499, 500, 999, time.Microsecond, 1500, 999_999, time.Millisecond, 1_234_567, 999_999_499,
		999_999_500, time.Second, 61 * time.Second, time.Hour, 3*time.Hour + 5*time.Second + 7, time.Duration(r.Int64N(int64(48 * time.Hour))),
		time.Duration(r.Int64N(int64(time.Second)))}
	ev := trace.Event{
		Kind:     trace.Kind(1 + pick(5)),
		Time:     time.Unix(1_800_000_000+int64(pick(100_000)), r.Int64N(1e9)),
		Proto:    []sockets.Proto{sockets.TCP, sockets.UDP, 0}[pick(3)],
		Family:   []sockets.Family{sockets.Inet, sockets.Inet6}[pick(2)],
		Local:    addr(),
		Remote:   addr(),
		From:     sockets.State(pick(13)),
		To:       sockets.State(pick(13)),
		Duration: durs[pick(len(durs))],
		Passive:  pick(2) == 0,
		Sent:     []uint64{0, 1, 1 << 40, ^uint64(0), uint64(r.IntN(1 << 20))}[pick(5)],
		Received: []uint64{uint64(r.Int64()), uint64(r.IntN(1 << 20))}[pick(2)],
		NoBytes:  pick(3) == 0,
		Errno:    []uint32{0, 0, 104, 111, 110, 99999}[pick(6)],
	}
	ev.ErrnoKnown = ev.Errno != 0 || pick(2) == 0
	if pick(4) != 0 {
		ev.Owner = trace.Owner{PID: int32(1 + r.IntN(4_000_000)), Comm: comms[pick(len(comms))]}
	}
	return ev
}

// TestTraceTableRow: the table's lines, written without fmt, are fmt's,
// byte for byte, for events of every kind, protocol, owner, address,
// state, duration and error; written one by one and in batches alike;
// and both ways of writing a line, in place and padded, are taken.
func TestTraceTableRow(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var got, all, want bytes.Buffer
	w := traceWriter{w: &got, format: render.Table}
	wb := traceWriter{w: &all, format: render.Table, flushAt: 4096}
	const n = 20000
	fixed := 0
	for i := range n {
		ev := randomEvent(r)
		if _, ok := w.appendRowFixed(nil, &ev); ok {
			fixed++
		}
		got.Reset()
		w.event(&ev)
		wb.event(&ev)
		line := tableRowFmt(&ev)
		if got.String() != line {
			t.Fatalf("event %d %+v:\n got %q\nwant %q", i, ev, got.String(), line)
		}
		want.WriteString(line)
	}
	wb.flush()
	if all.String() != want.String() {
		t.Errorf("in batches: %d bytes, not fmt's %d", all.Len(), want.Len())
	}
	if fixed < n/5 || fixed > n*4/5 {
		t.Errorf("%d of %d lines written in place: want both ways taken, each a fifth at least", fixed, n)
	}
}

// TestEndsCache: a line whose ends an earlier line had takes their
// columns from the cache, and a line whose ports choose the same slot
// but whose addresses differ does not: each is fmt's.
func TestEndsCache(t *testing.T) {
	connect := trace.Event{Kind: trace.Connect, Time: time.Unix(1_800_000_000, 0), Proto: sockets.TCP, Family: sockets.Inet,
		Local: netip.MustParseAddrPort("127.0.0.1:40000"), Remote: netip.MustParseAddrPort("127.0.0.1:443"),
		To: sockets.Established, Owner: trace.Owner{PID: 7, Comm: "curl"}}
	closed := connect
	closed.Kind, closed.From, closed.To, closed.Sent, closed.Received, closed.Duration = trace.Close, sockets.Established, sockets.Close, 10, 20, time.Millisecond
	other := closed
	other.Local, other.Remote = netip.MustParseAddrPort("10.1.2.3:40000"), netip.MustParseAddrPort("[::1]:443")
	zoned := other
	zoned.Remote = netip.MustParseAddrPort("[fe80::1%eth0]:443")
	var w traceWriter
	for i, ev := range []trace.Event{connect, closed, other, closed, zoned, other, connect} {
		if got, want := string(w.appendRow(nil, &ev)), tableRowFmt(&ev); got != want {
			t.Errorf("line %d:\n got %q\nwant %q", i, got, want)
		}
	}
	full := 0
	for i := range w.ends.full {
		if w.ends.full[i] {
			full++
		}
	}
	if full != 1 {
		t.Errorf("%d slots hold ends, want 1 (the ports are the same)", full)
	}
}

// FuzzTraceTableRow: a line of the table is fmt's for any owner,
// address, port, bytes and duration.
func FuzzTraceTableRow(f *testing.F) {
	f.Add(int32(4242), "curl", []byte{127, 0, 0, 1}, uint16(40000), []byte{127, 0, 0, 1}, uint16(443), uint64(100), uint64(3), int64(1500), uint8(3))
	f.Add(int32(0), "", []byte{}, uint16(0), make([]byte, 16), uint16(0), uint64(0), uint64(0), int64(0), uint8(0))
	f.Add(int32(1), "进程", append(make([]byte, 15), 1), uint16(1), []byte{10, 1, 2, 3}, uint16(65535), ^uint64(0), uint64(1)<<40, int64(1)<<62, uint8(255))
	f.Fuzz(func(t *testing.T, pid int32, comm string, local []byte, lport uint16, remote []byte, rport uint16, sent, recv uint64, dur int64, k uint8) {
		addr := func(b []byte, port uint16) netip.AddrPort {
			a, _ := netip.AddrFromSlice(b) // the zero Addr for a length of neither 4 nor 16
			if a.Is6() && k%3 == 0 {
				a = a.WithZone(comm) // a zone of any name
			}
			return netip.AddrPortFrom(a, port)
		}
		ev := trace.Event{Kind: trace.Kind(1 + k%5), Time: time.Unix(1_800_000_000, int64(k)*7_777_777), Proto: sockets.Proto(k % 3),
			Local: addr(local, lport), Remote: addr(remote, rport), From: sockets.State(k % 13), To: sockets.State(k / 13 % 13),
			Duration: time.Duration(max(dur, -dur-1)), Sent: sent, Received: recv, NoBytes: k%7 == 0,
			Errno: uint32(k % 4 * 37), ErrnoKnown: k%2 == 0, Owner: trace.Owner{PID: pid, Comm: comm}}
		var w traceWriter
		if got, want := string(w.appendRow(nil, &ev)), tableRowFmt(&ev); got != want {
			t.Errorf("event %+v:\n got %q\nwant %q", ev, got, want)
		}
	})
}

// TestAppendDuration: appendDuration writes what Duration.String does.
func TestAppendDuration(t *testing.T) {
	ds := []time.Duration{0, 1, 999, 1000, 1001, 999_999, 1_000_000, 1_000_001, 999_999_999, time.Second, time.Second + 1,
		59*time.Second + 999_999_999, time.Minute, time.Hour, time.Hour + time.Second, 1<<63 - 1}
	r := rand.New(rand.NewPCG(1, 1))
	for range 20000 {
		ds = append(ds, time.Duration(r.Int64N(1<<uint(1+r.IntN(62)))))
	}
	for _, d := range ds {
		if got, want := string(appendDuration(nil, d)), d.String(); got != want {
			t.Errorf("appendDuration(%d) = %q, want %q", int64(d), got, want)
		}
	}
}

// FuzzAppendDuration: appendDuration writes what Duration.String does
// for any duration not negative.
func FuzzAppendDuration(f *testing.F) {
	for _, d := range []int64{0, 1, 1500, 2_500_000, 61e9, 3600e9 + 1} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, d int64) {
		if d < 0 {
			d = -(d + 1)
		}
		if got, want := string(appendDuration(nil, time.Duration(d))), time.Duration(d).String(); got != want {
			t.Errorf("appendDuration(%d) = %q, want %q", d, got, want)
		}
	})
}

// BenchmarkTraceTableRow is a typical line of the table (a close, its
// bytes and duration), written in place and padded field by field.
func BenchmarkTraceTableRow(b *testing.B) {
	ev := trace.Event{Kind: trace.Close, Time: time.Unix(1_800_000_000, 123_456_789), Proto: sockets.TCP,
		Local: netip.MustParseAddrPort("127.0.0.1:40000"), Remote: netip.MustParseAddrPort("127.0.0.1:8080"),
		From: sockets.FinWait2, To: sockets.Close, Duration: 1_234_567, Sent: 4096, Received: 3, Owner: trace.Owner{PID: 4242, Comm: "connload"}}
	var w traceWriter
	buf := make([]byte, 0, 256)
	for _, c := range []struct {
		name string
		row  func([]byte, *trace.Event) []byte
	}{{"fixed", w.appendRow}, {"padded", w.appendRowPadded}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				buf = c.row(buf[:0], &ev)
			}
		})
	}
}

// TestTraceHeading: trace's heading in English is what fmt wrote with
// traceTableFormat, and in Chinese each label begins at the column its
// English one does, on the screen (a Chinese character two columns),
// so that it stands over its column; history's added columns and its
// summary's heading too.
func TestTraceHeading(t *testing.T) {
	en := fmt.Sprintf(traceTableFormat, "TIME", "EVENT", "PROTO", "PID", "PROGRAM", "LOCAL", "REMOTE", "STATE", "SENT",
		"RECEIVED", "DURATION", "ERROR")
	heading := func(lang string) string {
		var b bytes.Buffer
		w := traceWriter{w: &b, format: render.Table, lang: lang}
		w.begin()
		return b.String()
	}
	if got := heading("en"); got != en {
		t.Errorf("English heading\n%q\nwant\n%q", got, en)
	}
	zh := heading("zh-CN")
	if !strings.Contains(zh, "时间") || !strings.Contains(zh, "外部地址") {
		t.Fatalf("Chinese heading %q", zh)
	}
	sameColumns(t, "trace", en, zh)

	var hb [2]bytes.Buffer
	for i, lang := range []string{"en", "zh-CN"} {
		h := historyWriter{w: &hb[i], format: render.Table, lang: lang}
		h.header([]byte(heading(lang)))
		h.event([]byte(heading("en")), &history.Row{Source: "ebpf", Container: "web"}) // a row under it
	}
	sameColumns(t, "history", hb[0].String(), hb[1].String())

	var sb [2]bytes.Buffer
	for i, lang := range []string{"en", "zh-CN"} {
		if _, err := writeSummary(&sb[i], nil, render.Table, lang); err != nil {
			t.Fatal(err)
		}
	}
	sameColumns(t, "summary", sb[0].String(), sb[1].String())
}

// sameColumns fails t unless each line of en and zh has as many labels,
// each beginning (left-aligned) or ending (right-aligned) at the same
// column on the screen in both.
func sameColumns(t *testing.T, what, en, zh string) {
	t.Helper()
	el, zl := strings.Split(en, "\n"), strings.Split(zh, "\n")
	if len(el) != len(zl) {
		t.Errorf("%s: %d lines in Chinese, %d in English", what, len(zl), len(el))
		return
	}
	for i := range el {
		sameLineColumns(t, what, el[i], zl[i])
	}
}

func sameLineColumns(t *testing.T, what, en, zh string) {
	t.Helper()
	type span struct{ start, end int }
	spans := func(line string) []span {
		var ss []span
		col, prev := 0, ' '
		for _, r := range line {
			switch {
			case r != ' ' && prev == ' ':
				ss = append(ss, span{col, 0})
			case r == ' ' && prev != ' ':
				ss[len(ss)-1].end = col
			}
			col += textwidth.Rune(r)
			prev = r
		}
		if len(ss) > 0 && ss[len(ss)-1].end == 0 {
			ss[len(ss)-1].end = col
		}
		return ss
	}
	e, z := spans(en), spans(zh)
	ok := len(e) == len(z)
	for i := 0; ok && i < len(e); i++ {
		ok = e[i].start == z[i].start || e[i].end == z[i].end
	}
	if !ok {
		t.Errorf("%s: labels at columns %v in Chinese, %v in English:\n%s\n%s", what, z, e, en, zh)
	}
}
