package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/containers"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/trace"
)

// TestTraceTimeText: the times and durations trace writes without
// time.Format and strconv.FormatFloat are the same text as theirs.
func TestTraceTimeText(t *testing.T) {
	var w traceWriter
	base := time.Date(2026, 12, 7, 23, 59, 59, 0, time.UTC).UnixNano()
	for i := range 2000 {
		ns := base + rand.Int64N(3e9)
		if i%7 == 0 {
			ns -= ns % 1000 // some with trailing zeros
		}
		tm := time.Unix(0, ns)
		if got, want := string(w.appendTime(nil, tm)), tm.UTC().Format(time.RFC3339Nano); got != want {
			t.Errorf("time %d: %s, want %s", ns, got, want)
		}
	}
	for _, d := range []time.Duration{1, 999, time.Microsecond, 1500 * time.Microsecond, time.Second, 123456789, 3 * time.Hour, 10*24*time.Hour + 1} {
		if got, want := string(appendMillis(nil, d)), strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64); got != want {
			t.Errorf("duration %d: %s, want %s", d, got, want)
		}
	}
	for range 2000 {
		d := time.Duration(rand.Int64N(int64(10 * 24 * time.Hour)))
		if got, want := string(appendMillis(nil, d)), strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64); got != want {
			t.Errorf("duration %d: %s, want %s", d, got, want)
		}
	}
}

// TestTraceWriterJSON: an event's JSON has its error (by name and
// number, or "cancelled" for a failure without one) and its owner's
// container, each left out where there is none.
func TestTraceWriterJSON(t *testing.T) {
	var buf bytes.Buffer
	w := traceWriter{w: &buf, format: render.NDJSON,
		exe:       func(int32, string) (string, int64, string) { return "/usr/bin/curl", 0, "root" },
		container: func(pid int32) string { return map[int32]string{7: "web"}[pid] }}
	ap := netip.MustParseAddrPort
	base := trace.Event{Time: time.Unix(0, 1), Family: sockets.Inet, Local: ap("10.0.0.1:5000"), Remote: ap("10.0.0.2:80"), From: sockets.SynSent, To: sockets.Close}
	refused, cancelled, closed := base, base, base
	refused.Kind, refused.Owner, refused.Errno, refused.ErrnoKnown = trace.Fail, trace.Owner{PID: 7, Comm: "curl"}, 111, true
	cancelled.Kind, cancelled.Owner, cancelled.ErrnoKnown, cancelled.Duration = trace.Fail, trace.Owner{PID: 8, Comm: "curl"}, true, 1500*time.Microsecond
	closed.Kind, closed.From, closed.ErrnoKnown = trace.Close, sockets.FinWait2, true
	for _, ev := range []trace.Event{refused, cancelled, closed} {
		w.event(&ev)
	}
	type out struct {
		PID       int32
		Error     *string
		Errno     *int
		Container *string
		Duration  float64 `json:"duration_ms"`
	}
	var got []out
	for line := range strings.Lines(buf.String()) {
		var o out
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		got = append(got, o)
	}
	if len(got) != 3 {
		t.Fatalf("%d events: %s", len(got), buf.String())
	}
	if g := got[0]; g.Error == nil || *g.Error != "ECONNREFUSED" || g.Errno == nil || *g.Errno != 111 || g.Container == nil || *g.Container != "web" {
		t.Errorf("refused: %s", buf.String())
	}
	if g := got[1]; g.Error == nil || *g.Error != "cancelled" || g.Errno != nil || g.Container != nil || g.Duration != 1.5 {
		t.Errorf("cancelled: %s", buf.String())
	}
	if g := got[2]; g.Error != nil || g.Errno != nil || g.PID != 0 {
		t.Errorf("closed: %s", buf.String())
	}
}

// TestTraceContainerOf: a process's container is named from its cgroup
// (and the runtime's state files, of which this root has none: the short
// id); a process in none, and one gone, have "".
func TestTraceContainerOf(t *testing.T) {
	root := t.TempDir()
	const id = "9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d"
	for pid, cgroup := range map[string]string{
		"10": "0::/system.slice/docker-" + id + ".scope\n",
		"11": "0::/user.slice/user-1000.slice/session-1.scope\n",
	} {
		if err := os.MkdirAll(filepath.Join(root, "proc", pid), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "proc", pid, "cgroup"), []byte(cgroup), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := &Factory{Containers: func() *containers.Resolver { return containers.NewResolver(root) }}
	of := f.containerOf(nil)
	if got := of(10); got != id[:12] {
		t.Errorf("pid 10: %q, want %q", got, id[:12])
	}
	if got, gone := of(11), of(12); got != "" || gone != "" {
		t.Errorf("pid 11 (no container) %q, 12 (gone) %q", got, gone)
	}
	if (&Factory{}).containerOf(nil) != nil {
		t.Error("a lookup without a resolver")
	}
}

// TestTraceWriterBuffered: events kept until flushAt bytes wait, then
// written in one go, are the same as written one by one.
func TestTraceWriterBuffered(t *testing.T) {
	var plain, out bytes.Buffer
	w1 := traceWriter{w: &plain, format: render.NDJSON}
	w2 := traceWriter{w: &out, format: render.NDJSON, flushAt: 4096}
	ev := trace.Event{Kind: trace.Connect, Owner: trace.Owner{PID: 1, Comm: "c"}, Family: sockets.Inet,
		Local: netip.MustParseAddrPort("10.0.0.1:1"), Remote: netip.MustParseAddrPort("10.0.0.2:2"), To: sockets.Established}
	for i := range 1000 {
		ev.Time = time.Unix(0, int64(i)*1e6)
		w1.event(&ev)
		w2.event(&ev)
		if i == 500 && (out.Len() == 0 || out.Len() == plain.Len()) {
			t.Errorf("after 500 events %d bytes written of %d: want some, kept back since the last write", out.Len(), plain.Len())
		}
	}
	w2.flush()
	if plain.String() != out.String() {
		t.Errorf("kept and written in batches: %d bytes, one by one %d bytes, not the same", out.Len(), plain.Len())
	}
}

// BenchmarkTraceEvent is trace's user-space work for one event but the
// reading of the ring: the tracker, the filter's test and the line, in
// each format, for the four events of a short connection in turn.
func BenchmarkTraceEvent(b *testing.B) {
	for _, format := range []render.Format{render.NDJSON, render.Table} {
		b.Run(format.String(), func(b *testing.B) { benchmarkTraceEvent(b, format) })
	}
}

func benchmarkTraceEvent(b *testing.B, format render.Format) {
	w := traceWriter{w: io.Discard, format: format, flushAt: traceFlushAt,
		exe:       func(int32, string) (string, int64, string) { return "/usr/bin/connload", 0, "root" },
		container: func(int32) string { return "" }}
	tr := trace.NewTracker(func(mono uint64) time.Time { return time.Unix(0, int64(mono)) }, nil)
	var (
		raws [4]trace.Raw
		ev   trace.Event
	)
	l, r := netip.MustParseAddrPort("127.0.0.1:40000"), netip.MustParseAddrPort("127.0.0.1:8080")
	raws[0] = trace.Raw{Start: 1, PID: 7, TID: 7, Comm: "connload", Sock: 1, Old: sockets.SynSent, New: sockets.Established, Family: sockets.Inet, Local: l, Remote: r}
	raws[1] = trace.Raw{Sock: 2, Old: sockets.SynRecv, New: sockets.Established, Family: sockets.Inet, Local: r, Remote: l}
	raws[2] = trace.Raw{Sock: 1, Old: sockets.FinWait2, New: sockets.Close, Family: sockets.Inet, Local: l, Remote: r, Sent: 3}
	raws[3] = trace.Raw{Sock: 2, Old: sockets.LastAck, New: sockets.Close, Family: sockets.Inet, Local: r, Remote: l, Received: 1}
	req := &listRequest{}
	req.Filter.Protos = sockets.ProtoSet(0).With(sockets.TCP)
	q := req.query()
	sock := sockets.Socket{Proto: sockets.TCP}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		raw := &raws[i%4]
		raw.Mono = uint64(i) * 1000
		if !tr.FeedInto(&ev, raw) {
			b.Fatal("no event")
		}
		sock.Family, sock.State, sock.Local, sock.Remote = ev.Family, ev.To, ev.Local, ev.Remote
		if !q.Match(&sock) {
			b.Fatal("filtered")
		}
		w.event(&ev)
	}
}

// TestAddrTexts: the texts kept of the last addresses are those of the
// addresses asked for, whatever their order (two kept, a third pushing
// one out; both families; the zero Addr).
func TestAddrTexts(t *testing.T) {
	var c addrTexts
	addrs := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1"), netip.MustParseAddr("127.0.0.1"),
		netip.MustParseAddr("10.0.0.7"), netip.MustParseAddr("::1"), netip.MustParseAddr("fe80::1%lo"), {},
		netip.MustParseAddr("10.0.0.7"), netip.MustParseAddr("10.0.0.7"), netip.MustParseAddr("127.0.0.1")}
	for i, a := range addrs {
		got := string(c.append([]byte("x"), a))
		if want := "x" + string(a.AppendTo(nil)); got != want {
			t.Errorf("address %d (%v): %q, want %q", i, a, got, want)
		}
	}
}

// TestOpenTracerWhy: where neither program loads, why they did not is
// one line (the two errors are joined by a newline).
func TestOpenTracerWhy(t *testing.T) {
	defer func(o func(int, bool) (*trace.Reader, error)) { openTrace = o }(openTrace)
	openTrace = func(int, bool) (*trace.Reader, error) {
		return nil, errors.Join(errors.New("tracefs is not mounted"), errors.New("map create: operation not permitted"))
	}
	r, why := openTracer(&listRequest{})
	if r != nil || strings.Contains(why, "\n") || !strings.Contains(why, "tracefs is not mounted; map create") {
		t.Errorf("why %q", why)
	}
}

// TestTraceTableUDP: an unconnected UDP socket's end shows its remote
// end as the listing does (*:*), its protocol and its states; a
// connected one its remote end.
func TestTraceTableUDP(t *testing.T) {
	var out bytes.Buffer
	w := traceWriter{w: &out, format: render.Table}
	for _, remote := range []string{"[::]:0", "127.0.0.53:53"} {
		from := sockets.Close
		if remote != "[::]:0" {
			from = sockets.Established
		}
		w.event(&trace.Event{Kind: trace.Close, Proto: sockets.UDP, Owner: trace.Owner{PID: 7, Comm: "dig"}, Family: sockets.Inet6,
			Local: netip.MustParseAddrPort("[::1]:5353"), Remote: netip.MustParseAddrPort(remote), From: from, To: sockets.Close, NoBytes: true})
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%q", out.String())
	}
	for i, want := range [][]string{{"close", "udp", "[::1]:5353", "*:*", "UNCONN>CLOSE"}, {"close", "udp", "127.0.0.53:53", "ESTABLISHED>CLOSE"}} {
		f := strings.Fields(lines[i])
		for _, w := range want {
			if !slices.Contains(f, w) {
				t.Errorf("line %q lacks %q", lines[i], w)
			}
		}
	}
}

// TestTraceOwnerFields: each NDJSON line has its own owner's pid,
// program, exe and user, whatever the order of the owners (runs of one,
// two alternating, a few at random, none) and where the kept fields are
// forgotten (as history does for its rows).
func TestTraceOwnerFields(t *testing.T) {
	owners := []trace.Owner{{PID: 10, Comm: "curl"}, {PID: 20, Comm: "nginx"}, {PID: 30, Comm: "curl"}, {PID: 10, Comm: "curl2"}, {}}
	exe := func(pid int32, comm string) (string, int64, string) {
		return "/bin/" + comm + strconv.Itoa(int(pid)), int64(pid), "u" + strconv.Itoa(int(pid))
	}
	var out bytes.Buffer
	w := traceWriter{w: &out, format: render.NDJSON, exe: exe}
	r := rand.New(rand.NewPCG(3, 4))
	var order []trace.Owner
	for range 50 {
		order = append(order, owners[0])
	}
	for i := range 50 {
		order = append(order, owners[i%2])
	}
	for range 400 {
		order = append(order, owners[r.IntN(len(owners))])
	}
	for i, o := range order {
		if i%97 == 0 {
			w.forgetOwners()
		}
		out.Reset()
		ev := trace.Event{Kind: trace.Connect, Time: time.Unix(1_800_000_000, 0), Proto: sockets.TCP, Family: sockets.Inet,
			Local: netip.MustParseAddrPort("127.0.0.1:1"), Remote: netip.MustParseAddrPort("127.0.0.1:2"), To: sockets.Established, Owner: o}
		w.event(&ev)
		var got struct {
			PID     int32
			Program *string
			Exe     string
			UID     *int64
			User    string
		}
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, out.Bytes())
		}
		wantExe, wantUID, wantUser := "", int64(0), ""
		if o.PID != 0 {
			wantExe, wantUID, wantUser = exe(o.PID, o.Comm)
		}
		if got.PID != o.PID || got.Program == nil || *got.Program != o.Comm || got.Exe != wantExe || got.User != wantUser ||
			(o.PID != 0) != (got.UID != nil) || (got.UID != nil && *got.UID != wantUID) {
			t.Fatalf("line %d, owner %+v: %s", i, o, out.Bytes())
		}
	}
}

// TestKnownIn: a snapshot's owners name a connection by its ends and a
// listener by its port, each only for a socket of its own network
// namespace or of one not known (0, on either side).
func TestKnownIn(t *testing.T) {
	owned := func(pid int32, state sockets.State, local, remote string, netns uint64) sockets.Socket {
		s := sockets.Socket{Proto: sockets.TCP, State: state, Local: netip.MustParseAddrPort(local), NetNS: netns,
			Processes: []sockets.Process{{Info: &sockets.ProcessInfo{PID: pid, Name: "p" + strconv.Itoa(int(pid))}}}}
		if remote != "" {
			s.Remote = netip.MustParseAddrPort(remote)
		}
		return s
	}
	known := knownIn([]sockets.Socket{
		owned(7, sockets.Listen, "0.0.0.0:80", "", 5),
		owned(8, sockets.Established, "10.0.0.2:80", "10.0.0.1:4000", 5),
		owned(9, sockets.Listen, "0.0.0.0:22", "", 0),
		{Proto: sockets.TCP, State: sockets.Listen, Local: netip.MustParseAddrPort("0.0.0.0:25")}, // no owner
	})
	for _, c := range []struct {
		netns         uint32
		local, remote string
		want          int32
	}{
		{5, "10.0.0.2:80", "", 7}, {0, "10.0.0.2:80", "", 7}, {6, "10.0.0.2:80", "", 0},
		{5, "10.0.0.2:80", "10.0.0.1:4000", 8}, {5, "[::ffff:10.0.0.2]:80", "[::ffff:10.0.0.1]:4000", 8}, {6, "10.0.0.2:80", "10.0.0.1:4000", 0},
		{6, "10.0.0.2:22", "", 9}, {5, "10.0.0.2:25", "", 0}, {5, "10.0.0.2:8080", "", 0},
	} {
		var remote netip.AddrPort
		if c.remote != "" {
			remote = netip.MustParseAddrPort(c.remote)
		}
		o, ok := known(c.netns, netip.MustParseAddrPort(c.local), remote)
		if o.PID != c.want || ok != (c.want != 0) {
			t.Errorf("%d %s>%s: %+v %v, want pid %d", c.netns, c.local, c.remote, o, ok, c.want)
		}
	}
	// Two namespaces' listeners on one port, and two connections with
	// the same ends: each answers for its own, whichever came last.
	both := knownIn([]sockets.Socket{
		owned(7, sockets.Listen, "0.0.0.0:80", "", 5), owned(10, sockets.Listen, "0.0.0.0:80", "", 6),
		owned(8, sockets.Established, "10.0.0.2:80", "10.0.0.1:4000", 5), owned(11, sockets.Established, "10.0.0.2:80", "10.0.0.1:4000", 6),
	})
	for _, c := range []struct {
		netns  uint32
		remote netip.AddrPort
		want   int32
	}{{5, netip.AddrPort{}, 7}, {6, netip.AddrPort{}, 10}, {5, netip.MustParseAddrPort("10.0.0.1:4000"), 8}, {6, netip.MustParseAddrPort("10.0.0.1:4000"), 11}} {
		if o, _ := both(c.netns, netip.MustParseAddrPort("10.0.0.2:80"), c.remote); o.PID != c.want {
			t.Errorf("two namespaces, %d %v: pid %d, want %d", c.netns, c.remote, o.PID, c.want)
		}
	}
}

// TestTraceProtos: trace and record follow TCP connections unless -u
// asks for UDP sockets' ends (-u alone: only those; -tu: both).
func TestTraceProtos(t *testing.T) {
	tcp, udp := sockets.ProtoSet(0).With(sockets.TCP), sockets.ProtoSet(0).With(sockets.UDP)
	for _, tt := range []struct {
		args []string
		want sockets.ProtoSet
	}{
		{[]string{"trace"}, tcp},
		{[]string{"trace", "-t"}, tcp},
		{[]string{"trace", "-u"}, udp},
		{[]string{"trace", "-tu"}, tcp | udp},
		{[]string{"trace", "--udp", "--format", "ndjson"}, udp},
		{[]string{"record"}, tcp},
		{[]string{"record", "-u", "-t"}, tcp | udp},
	} {
		if got := mustParse(t, tt.args...).Filter.Protos; got != tt.want {
			t.Errorf("%q: protocols %b, want %b", tt.args, got, tt.want)
		}
	}
}

// TestLostNotes: trace's last notes say each kind of loss, with its
// count, and nothing where there was none.
func TestLostNotes(t *testing.T) {
	if n := lostNotes("en", 0, 0, 0); len(n) != 0 {
		t.Errorf("nothing lost: notes %q", n)
	}
	for _, c := range []struct {
		lost, missed, starts uint64
		want                 []string
	}{
		{3, 0, 0, []string{"3 state changes were lost: the kernel's buffer was full"}},
		{0, 2, 0, []string{"2 state changes were not seen: the kernel skips trace's program"}},
		{0, 0, 5, []string{"5 connects were not followed from their start"}},
		{1, 2, 3, []string{"1 state changes were lost", "2 state changes were not seen", "3 connects were not followed"}},
	} {
		got := lostNotes("en", c.lost, c.missed, c.starts)
		if len(got) != len(c.want) {
			t.Errorf("%d, %d, %d: notes %q, want %d", c.lost, c.missed, c.starts, got, len(c.want))
			continue
		}
		for i, w := range c.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%d, %d, %d: note %q, want %q in it", c.lost, c.missed, c.starts, got[i], w)
			}
		}
	}
}

// TestNoBPFWhy: a user refused is told what is needed; root, and any
// other failure, the errors as they are, on one line.
func TestNoBPFWhy(t *testing.T) {
	perm := errors.Join(fmt.Errorf("loading the tracing program: map events: map create: %w (MEMLOCK may be too low)", syscall.EPERM),
		errors.New("tracefs is not mounted"))
	other := errors.Join(errors.New("loading the tracing program: no BTF"), errors.New("tracefs is not mounted"))
	for _, c := range []struct {
		err  error
		root bool
		want string
	}{
		{perm, false, "no eBPF: it needs root, or CAP_BPF and CAP_PERFMON (run with sudo)"},
		{perm, true, "no eBPF: loading the tracing program: map events: map create: operation not permitted (MEMLOCK may be too low); tracefs is not mounted"},
		{other, false, "no eBPF: loading the tracing program: no BTF; tracefs is not mounted"},
	} {
		if got := noBPFWhy("en", c.err, c.root); got != c.want {
			t.Errorf("noBPFWhy(%q, root %v) = %q, want %q", c.err, c.root, got, c.want)
		}
	}
}
