package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/exporter"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/trace"
)

// defaultPort is serve's port: one the Prometheus list of exporters'
// default ports leaves free (docs/serve.md says which list, and when).
const defaultPort = "10393"

// defaultListenAddress is where serve listens unless told: this machine
// only, as a scrape from elsewhere is a choice to make, with TLS and a
// password (--web.config.file).
const defaultListenAddress = "localhost:" + defaultPort

// serveFlags are serve's own flags.
type serveFlags struct {
	listen          []string
	webConfig, path string
	fields          string
	top, listeners  int
	cache           time.Duration
	trace           bool
}

// serveOptions are what serve was asked for, validated.
type serveOptions struct {
	Listen    []string
	WebConfig string
	Path      string
	Fields    *regexp.Regexp
	Top       int
	Listeners int
	Cache     time.Duration
	// Trace counts connections as trace sees them.
	Trace bool
}

// serveRequest validates serve's own flags: bounds of the labels, the
// counters' expression, and the web configuration file, which is read
// now so that a bad one is refused before anything listens.
func serveRequest(in requestInput, req *listRequest, lang string) error {
	f := in.flags.serve
	if f.top < 1 {
		return flagErrorf(lang, "cli.err.serve.bound", "--processes.top", f.top)
	}
	if f.listeners < 1 {
		return flagErrorf(lang, "cli.err.serve.bound", "--listeners.max", f.listeners)
	}
	if f.cache < 0 {
		return flagErrorf(lang, "cli.err.serve.cache", f.cache)
	}
	if !strings.HasPrefix(f.path, "/") || f.path == "/" {
		return flagErrorf(lang, "cli.err.serve.path", f.path)
	}
	var listen []string
	for _, a := range f.listen {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			return flagErrorf(lang, "cli.err.serve.address", a)
		}
		listen = append(listen, a)
	}
	if len(listen) == 0 {
		return flagErrorf(lang, "cli.err.serve.address", strings.Join(f.listen, ","))
	}
	expr := f.fields
	if expr == "" {
		// The default is long: help names it rather than printing it.
		expr = exporter.DefaultFields
	}
	fields, err := regexp.Compile(expr)
	if err != nil {
		return flagErrorf(lang, "cli.err.serve.fields", f.fields, err)
	}
	if f.webConfig != "" {
		if err := web.Validate(f.webConfig); err != nil {
			return flagErrorf(lang, "cli.err.serve.webconfig", f.webConfig, oneLineErr(err))
		}
	}
	// Owners by name only: the per-program metrics need no exe or
	// command line.
	req.Details = false
	req.Serve = serveOptions{
		Listen: listen, WebConfig: f.webConfig, Path: f.path, Fields: fields,
		Top: f.top, Listeners: f.listeners, Cache: f.cache, Trace: f.trace,
	}
	return nil
}

func oneLineErr(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}

// serveRun serves the metrics of the sockets req chooses until ctx ends.
// A listen address that cannot be bound is a runtime failure (exit 1).
func serveRun(ctx context.Context, f *Factory, req *listRequest) error {
	if ctx == nil {
		ctx = context.Background()
	}
	exp, closeExp, err := f.newExporter(req)
	if err != nil {
		return err
	}
	defer closeExp()
	if counters := exp.Connections(); counters != nil {
		// The connections between scrapes, counted as they happen.
		treq := *req
		treq.Filter.Protos = sockets.ProtoSet(0).With(sockets.TCP)
		go func() {
			r, why := openTracer(&treq)
			_, err := f.traceEvents(ctx, &treq, r, why, traceSink{
				start: func() {},
				idle:  func() {},
				event: func(ev *trace.Event) { counters.Add(ev.Kind.String(), ev.Owner.Comm, ev.Remote.Port()) },
			})
			if err != nil {
				f.note("sockscope: serve --trace: " + err.Error())
			}
		}()
	}

	own := prometheus.NewRegistry()
	own.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle(req.Serve.Path, exporter.ScrapeHandler(exp, own))
	if req.Serve.Path != "/" {
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name:        "sockscope",
			Description: "Sockets, their owners and the kernel's protocol counters, for Prometheus",
			Version:     versionString(),
			Links:       []web.LandingLinks{{Address: req.Serve.Path, Text: "Metrics"}},
		})
		if err != nil {
			return err
		}
		mux.Handle("/", landing)
	}

	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for _, addr := range req.Serve.Listen {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		listeners = append(listeners, l)
		f.note(fmt.Sprintf("sockscope: serving %s on %s", req.Serve.Path, l.Addr()))
	}
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	logger := slog.New(slog.NewTextHandler(f.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	systemd := false
	flags := &web.FlagConfig{WebListenAddresses: &req.Serve.Listen, WebSystemdSocket: &systemd, WebConfigFile: &req.Serve.WebConfig}
	done := make(chan error, 1)
	go func() { done <- web.ServeMultiple(listeners, server, flags, logger) }()
	select {
	case err := <-done:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		server.Shutdown(sctx)
		<-done
		return nil
	}
}

// newExporter builds the exporter of req: a sampler of its sockets with
// their owners, the protocol counters and the kernel's limits, of this
// process's namespace or, with --netns or --all-netns, of each chosen
// namespace (found again at each reading, so that a container started
// later is seen).
func (f *Factory) newExporter(req *listRequest) (*exporter.Exporter, func(), error) {
	opts := sockets.SourceOptions{Kind: req.Source}
	src, nsl, err := f.listSource(req, opts)
	if err != nil {
		return nil, nil, err
	}
	c := f.collector(src)
	sampler := collect.NewSampler(c, req.query())
	cfg := exporter.Config{
		Owners:    req.Owners && f.Attribute != nil,
		Fields:    req.Serve.Fields,
		Top:       req.Serve.Top,
		Listeners: req.Serve.Listeners,
		CacheFor:  req.Serve.Cache,
		PageSize:  os.Getpagesize(),
	}
	cfg.Version, cfg.Revision = buildVersion()
	if req.Serve.Trace {
		cfg.Connections = exporter.NewConnCounters()
	}
	if cfg.CacheFor == 0 {
		cfg.CacheFor = -1
	}
	perNS := req.NetNS != "" || req.AllNetNS
	if perNS {
		// nsl is replaced by each reading, before the reading's metrics
		// ask for names (readings are one at a time).
		cfg.Namespace = func(inode uint64) (string, string) {
			if l := nsl.lookup(inode); l != nil {
				return l.Name, l.Container.Name
			}
			return "", ""
		}
	}
	cfg.Sockets = func(ctx context.Context) (collect.Snapshot, error) {
		if perNS {
			if s, l, err := f.rescanNamespaces(req, opts); err == nil {
				c.Source, nsl = s, l
			}
		}
		return sampler.Sample(ctx)
	}
	if f.Views.Stats != nil {
		cfg.Counters = func() (*netstats.Snapshot, error) { return f.Views.Stats() }
		if perNS {
			cfg.Counters = nil
			cfg.NSCounters = func() ([]exporter.NSCounters, error) { return f.nsCounters(nsl) }
		}
	}
	if f.Limits != nil {
		cfg.Limits = f.Limits
	}
	return exporter.New(cfg), func() { sampler.Close() }, nil
}

// rescanNamespaces finds the namespaces req chooses again, quietly (what
// cannot be seen was said at start), and returns a source of them.
func (f *Factory) rescanNamespaces(req *listRequest, opts sockets.SourceOptions) (sockets.Source, *nsListing, error) {
	nss, _, err := f.Namespaces(req.NetNS, req.AllNetNS)
	if err != nil {
		return nil, nil, err
	}
	return f.namespaceSource(req, opts, nss), f.describe(nss), nil
}

// nsCounters reads the protocol counters of every namespace of l.
func (f *Factory) nsCounters(l *nsListing) ([]exporter.NSCounters, error) {
	out := make([]exporter.NSCounters, 0, len(l.nss))
	var errList []error
	for i := range l.nss {
		ns := &l.nss[i]
		snap, err := readCountersIn(ns)
		if err != nil {
			errList = append(errList, err)
		}
		if snap != nil {
			out = append(out, exporter.NSCounters{NetNS: ns.Inode, Snapshot: snap})
		}
	}
	return out, errors.Join(errList...)
}

// buildVersion returns the version and VCS revision sockscope was built
// from, for sockscope_build_info.
func buildVersion() (v, rev string) {
	v = version
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v, ""
	}
	if v == "" {
		v = bi.Main.Version
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			rev = s.Value
		}
	}
	return v, rev
}
