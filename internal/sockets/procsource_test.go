package sockets

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

// procFixtureWant lists, per table, the sockets capture.go opened (see
// testdata/README.md), as describe prints them, in the tables' order.
var procFixtureWant = map[string][]string{
	"tcp": {
		"tcp inet LISTEN 127.0.0.1:7030 -> 0.0.0.0:0 rq=0 sq=0 uid=65534 ino=469544",
		"tcp inet LISTEN 127.0.0.1:7001 -> 0.0.0.0:0 rq=1 sq=0 uid=0 ino=470086", // one in the accept queue
		"tcp inet LISTEN 0.0.0.0:7002 -> 0.0.0.0:0 rq=0 sq=0 uid=0 ino=470094",
		"tcp inet ESTABLISHED 127.0.0.1:7001 -> 127.0.0.1:54448 rq=0 sq=0 uid=0 ino=0", // not accepted yet
		"tcp inet ESTABLISHED 127.0.0.1:59008 -> 127.0.0.1:7004 rq=0 sq=0 uid=0 ino=470097",
		"tcp inet ESTABLISHED 127.0.0.1:54422 -> 127.0.0.1:7001 rq=0 sq=0 uid=0 ino=470087",
		"tcp inet FIN_WAIT2 127.0.0.1:54438 -> 127.0.0.1:7001 rq=0 sq=0 uid=0 ino=0", // orphan, a timewait sock
		"tcp inet TIME_WAIT 127.0.0.1:54440 -> 127.0.0.1:7001 rq=0 sq=0 uid=0 ino=0",
		"tcp inet ESTABLISHED 127.0.0.1:54448 -> 127.0.0.1:7001 rq=0 sq=0 uid=0 ino=470093",
		"tcp inet SYN_SENT 10.99.0.1:35986 -> 10.99.0.2:7003 rq=0 sq=1 uid=0 ino=470095",
		"tcp inet CLOSE_WAIT 127.0.0.1:7001 -> 127.0.0.1:54438 rq=1 sq=0 uid=0 ino=470090",  // rx counts the FIN
		"tcp inet ESTABLISHED 127.0.0.1:7001 -> 127.0.0.1:54422 rq=5 sq=0 uid=0 ino=470088", // "hello" unread
	},
	"tcp6": {
		"tcp inet6 LISTEN [fe80::1]:7006 -> [::]:0 rq=0 sq=0 uid=0 ino=470102", // scoped; the table has no zone
		"tcp inet6 LISTEN [::1]:7005 -> [::]:0 rq=0 sq=0 uid=0 ino=470099",
		"tcp inet6 LISTEN [::]:7004 -> [::]:0 rq=0 sq=0 uid=0 ino=470096",
		"tcp inet6 ESTABLISHED [::ffff:127.0.0.1]:7004 -> [::ffff:127.0.0.1]:59008 rq=0 sq=0 uid=0 ino=470098", // IPv4-mapped
		"tcp inet6 ESTABLISHED [::1]:7005 -> [::1]:58936 rq=0 sq=0 uid=0 ino=470101",
		"tcp inet6 ESTABLISHED [fe80::1]:7006 -> [fe80::1]:37498 rq=0 sq=0 uid=0 ino=470104",
		"tcp inet6 ESTABLISHED [::1]:58936 -> [::1]:7005 rq=0 sq=0 uid=0 ino=470100",
		"tcp inet6 ESTABLISHED [fe80::1]:37498 -> [fe80::1]:7006 rq=0 sq=0 uid=0 ino=470103",
	},
	"udp": {
		"udp inet UNCONN 127.0.0.1:7010 -> 0.0.0.0:0 rq=832 sq=0 uid=0 ino=470105", // rx is memory, not bytes
		"udp inet UNCONN 0.0.0.0:7011 -> 0.0.0.0:0 rq=0 sq=0 uid=0 ino=470107",
		"udp inet ESTABLISHED 127.0.0.1:56327 -> 127.0.0.1:7010 rq=0 sq=0 uid=0 ino=470106",
	},
	"udp6": {
		"udp inet6 ESTABLISHED [::1]:49569 -> [::1]:7012 rq=0 sq=0 uid=0 ino=470109",
		"udp inet6 UNCONN [::1]:7012 -> [::]:0 rq=0 sq=0 uid=0 ino=470108",
		"udp inet6 UNCONN [fe80::1]:7013 -> [::]:0 rq=0 sq=0 uid=0 ino=470110",
		"udp inet6 UNCONN [::]:7031 -> [::]:0 rq=0 sq=0 uid=65534 ino=469545",
	},
	"udplite":  {"udplite inet UNCONN 127.0.0.1:7020 -> 0.0.0.0:0 rq=0 sq=0 uid=0 ino=470111"},
	"udplite6": {"udplite inet6 UNCONN [::1]:7021 -> [::]:0 rq=0 sq=0 uid=0 ino=470112"},
	"raw": { // the port is the IP protocol
		"raw inet UNCONN 0.0.0.0:1 -> 0.0.0.0:0 rq=0 sq=0 uid=0 ino=470113",
		"raw inet UNCONN 127.0.0.1:253 -> 0.0.0.0:0 rq=0 sq=0 uid=0 ino=470114",
	},
	"raw6": {"raw inet6 UNCONN [::]:58 -> [::]:0 rq=0 sq=0 uid=0 ino=470115"},
	"unix": {
		`stream ESTABLISHED unix ino=470118 path="/tmp/sockscope-fixtures/api server.sock"`, // accepted
		`stream ESTABLISHED unix ino=470124 path=""`,
		`stream LISTEN unix ino=470116 path="/tmp/sockscope-fixtures/api server.sock"`,
		`dgram UNCONN unix ino=470122 path="/tmp/sockscope-fixtures/dgram.sock"`,
		`seqpacket LISTEN unix ino=470123 path="/tmp/sockscope-fixtures/seqpacket.sock"`,
		`dgram UNCONN unix ino=470126 path="/tmp/sockscope-fixtures/new\nline.sock"`, // spans two lines
		`stream ESTABLISHED unix ino=470119 path=""`,
		// The record of inode 0 here is skipped: a connection queued for accept().
		`stream ESTABLISHED unix ino=470117 path=""`, // the client
		`stream ESTABLISHED unix ino=470125 path=""`,
		`stream LISTEN unix ino=469546 path="@sockscope-nobody"`,
		`stream LISTEN unix ino=470121 path="@sock@scope"`, // an embedded NUL prints as '@'
		`stream LISTEN unix ino=470120 path="@sockscope-fixture"`,
	},
}

// procDir copies the named fixture tables into a new directory and
// returns it; a name "x=TEXT" writes TEXT to table x instead.
func procDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range names {
		var data []byte
		if table, text, ok := strings.Cut(name, "="); ok {
			name, data = table, []byte(text)
		} else {
			var err error
			if data, err = os.ReadFile(filepath.Join("testdata/proc/net", name)); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestProcSourceFixtures(t *testing.T) {
	src := NewProcSource("testdata/proc/net")
	got, err := src.Snapshot(context.Background(), All, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, table := range procNetFiles {
		want = append(want, procFixtureWant[table.name]...)
	}
	if g := describeAll(got); !slices.Equal(g, want) {
		t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(g, "\n\t"), strings.Join(want, "\n\t"))
	}
	// The buffer is reused: a second snapshot appends the same sockets,
	// and the unix names of the first do not change under it.
	again, err := src.Snapshot(context.Background(), All, got)
	if err != nil || len(again) != 2*len(want) {
		t.Fatalf("second snapshot: %d sockets, %v", len(again), err)
	}
	if g := describeAll(again); !slices.Equal(g[:len(want)], want) || !slices.Equal(g[len(want):], want) {
		t.Errorf("second snapshot differs:\n\t%s", strings.Join(g, "\n\t"))
	}
}

func TestProcSourceFilter(t *testing.T) {
	// Tables the filter does not need are not read: here they are garbage.
	dir := procDir(t, "tcp=garbage", "tcp6", "udp=garbage", "udp6", "unix=garbage", "raw6")
	f := Filter{Protos: ProtoSet(0).With(TCP).With(Raw), Families: FamilySet(0).With(Inet6), States: StateSet(0).With(Listen)}
	got, err := NewProcSource(dir).Snapshot(context.Background(), f, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"tcp inet6 LISTEN [fe80::1]:7006 -> [::]:0 rq=0 sq=0 uid=0 ino=470102",
		"tcp inet6 LISTEN [::1]:7005 -> [::]:0 rq=0 sq=0 uid=0 ino=470099",
		"tcp inet6 LISTEN [::]:7004 -> [::]:0 rq=0 sq=0 uid=0 ino=470096",
	}
	if g := describeAll(got); !slices.Equal(g, want) {
		t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(g, "\n\t"), strings.Join(want, "\n\t"))
	}
	if got, err = NewProcSource(dir).Snapshot(context.Background(), Filter{}, nil); len(got) != 0 || err != nil {
		t.Errorf("zero filter: got %d sockets, %v", len(got), err)
	}
}

func TestProcSourceMissing(t *testing.T) {
	ctx := context.Background()
	// A kernel without IPv6, UDP-Lite or raw sockets: the missing tables
	// are skipped.
	dir := procDir(t, "tcp", "udp", "unix")
	got, err := NewProcSource(dir).Snapshot(ctx, All, nil)
	if err != nil || len(got) != len(procFixtureWant["tcp"])+len(procFixtureWant["udp"])+len(procFixtureWant["unix"]) {
		t.Errorf("All: got %d sockets, %v", len(got), err)
	}
	got, err = NewProcSource(dir).Snapshot(ctx, Filter{Protos: ProtoSet(0).With(UDP)}, nil)
	if err != nil || len(got) != len(procFixtureWant["udp"]) {
		t.Errorf("udp without udp6: got %d sockets, %v", len(got), err)
	}
	// Asked for alone, a protocol without any table is an error.
	for _, f := range []Filter{
		{Protos: ProtoSet(0).With(UDPLite)},
		{Protos: ProtoSet(0).With(Raw).With(MPTCP)},
		{Protos: ProtoSet(0).With(TCP), Families: FamilySet(0).With(Inet6)},
	} {
		_, err = NewProcSource(dir).Snapshot(ctx, f, nil)
		var op *OpError
		var partial *PartialError
		if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &op) || errors.As(err, &partial) {
			t.Errorf("%+v: got %v, want a lone *OpError wrapping fs.ErrNotExist", f, err)
		}
	}
	// So is MPTCP alone, which no table lists.
	if _, err = NewProcSource(dir).Snapshot(ctx, Filter{Protos: ProtoSet(0).With(MPTCP)}, nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("MPTCP: got %v, want ErrUnsupported", err)
	}
	// And no /proc at all.
	for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "nonexistent")} {
		if _, err = NewProcSource(dir).Snapshot(ctx, All, nil); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: got %v, want fs.ErrNotExist", dir, err)
		}
	}
}

func TestProcSourcePartial(t *testing.T) {
	ctx := context.Background()
	// A bad line in tcp, and udp6 unreadable (a directory).
	dir := procDir(t, "tcp=  sl  local_address\n"+line4+"\nbad line\n", "udp", "unix")
	if err := os.Mkdir(filepath.Join(dir, "udp6"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := NewProcSource(dir).Snapshot(ctx, All, nil)
	if len(got) != 1+len(procFixtureWant["udp"])+len(procFixtureWant["unix"]) {
		t.Errorf("got %d sockets", len(got))
	}
	var partial *PartialError
	if !errors.As(err, &partial) || len(partial.Errs) != 2 {
		t.Fatalf("got %v, want a *PartialError of 2", err)
	}
	var op *OpError
	if !errors.As(partial.Errs[0], &op) || op.Family != "tcp" || !errors.Is(op, errs.ErrMalformed) ||
		!strings.Contains(op.Error(), dir+"/tcp: line 3:") || !strings.Contains(op.Error(), `"bad line"`) {
		t.Errorf("first error: %v", partial.Errs[0])
	}
	if !errors.As(partial.Errs[1], &op) || op.Family != "udp6" || op.Op != "read" {
		t.Errorf("second error: %v", partial.Errs[1])
	}
	// When nothing could be read, the errors come alone.
	_, err = NewProcSource(dir).Snapshot(ctx, Filter{Protos: ProtoSet(0).With(UDP), Families: FamilySet(0).With(Inet6)}, nil)
	if !errors.As(err, &op) || errors.As(err, &partial) {
		t.Errorf("udp6 alone: got %v, want a lone *OpError", err)
	}
}

func TestProcSourceLargeTable(t *testing.T) {
	// Bigger than the initial buffer, so that reads grow it.
	var b strings.Builder
	b.WriteString("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n")
	const n = 5000
	for i := range n {
		fmt.Fprintf(&b, "%4d: 0100007F:%04X 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 %d\n", i, i, i+1)
	}
	dir := procDir(t, "tcp="+b.String())
	got, err := NewProcSource(dir).Snapshot(context.Background(), Filter{Protos: ProtoSet(0).With(TCP), Families: FamilySet(0).With(Inet)}, nil)
	if err != nil || len(got) != n || got[n-1].Inode != n || got[n-1].Local.Port() != n-1 {
		t.Fatalf("got %d sockets, %v", len(got), err)
	}
}

func TestProcSourceCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dst := []Socket{{Proto: TCP}}
	got, err := NewProcSource("testdata/proc/net").Snapshot(ctx, All, dst)
	if !errors.Is(err, context.Canceled) || len(got) != 1 {
		t.Errorf("got %d sockets, %v; want dst and context.Canceled", len(got), err)
	}
}

// TestProcSourceHost reads this machine's tables, where there are some.
func TestProcSourceHost(t *testing.T) {
	src := NewProcSource("")
	dir := src.(*procSource).dir
	if _, err := os.Stat(filepath.Join(dir, "tcp")); err != nil {
		t.Skipf("no /proc/net here: %v", err)
	}
	if _, err := os.Stat("/proc/thread-self/net"); err == nil && dir != "/proc/thread-self/net" {
		t.Errorf("default dir %s, want /proc/thread-self/net", dir)
	}
	got, err := src.Snapshot(context.Background(), All, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d sockets", len(got))
}
