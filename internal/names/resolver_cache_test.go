package names

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"
)

func TestResolveCache(t *testing.T) {
	notFound, servFail, found := testAddr(1), testAddr(2), testAddr(3)
	f := &fakeDNS{answer: func(ctx context.Context, addr string) ([]string, error) {
		switch addr {
		case notFound.String():
			return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
		case servFail.String():
			return nil, &net.DNSError{Err: "server misbehaving", Name: addr, IsTemporary: true}
		}
		return named(ctx, addr)
	}}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := newResolver(f, time.Second, 4)
	r.now = func() time.Time { return clock }
	addrs := []netip.Addr{notFound, servFail, found}
	ctx := context.Background()

	want := map[netip.Addr]string{found: wantName(found)}
	resolve := func(step string, wantCalls int64) {
		t.Helper()
		before := f.calls.Load()
		got := r.Resolve(ctx, addrs)
		if len(got) != 1 || got[found] != want[found] {
			t.Errorf("%s: got %v, want %v", step, got, want)
		}
		if n := f.calls.Load() - before; n != wantCalls {
			t.Errorf("%s: %d lookups, want %d", step, n, wantCalls)
		}
	}
	resolve("first call", 3)
	resolve("second call: all cached, failures too", 0)
	clock = clock.Add(failureTTL + time.Second)
	resolve("after the failure TTL", 1)
	clock = clock.Add(notFoundTTL)
	resolve("after the not-found TTL", 2)
	clock = clock.Add(positiveTTL)
	resolve("after the positive TTL", 3)
}

func TestResolveBackgroundCompletion(t *testing.T) {
	f := &fakeDNS{answer: stalling(150 * time.Millisecond)}
	r := newResolver(f, 20*time.Millisecond, 4)
	a := testAddrs(0, 3)
	if got := r.Resolve(context.Background(), a); len(got) != 0 {
		t.Fatalf("first call got %v", got)
	}
	// The lookups finish after the first call returned, and are cached.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && r.cacheLen() < len(a) {
		time.Sleep(10 * time.Millisecond)
	}
	got := r.Resolve(context.Background(), a)
	if len(got) != len(a) {
		t.Errorf("second call got %v, want all %d names", got, len(a))
	}
	if n := f.calls.Load(); n != int64(len(a)) {
		t.Errorf("%d lookups, want %d", n, len(a))
	}
}

func TestResolveCallerCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &fakeDNS{answer: stalling(5 * time.Second)}
	r := newResolver(f, 5*time.Second, 4)
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	if got := r.Resolve(ctx, testAddrs(0, 3)); len(got) != 0 {
		t.Errorf("got %v", got)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("Resolve took %v after its context was cancelled", elapsed)
	}
	// The cancelled lookups end and teach the cache nothing.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && len(r.sem) > 0 {
		time.Sleep(5 * time.Millisecond)
	}
	if n := r.cacheLen(); n != 0 {
		t.Errorf("%d cache entries after a cancelled call", n)
	}
}

func TestCacheBounded(t *testing.T) {
	r := &Resolver{Lookup: (&fakeDNS{answer: named}).lookup}
	r.init()
	expires := r.now().Add(time.Hour)
	for i := range maxCacheEntries + 10 {
		var b [16]byte
		b[0], b[14], b[15] = 0x20, byte(i>>8), byte(i)
		b[13] = byte(i >> 16)
		r.store(netip.AddrFrom16(b), cacheEntry{name: "x", expires: expires})
	}
	if n := r.cacheLen(); n > maxCacheEntries {
		t.Errorf("cache holds %d entries, limit %d", n, maxCacheEntries)
	}
}

func (r *Resolver) cacheLen() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.cache)
}

func BenchmarkResolveCached(b *testing.B) {
	r := newResolver(&fakeDNS{answer: named}, time.Second, 0)
	addrs := testAddrs(0, 1000)
	r.Resolve(context.Background(), addrs)
	b.ReportAllocs()
	for b.Loop() {
		r.Resolve(context.Background(), addrs)
	}
}
