package exporter

import (
	"context"
	"errors"
	"regexp"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"golang.org/x/sync/singleflight"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/summary"
)

// Defaults of Config's bounds.
const (
	DefaultTop       = 20
	DefaultListeners = 100
	DefaultCacheFor  = 500 * time.Millisecond
	DefaultTimeout   = 10 * time.Second
)

// DefaultFields is the default of Config.Fields: the counters the rules
// and the dashboard use, and the ones node_exporter publishes by default
// (its --collector.netstat.fields), matched against "Group_Counter".
const DefaultFields = `^(.*_(InErrors|InErrs|InCsumErrors)` +
	`|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)` +
	`|Tcp_(ActiveOpens|PassiveOpens|AttemptFails|EstabResets|CurrEstab|InSegs|OutSegs|RetransSegs|OutRsts)` +
	`|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts|TCPOFOQueue|TCPRcvQDrop|TCPReqQFull.*|TCPTimeWaitOverflow|TCPAbortOn.*|TCPMemoryPressures|TW)` +
	`|Udp(6|Lite)?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$`

// Config says what an Exporter reads and how it bounds its labels.
type Config struct {
	// Sockets takes the snapshot of one scrape (a collect.Sampler's
	// Sample, with owners); nil publishes no socket metrics. It is
	// called by one scrape at a time.
	Sockets func(ctx context.Context) (collect.Snapshot, error)
	// Owners is true when Sockets attributes owners (the owners
	// collector and the per-program metrics are then published).
	Owners bool
	// Counters reads the protocol counters (netstats.Read); nil
	// publishes none.
	Counters func() (*netstats.Snapshot, error)
	// NSCounters reads the protocol counters of each namespace, in place
	// of Counters, when the exporter labels namespaces.
	NSCounters func() ([]NSCounters, error)
	// Limits reads the kernel's limits; nil publishes none.
	Limits func() (netstats.Limits, error)
	// Fields selects the counters published by "Group_Counter"; nil
	// publishes every one. Sockstat gauges are always published.
	Fields *regexp.Regexp
	// Top is how many programs get their own series (DefaultTop if 0);
	// Listeners how many listeners (DefaultListeners if 0).
	Top, Listeners int
	// Namespace names the network namespace of inode (and its container,
	// "" if none) for the netns and container labels; nil publishes no
	// such labels.
	Namespace func(inode uint64) (name, container string)
	// CacheFor is how long a reading is served again to later scrapes
	// (DefaultCacheFor if 0; negative: never).
	CacheFor time.Duration
	// Connections, if not nil, are the counters of connections trace
	// reports (serve --trace).
	Connections *ConnCounters
	// Version and Revision are sockscope_build_info's labels.
	Version, Revision string
	// PageSize turns sockstat's pages into bytes (os.Getpagesize()).
	PageSize int
}

// NSCounters are the protocol counters of one network namespace.
type NSCounters struct {
	NetNS    uint64
	Snapshot *netstats.Snapshot
}

// An Exporter is a prometheus.Collector of Config's readings. Its Collect
// reads (or reuses a fresh reading); ScrapeHandler serves it with the
// deadline Prometheus sends.
type Exporter struct {
	cfg    Config
	flight singleflight.Group

	mu   sync.Mutex
	last *reading

	// descs are the descriptors made so far, by name; single flight
	// makes readings one at a time, so one reading uses them at once.
	descs map[string]*prometheus.Desc
}

// reading is the metrics of one scrape's reading, shared by every scrape
// served from it.
type reading struct {
	metrics []prometheus.Metric
	done    time.Time

	// pages are the reading's page in each format asked for, encoded
	// once (ScrapeHandler): a hundred scrapes of one reading are
	// written from one encoding.
	pagesMu sync.Mutex
	pages   map[pageKey][]byte
}

// pageKey is a format of the page: its content type, and whether it is
// gzipped.
type pageKey struct {
	format expfmt.Format
	gzip   bool
}

// New returns an Exporter of cfg.
func New(cfg Config) *Exporter {
	if cfg.Top == 0 {
		cfg.Top = DefaultTop
	}
	if cfg.Listeners == 0 {
		cfg.Listeners = DefaultListeners
	}
	if cfg.CacheFor == 0 {
		cfg.CacheFor = DefaultCacheFor
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = 4096
	}
	return &Exporter{cfg: cfg, descs: make(map[string]*prometheus.Desc)}
}

// Connections returns the connection counters of Config (nil if none),
// for the caller that feeds them.
func (e *Exporter) Connections() *ConnCounters { return e.cfg.Connections }

// Describe sends nothing: the counters published depend on the kernel,
// so the Exporter is an unchecked collector.
func (e *Exporter) Describe(chan<- *prometheus.Desc) {}

// Collect reads (within DefaultTimeout) and sends the metrics.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	for _, m := range e.Metrics(ctx) {
		ch <- m
	}
}

// Metrics returns the metrics of a reading taken now, or of one taken
// within CacheFor, or of the one under way when the call is made
// (single flight). The reading ends by ctx's deadline; what did not
// finish is reported as a failed collector. The slice is shared: do not
// modify it.
func (e *Exporter) Metrics(ctx context.Context) []prometheus.Metric {
	return e.reading(ctx).metrics
}

// reading returns a fresh reading, or the one under way, as Metrics
// describes.
func (e *Exporter) reading(ctx context.Context) *reading {
	e.mu.Lock()
	if r := e.last; r != nil && e.cfg.CacheFor > 0 && time.Since(r.done) < e.cfg.CacheFor {
		e.mu.Unlock()
		return r
	}
	e.mu.Unlock()
	// The reading is shared: a scrape that goes away must not cancel the
	// others', so it runs until the first scrape's deadline only.
	rctx := context.WithoutCancel(ctx)
	cancel := func() {}
	if d, ok := ctx.Deadline(); ok {
		rctx, cancel = context.WithDeadline(rctx, d)
	}
	v, _, _ := e.flight.Do("reading", func() (any, error) {
		defer cancel()
		r := e.read(rctx)
		e.mu.Lock()
		e.last = r
		e.mu.Unlock()
		return r, nil
	})
	return v.(*reading)
}

// read takes one reading.
func (e *Exporter) read(ctx context.Context) *reading {
	b := &builder{e: e}
	b.gauge("sockscope_build_info", "A metric with a constant '1' value labelled by the version and revision of sockscope and the Go version it was built with.",
		1, []string{"version", "revision", "goversion"}, e.cfg.Version, e.cfg.Revision, runtime.Version())
	var limits netstats.Limits
	if e.cfg.Limits != nil {
		start := time.Now()
		var err error
		limits, err = e.cfg.Limits()
		b.limits(limits)
		b.part("limits", start, err == nil)
	}
	if e.cfg.Sockets != nil {
		e.readSockets(ctx, b, limits.Ephemeral)
	}
	switch {
	case e.cfg.NSCounters != nil:
		start := time.Now()
		all, err := e.cfg.NSCounters()
		for _, c := range all {
			b.counters(c.NetNS, c.Snapshot)
		}
		b.part("counters", start, err == nil)
	case e.cfg.Counters != nil:
		start := time.Now()
		snap, err := e.cfg.Counters()
		b.counters(0, snap)
		b.part("counters", start, err == nil)
	}
	if e.cfg.Connections != nil {
		e.cfg.Connections.metrics(b)
	}
	return &reading{metrics: b.metrics, done: time.Now()}
}

// readSockets takes the snapshot and adds its metrics.
func (e *Exporter) readSockets(ctx context.Context, b *builder, eph summary.PortRange) {
	start := time.Now()
	snap, err := e.cfg.Sockets(ctx)
	ok := err == nil && len(snap.Warnings.Partial) == 0
	if err != nil {
		// A snapshot that failed is not half-published: its gauges would
		// read as a sudden drop to zero.
		b.part("sockets", start, false)
		if e.cfg.Owners {
			b.part("owners", start, false)
		}
		return
	}
	st := countSockets(snap.Sockets, statsOptions{
		byNS: e.cfg.Namespace != nil, top: e.cfg.Top, listeners: e.cfg.Listeners, ephemeral: eph,
	})
	b.sockets(st, e.cfg.Owners)
	if e.cfg.Owners {
		b.gauge("sockscope_unattributed_sockets", "Sockets that may be held by a process whose files could not be read (give the exporter CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH).",
			float64(snap.Warnings.Unattributed), nil)
	}
	b.part("sockets", start, ok)
	if e.cfg.Owners {
		// Attribution runs inside the snapshot; its time is the
		// snapshot's.
		b.part("owners", start, snap.Warnings.Attribution == nil || errors.Is(snap.Warnings.Attribution, sockets.ErrUnsupported))
	}
}
