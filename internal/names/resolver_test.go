package names

import (
	"context"
	"maps"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// No test here touches the network: every Resolver gets an injected Lookup.

// fakeDNS is an injectable Lookup that counts calls and in-flight lookups
// and answers from a function of the address.
type fakeDNS struct {
	answer func(ctx context.Context, addr string) ([]string, error)

	mu       sync.Mutex
	asked    []string
	inFlight int
	maxIn    int
	calls    atomic.Int64
}

func (f *fakeDNS) lookup(ctx context.Context, addr string) ([]string, error) {
	f.calls.Add(1)
	f.mu.Lock()
	f.asked = append(f.asked, addr)
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	return f.answer(ctx, addr)
}

func (f *fakeDNS) maxInFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxIn
}

// named answers "host-<addr>.example." (with the trailing dot a real PTR
// answer has).
func named(_ context.Context, addr string) ([]string, error) {
	return []string{"host-" + addr + ".example."}, nil
}

// stalling answers after d, or fails when ctx ends first.
func stalling(d time.Duration) func(context.Context, string) ([]string, error) {
	return func(ctx context.Context, addr string) ([]string, error) {
		select {
		case <-time.After(d):
			return named(ctx, addr)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func newResolver(f *fakeDNS, budget time.Duration, concurrency int) *Resolver {
	return &Resolver{Budget: budget, Concurrency: concurrency, Lookup: f.lookup}
}

// testAddr returns 10.0.x.y for i.
func testAddr(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}) }

func testAddrs(from, to int) []netip.Addr {
	var a []netip.Addr
	for i := from; i < to; i++ {
		a = append(a, testAddr(i))
	}
	return a
}

func wantName(a netip.Addr) string { return "host-" + a.String() + ".example" }

func TestResolveBudgetNotSerial(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // ends the lookups left running in the background
	f := &fakeDNS{answer: stalling(5 * time.Second)}
	const budget = 500 * time.Millisecond
	r := newResolver(f, budget, 32)

	start := time.Now()
	got := r.Resolve(ctx, testAddrs(0, 200))
	elapsed := time.Since(start)

	if len(got) != 0 {
		t.Errorf("got %d names from lookups that all stall", len(got))
	}
	if elapsed < budget-10*time.Millisecond || elapsed > budget+250*time.Millisecond {
		t.Errorf("Resolve took %v, want about the %v budget", elapsed, budget)
	}
	if n := f.calls.Load(); n != 32 {
		t.Errorf("%d lookups started, want 32: one per slot, none after the budget", n)
	}
}

func TestResolveFastAndSlow(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fast, slow := testAddrs(0, 100), testAddrs(1000, 1010)
	slowSet := make(map[string]bool)
	for _, a := range slow {
		slowSet[a.String()] = true
	}
	f := &fakeDNS{answer: func(ctx context.Context, addr string) ([]string, error) {
		if slowSet[addr] {
			return stalling(5*time.Second)(ctx, addr)
		}
		return named(ctx, addr)
	}}
	const budget = 300 * time.Millisecond
	r := newResolver(f, budget, 32)

	// Slow addresses first, so that they hold slots while the fast ones run.
	start := time.Now()
	got := r.Resolve(ctx, append(slices.Clone(slow), fast...))
	if elapsed := time.Since(start); elapsed > budget+250*time.Millisecond {
		t.Errorf("Resolve took %v, budget %v", elapsed, budget)
	}
	for _, a := range fast {
		if got[a] != wantName(a) {
			t.Errorf("%v: got %q, want %q", a, got[a], wantName(a))
		}
	}
	for _, a := range slow {
		if name, ok := got[a]; ok {
			t.Errorf("%v: got %q from a lookup that missed the budget", a, name)
		}
	}
	if len(got) != len(fast) {
		t.Errorf("got %d names, want %d", len(got), len(fast))
	}
}

func TestResolveReturnsEarly(t *testing.T) {
	f := &fakeDNS{answer: named}
	r := newResolver(f, 10*time.Second, 0)
	start := time.Now()
	got := r.Resolve(context.Background(), testAddrs(0, 300))
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("Resolve took %v with every answer immediate", elapsed)
	}
	if len(got) != 300 {
		t.Errorf("got %d names, want 300", len(got))
	}
	if cap(r.sem) != defaultConcurrency {
		t.Errorf("Concurrency 0 gave %d slots, want %d", cap(r.sem), defaultConcurrency)
	}
}

func TestResolveSingleflight(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := make(chan struct{})
	f := &fakeDNS{answer: func(ctx context.Context, addr string) ([]string, error) {
		select {
		case <-release:
			return named(ctx, addr)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}}
	const n = 8
	addrs := testAddrs(0, n)
	r := newResolver(f, 30*time.Millisecond, 2*n)

	// The first call misses its budget; its lookups go on in the background.
	if got := r.Resolve(ctx, addrs); len(got) != 0 {
		t.Fatalf("first call got %v before any answer", got)
	}
	// The second call must join those lookups, not start its own.
	r.Budget = 5 * time.Second
	done := make(chan map[netip.Addr]string)
	go func() { done <- r.Resolve(ctx, addrs) }()
	for len(r.sem) < 2*n { // both calls hold a slot per address
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // from slot to DoChan is microseconds
	close(release)
	got := <-done

	if calls := f.calls.Load(); calls != n {
		t.Errorf("%d lookups for %d addresses asked twice", calls, n)
	}
	for _, a := range addrs {
		if got[a] != wantName(a) {
			t.Errorf("%v: got %q, want %q", a, got[a], wantName(a))
		}
	}
}

func TestResolveDedup(t *testing.T) {
	f := &fakeDNS{answer: named}
	r := newResolver(f, time.Second, 4)
	a := netip.MustParseAddr("192.0.2.1")
	mapped := netip.MustParseAddr("::ffff:192.0.2.1")
	zoned := netip.MustParseAddr("fe80::1%eth0")
	got := r.Resolve(context.Background(), []netip.Addr{a, a, mapped, zoned, a})

	want := map[netip.Addr]string{
		a:      "host-192.0.2.1.example",
		mapped: "host-192.0.2.1.example", // keyed as given, looked up unmapped
		zoned:  "host-fe80::1.example",   // looked up without the zone
	}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	slices.Sort(f.asked)
	if want := []string{"192.0.2.1", "fe80::1"}; !slices.Equal(f.asked, want) {
		t.Errorf("asked %q, want %q", f.asked, want)
	}
}

func TestResolveConcurrencyLimit(t *testing.T) {
	f := &fakeDNS{answer: func(ctx context.Context, addr string) ([]string, error) {
		time.Sleep(10 * time.Millisecond)
		return named(ctx, addr)
	}}
	const limit = 8
	r := newResolver(f, 5*time.Second, limit)

	// Two calls at once share the limit.
	var wg sync.WaitGroup
	results := make([]map[netip.Addr]string, 2)
	for i := range results {
		wg.Go(func() { results[i] = r.Resolve(context.Background(), testAddrs(i*100, i*100+60)) })
	}
	wg.Wait()

	if m := f.maxInFlight(); m > limit {
		t.Errorf("%d lookups in flight, limit %d", m, limit)
	} else if m < limit/2 {
		t.Errorf("at most %d lookups in flight; the limit of %d was never used", m, limit)
	}
	for i, got := range results {
		if len(got) != 60 {
			t.Errorf("call %d: got %d names, want 60", i, len(got))
		}
	}
}

func TestResolveSpecialAddresses(t *testing.T) {
	f := &fakeDNS{answer: named}
	r := newResolver(f, time.Second, 4)
	addrs := []netip.Addr{
		{}, // the zero Addr
		netip.IPv4Unspecified(),
		netip.IPv6Unspecified(),
		netip.MustParseAddr("::ffff:0.0.0.0"),
		netip.MustParseAddr("127.0.0.1"),
		netip.MustParseAddr("::1"),
		netip.MustParseAddr("::ffff:127.0.0.1"),
		netip.MustParseAddr("::1%lo"),
	}
	got := r.Resolve(context.Background(), addrs)
	want := map[netip.Addr]string{}
	for _, a := range addrs[4:] {
		want[a] = "localhost"
	}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if len(f.asked) != 0 {
		t.Errorf("looked up %q", f.asked)
	}
	if got := r.Resolve(context.Background(), nil); len(got) != 0 {
		t.Errorf("Resolve(nil) = %v", got)
	}
}

func TestResolveNames(t *testing.T) {
	answers := map[string][]string{
		"10.0.0.1": {"a.example.", "b.example."},       // the first wins
		"10.0.0.2": {"", ".", "c.example."},            // empty ones are skipped
		"10.0.0.3": {"evil\x1b[2J.example.", "d.test"}, // so are unprintable ones
		"10.0.0.4": {"bad name.example."},              // and ones with blanks
		"10.0.0.5": {},                                 // no answer, no error
	}
	f := &fakeDNS{answer: func(_ context.Context, addr string) ([]string, error) {
		return answers[addr], nil
	}}
	r := newResolver(f, time.Second, 4)
	got := r.Resolve(context.Background(), testAddrs(1, 6))
	want := map[netip.Addr]string{
		testAddr(1): "a.example",
		testAddr(2): "c.example",
		testAddr(3): "d.test",
	}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
