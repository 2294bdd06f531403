package names

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Defaults and limits of a Resolver.
const (
	defaultBudget      = time.Second
	defaultConcurrency = 32

	// lookupTimeout bounds one lookup, including the part that runs on
	// in the background after the budget of the call that started it.
	lookupTimeout = 10 * time.Second

	// How long an answer is cached. LookupAddr does not expose the DNS
	// TTL, so these are fixed: a name for an hour, "no such name" for ten
	// minutes, and any other failure (timeout, SERVFAIL, no network) for a
	// minute, so that a dead server is not asked again every interval.
	positiveTTL = time.Hour
	notFoundTTL = 10 * time.Minute
	failureTTL  = time.Minute

	// maxCacheEntries bounds the cache of a long-running live view.
	maxCacheEntries = 1 << 16
)

// Resolver does reverse DNS for many addresses at once, within a time
// budget. Set its fields before the first Resolve; the zero value is ready
// to use. A Resolver is safe for concurrent use and must not be copied
// after first use.
type Resolver struct {
	// Budget is the total wall time of a Resolve call; 0 means 1s.
	Budget time.Duration
	// Concurrency is the most lookups in flight at once, across all
	// calls; 0 means 32. It is read once, on first use.
	Concurrency int
	// Lookup does one reverse lookup; nil means
	// net.DefaultResolver.LookupAddr. Tests inject their own.
	Lookup func(ctx context.Context, addr string) ([]string, error)

	once  sync.Once
	sem   chan struct{} // one token per lookup in flight
	group singleflight.Group

	mu    sync.Mutex
	cache map[netip.Addr]cacheEntry // keyed by canonicalAddr

	now func() time.Time // time.Now; tests move the clock
}

type cacheEntry struct {
	name    string // "" caches a failure
	expires time.Time
}

func (r *Resolver) init() {
	r.once.Do(func() {
		n := r.Concurrency
		if n <= 0 {
			n = defaultConcurrency
		}
		r.sem = make(chan struct{}, n)
		r.cache = make(map[netip.Addr]cacheEntry)
		if r.now == nil {
			r.now = time.Now
		}
	})
}

// canonicalAddr is the form an address is looked up and cached under:
// IPv4-mapped IPv6 addresses as IPv4, without a zone.
func canonicalAddr(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

var (
	loopback4 = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	loopback6 = netip.IPv6Loopback()
)

// Resolve looks up the name of every distinct address in addrs, at most
// Concurrency at a time, and returns those it found within Budget or
// before ctx ends, keyed by the addresses as given. Addresses that failed,
// have no name or missed the budget are absent: the caller prints them
// numerically. Names lose their trailing dot.
//
// The unspecified addresses are never looked up, and 127.0.0.1 and ::1
// (also IPv4-mapped or zoned) are "localhost" without a query. Answers,
// failures included, are cached across calls. A lookup that misses the
// budget keeps running until it ends or ctx is done, and its answer is
// cached for the next call; addresses that had not started by then are
// not looked up.
func (r *Resolver) Resolve(ctx context.Context, addrs []netip.Addr) map[netip.Addr]string {
	r.init()
	found := make(map[netip.Addr]string, len(addrs)) // canonical address → name, "" for none
	var misses []netip.Addr                          // canonical, distinct, in input order

	now := r.now()
	r.mu.Lock()
	for _, a := range addrs {
		c := canonicalAddr(a)
		if !c.IsValid() || c.IsUnspecified() {
			continue
		}
		if _, seen := found[c]; seen {
			continue
		}
		if c == loopback4 || c == loopback6 {
			found[c] = "localhost"
			continue
		}
		if e, ok := r.cache[c]; ok && now.Before(e.expires) {
			found[c] = e.name
			continue
		}
		found[c] = ""
		misses = append(misses, c)
	}
	r.mu.Unlock()

	if len(misses) > 0 {
		budget := r.Budget
		if budget <= 0 {
			budget = defaultBudget
		}
		bctx, cancel := context.WithTimeout(ctx, budget)
		defer cancel()
		for a, name := range r.resolveMisses(ctx, bctx, misses) {
			found[a] = name
		}
	}

	out := make(map[netip.Addr]string, len(found))
	for _, a := range addrs {
		if name := found[canonicalAddr(a)]; name != "" {
			out[a] = name
		}
	}
	return out
}

type answer struct {
	addr netip.Addr
	name string
}

// resolveMisses looks up misses, starting each as a slot frees up, until
// bctx (the budget) ends, and returns the answers that came back in time.
// The lookups themselves run under ctx, not bctx.
func (r *Resolver) resolveMisses(ctx, bctx context.Context, misses []netip.Addr) map[netip.Addr]string {
	answers := make(chan answer, len(misses)) // never blocks a late lookup
	started := 0
launch:
	for _, a := range misses {
		select {
		case r.sem <- struct{}{}:
		case <-bctx.Done():
			break launch
		}
		started++
		// The slot is held until the answer is in, whether this call runs
		// the lookup or joins one already in flight, so the lookups in
		// flight never outnumber the slots. A joined lookup runs under the
		// ctx of the call that started it: if that caller gives up, the
		// joiners get no name this time, and nothing is cached.
		ch := r.group.DoChan(a.String(), func() (any, error) {
			return r.lookup(ctx, a), nil
		})
		go func() {
			res := <-ch
			<-r.sem
			name, _ := res.Val.(string)
			answers <- answer{a, name}
		}()
	}

	got := make(map[netip.Addr]string, started)
	for range started {
		select {
		case ans := <-answers:
			got[ans.addr] = ans.name
		case <-bctx.Done():
			return got
		}
	}
	return got
}

// lookup does one reverse lookup of a, caches the answer and returns the
// name, "" if none. It runs under ctx but not under the budget, and for at
// most lookupTimeout.
func (r *Resolver) lookup(ctx context.Context, a netip.Addr) string {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()

	fn := r.Lookup
	if fn == nil {
		fn = net.DefaultResolver.LookupAddr
	}
	names, err := fn(lctx, a.String())
	name := pickName(names)

	ttl := positiveTTL
	switch {
	case name != "":
	case errors.Is(lctx.Err(), context.Canceled):
		return "" // the caller gave up; nothing was learned
	case err == nil || isNotFound(err):
		ttl = notFoundTTL
	default:
		ttl = failureTTL
	}
	r.store(a, cacheEntry{name: name, expires: r.now().Add(ttl)})
	return name
}

func isNotFound(err error) bool {
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) && dnsErr.IsNotFound
}

// pickName returns the first printable name without its trailing dot, or
// "".
func pickName(names []string) string {
	for _, n := range names {
		n = strings.TrimSuffix(n, ".")
		if n != "" && validName([]byte(n)) && !strings.ContainsAny(n, " \t") {
			return n
		}
	}
	return ""
}

// store caches one answer, first making room if the cache is full: expired
// entries go, and if none had expired, an arbitrary eighth of the rest.
func (r *Resolver) store(a netip.Addr, e cacheEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.cache[a]; !ok && len(r.cache) >= maxCacheEntries {
		now := r.now()
		for k, v := range r.cache {
			if !now.Before(v.expires) {
				delete(r.cache, k)
			}
		}
		for k := range r.cache {
			if len(r.cache) < maxCacheEntries-maxCacheEntries/8 {
				break
			}
			delete(r.cache, k)
		}
	}
	r.cache[a] = e
}
