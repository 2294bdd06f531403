package netns

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/testutil"
)

// ownNetNS is the test process's namespace as a NetNS Do can enter
// (entering one's own namespace still needs CAP_SYS_ADMIN).
func ownNetNS(t *testing.T, name string) NetNS {
	t.Helper()
	testutil.RequireRoot(t)
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/net", &st); err != nil {
		t.Fatal(err)
	}
	return NetNS{Inode: st.Ino, Dev: st.Dev, Name: name, Paths: []string{"/proc/self/ns/net"}}
}

// fakeSource gives, per Stream, one socket in each of parts, then err;
// with dropOn set, it drops that part before returning.
type fakeSource struct {
	parts  []int
	err    error
	dropOn int
}

func (f *fakeSource) Snapshot(ctx context.Context, flt sockets.Filter, dst []sockets.Socket) ([]sockets.Socket, error) {
	var sink sockets.SliceSink
	err := f.Stream(ctx, flt, &sink)
	return append(dst, sink.Sockets()...), err
}

func (f *fakeSource) Stream(ctx context.Context, flt sockets.Filter, sink sockets.Sink) error {
	for _, p := range f.parts {
		sink.Add(p, []sockets.Socket{{Proto: sockets.TCP, Local: netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(p)), NetNS: 1}})
	}
	if f.dropOn >= 0 {
		sink.Drop(f.dropOn)
	}
	return f.err
}

// recordSink records the parts it is given.
type recordSink struct {
	sockets.SliceSink
	added, dropped []int
}

func (r *recordSink) Add(part int, batch []sockets.Socket) {
	r.added = append(r.added, part)
	r.SliceSink.Add(part, batch)
}

func (r *recordSink) Drop(part int) {
	r.dropped = append(r.dropped, part)
	r.SliceSink.Drop(part)
}

func TestSourceStreamParts(t *testing.T) {
	a, b := ownNetNS(t, "a"), ownNetNS(t, "b")
	missing := NetNS{Inode: 12345, Name: "gone", Paths: []string{"/nonexistent/sockscope-netns"}}
	nss := []NetNS{a, missing, b, a}
	srcs := []*fakeSource{
		{parts: []int{0, 1}, dropOn: -1},
		nil,                               // never asked: the namespace cannot be entered
		{parts: []int{0, 64}, dropOn: -1}, // 64 is past the stride
		{parts: []int{2, 3}, dropOn: -1, err: errors.New("boom")}, // fails as a whole
	}
	var i int
	src := NewSource(nss, SourceOptions{New: func() (sockets.Source, error) { return &seqSource{srcs: srcs, nss: nss, next: &i}, nil }, Limit: 1})
	var sink recordSink
	err := src.Stream(context.Background(), sockets.All, &sink)
	var partial *sockets.PartialError
	if !errors.As(err, &partial) || len(partial.Errs) != 3 {
		t.Fatalf("error = %v, want a PartialError of 3", err)
	}
	for j, want := range []string{"gone", "b", "a"} {
		var nsErr *Error
		if !errors.As(partial.Errs[j], &nsErr) || nsErr.NS.Name != want {
			t.Errorf("error %d = %v, want one naming namespace %s", j, partial.Errs[j], want)
		}
	}
	if !strings.Contains(partial.Errs[1].Error(), "more than 64 parts") || !strings.Contains(partial.Errs[2].Error(), "boom") {
		t.Errorf("errors = %v", partial.Errs)
	}
	if want := []int{0, 1, 2 * PartStride, 3*PartStride + 2, 3*PartStride + 3}; !slices.Equal(sink.added, want) {
		t.Errorf("parts added %v, want %v", sink.added, want)
	}
	if want := []int{3*PartStride + 2, 3*PartStride + 3}; !slices.Equal(sink.dropped, want) {
		t.Errorf("parts dropped %v, want %v", sink.dropped, want)
	}
	got := sink.Sockets()
	if len(got) != 3 {
		t.Fatalf("got %d sockets, want 3", len(got))
	}
	for _, s := range got {
		if s.NetNS != a.Inode {
			t.Errorf("socket NetNS = %d, want %d", s.NetNS, a.Inode)
		}
	}

	// Snapshot: the same sockets, the same errors.
	i = 0
	snap, err := src.Snapshot(context.Background(), sockets.All, nil)
	if !errors.As(err, &partial) || len(partial.Errs) != 2 || len(snap) != 4 {
		// Snapshot has no parts: the part-64 socket is kept.
		t.Errorf("snapshot = %d sockets, %v; want 4 and 2 errors", len(snap), err)
	}
}

// seqSource hands each Stream or Snapshot to the fake source of the
// namespace it is asked for, by order (the Source runs one at a time
// with a limit of 1).
type seqSource struct {
	srcs []*fakeSource
	nss  []NetNS
	next *int
}

func (s *seqSource) pick() *fakeSource {
	for *s.next < len(s.srcs) && s.srcs[*s.next] == nil {
		*s.next++
	}
	f := s.srcs[*s.next]
	*s.next++
	return f
}

func (s *seqSource) Snapshot(ctx context.Context, f sockets.Filter, dst []sockets.Socket) ([]sockets.Socket, error) {
	return s.pick().Snapshot(ctx, f, dst)
}

func (s *seqSource) Stream(ctx context.Context, f sockets.Filter, sink sockets.Sink) error {
	return s.pick().Stream(ctx, f, sink)
}

func TestSourceCanceled(t *testing.T) {
	a := ownNetNS(t, "a")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src := NewSource([]NetNS{a, a}, SourceOptions{New: func() (sockets.Source, error) { return &fakeSource{parts: []int{0}, dropOn: -1}, nil }})
	if got, err := src.Snapshot(ctx, sockets.All, nil); !errors.Is(err, context.Canceled) || len(got) != 0 {
		t.Errorf("Snapshot = %d, %v; want context.Canceled", len(got), err)
	}
	if err := src.Stream(ctx, sockets.All, &sockets.SliceSink{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Stream = %v; want context.Canceled", err)
	}
}

func TestDoReturnsHome(t *testing.T) {
	testutil.RequireRoot(t)
	held := testutil.NewUnsharedNetNS(t)
	home, _ := ParseLink(readlink(t, "/proc/thread-self/ns/net"))
	var inside uint64
	err := DoPath(held.Path, func() error {
		inside, _ = ParseLink(readlink(t, "/proc/thread-self/ns/net"))
		return errors.New("fn's error")
	})
	if err == nil || err.Error() != "fn's error" {
		t.Errorf("DoPath error = %v, want fn's", err)
	}
	if inside != held.Inode {
		t.Errorf("inside: net:[%d], want net:[%d]", inside, held.Inode)
	}
	if now, _ := ParseLink(readlink(t, "/proc/thread-self/ns/net")); now != home {
		t.Errorf("after Do: net:[%d], want home net:[%d]", now, home)
	}
	// A panic in fn still brings the thread home before it propagates.
	func() {
		defer func() { _ = recover() }()
		_ = DoPath(held.Path, func() error { panic("fn panics") })
	}()
	if now, _ := ParseLink(readlink(t, "/proc/thread-self/ns/net")); now != home {
		t.Errorf("after a panic in Do: net:[%d], want home net:[%d]", now, home)
	}
	if err := DoPath("/nonexistent/sockscope", func() error { return nil }); err == nil {
		t.Error("DoPath of a missing file succeeded")
	}
	// EnterPath and leave: in, then home.
	leave, err := EnterPath(held.Path)
	if err != nil {
		t.Fatal(err)
	}
	inside, _ = ParseLink(readlink(t, "/proc/thread-self/ns/net"))
	if err := leave(); err != nil {
		t.Error(err)
	}
	if inside != held.Inode {
		t.Errorf("EnterPath: net:[%d], want net:[%d]", inside, held.Inode)
	}
	ns := NetNS{Inode: 1, Name: "stale", Paths: []string{held.Path}}
	if err := Do(&ns, func() error { t.Error("fn ran in a namespace that is not ns"); return nil }); err == nil {
		t.Error("Do entered a path that is no longer the namespace")
	}
}

func readlink(t *testing.T, p string) string {
	t.Helper()
	var buf [64]byte
	n, err := unix.Readlink(p, buf[:])
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n])
}
