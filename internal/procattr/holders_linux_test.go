package procattr

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// TestScanRecordsEverySocket checks that Scan, not knowing the sockets,
// records every socket every process holds and loads every process that
// holds one (and no other), so that any subset of sockets can be
// attributed afterwards.
func TestScanRecordsEverySocket(t *testing.T) {
	h, err := Scan(context.Background(), Options{Root: "testdata/proc", Details: true, passwd: "testdata/passwd"})
	if err != nil {
		t.Fatal(err)
	}
	var loaded []int32
	for _, p := range h.procs {
		if p != nil {
			loaded = append(loaded, p.PID)
		}
	}
	// 300 and 400 hold no socket, 500 exited, 700 is gone.
	if want := []int32{1, 100, 101, 200, 600}; !slices.Equal(loaded, want) {
		t.Errorf("loaded PIDs %v, want %v", loaded, want)
	}
	n := 0
	for _, es := range h.ents {
		n += len(es)
	}
	// 1, 100, 101 and 600 hold two socket fds each, 200 and 500 one.
	if want := 10; n != want {
		t.Errorf("%d entries, want %d (every socket fd, exited processes included)", n, want)
	}

	all, want := fixtureSockets(), wantFixture(true)
	for _, pick := range [][]int{{4}, {2, 6}, {9, 1, 0}} {
		var socks []sockets.Socket
		for _, i := range pick {
			socks = append(socks, all[i])
		}
		if res := h.Attribute(socks); res != (Result{Processes: 8}) {
			t.Errorf("%v: result %+v", pick, res)
		}
		for j, i := range pick {
			if !reflect.DeepEqual(socks[j].Processes, want[i]) {
				t.Errorf("%v: socket %d:\n got %s\nwant %s", pick, i, showProcs(socks[j].Processes), showProcs(want[i]))
			}
		}
	}
}

// TestHoldersConcurrent attributes from one Holders on several goroutines
// at once (run with -race): Attribute only reads it, every result is the
// same and shares the Holders' ProcessInfos.
func TestHoldersConcurrent(t *testing.T) {
	h, err := Scan(context.Background(), Options{Root: "testdata/proc", Workers: 2, Details: true, passwd: "testdata/passwd"})
	if err != nil {
		t.Fatal(err)
	}
	want := wantFixture(true)
	results := make([][]sockets.Socket, 4)
	var wg sync.WaitGroup
	for g := range results {
		wg.Go(func() {
			socks := fixtureSockets()
			h.Attribute(socks)
			results[g] = socks
		})
	}
	wg.Wait()
	for g, socks := range results {
		for i := range socks {
			if !reflect.DeepEqual(socks[i].Processes, want[i]) {
				t.Errorf("goroutine %d: socket %d:\n got %s\nwant %s", g, i, showProcs(socks[i].Processes), showProcs(want[i]))
			}
		}
		if socks[0].Processes[0].Info != results[0][0].Processes[0].Info {
			t.Errorf("goroutine %d: ProcessInfo of pid 1 not shared", g)
		}
	}
}

// TestScanConcurrent runs two Scans at once on the real /proc, with and
// without details (run with -race): walks share nothing.
func TestScanConcurrent(t *testing.T) {
	ln := startHolder(t, sleepPath(t), 3, 1)
	var wg sync.WaitGroup
	hs := make([]*Holders, 2)
	errs := make([]error, 2)
	for i := range hs {
		wg.Go(func() { hs[i], errs[i] = Scan(context.Background(), Options{Details: i == 0}) })
	}
	wg.Wait()
	for i, h := range hs {
		if errs[i] != nil {
			t.Fatalf("Scan %d: %v", i, errs[i])
		}
		socks := slices.Clone(ln.socks)
		h.Attribute(socks)
		for j := range socks {
			got := socks[j].Processes
			if len(got) != 1 || got[0].Info.PID != ln.pid || got[0].FD != ln.fds[j] || got[0].Info.Name != "sleep" {
				t.Errorf("Scan %d: socket %d: got %s, want pid %d fd %d", i, j, showProcs(got), ln.pid, ln.fds[j])
			}
		}
		if p := socks[0].Processes; len(p) == 1 && (len(p[0].Info.Cmdline) > 0) != (i == 0) {
			t.Errorf("Scan %d: details = %v, got %s", i, i == 0, showProcs(p))
		}
	}
}
