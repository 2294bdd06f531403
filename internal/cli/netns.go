package cli

import (
	"errors"
	"os"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/containers"
	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/netns"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/sockets"
)

// Namespaces finds the network namespaces a listing reads: the one value
// names (--netns: an ip netns name, a path, or a PID), or every one on
// the machine (all). warnings are the namespaces, or processes, it could
// not see; err is a bad value (errors.Is errs.ErrInvalid) or a failure.
type Namespaces func(value string, all bool) (nss []netns.NetNS, warnings []error, err error)

// nsListing is what --netns or --all-netns chose: the namespaces, and
// what a listing says of each.
type nsListing struct {
	nss  []netns.NetNS
	info map[uint64]*netns.Label
}

// lookup describes the namespace of inode, nil if the listing has none.
// The tables, JSON and the filter language all read it.
func (l *nsListing) lookup(inode uint64) *netns.Label { return l.info[inode] }

// listSource returns the source of a listing: f.Source's for this
// process's namespace, or, with --netns or --all-netns, one that dumps
// each chosen namespace from inside it, and what the listing says of
// them. What cannot be seen is noted on stderr (namespaceNotes); a
// --netns value that names none is bad input.
func (f *Factory) listSource(req *listRequest, opts sockets.SourceOptions) (sockets.Source, *nsListing, error) {
	lang := req.Render.Lang
	if req.NetNS == "" && !req.AllNetNS {
		src, err := f.Source(opts)
		if err != nil {
			return nil, nil, sourceError(lang, opts.Kind, err)
		}
		var l *nsListing
		if req.plan != nil && req.plan.NeedsNamespaces && f.Namespaces != nil {
			// netns = NAME, pod, image ... name this process's
			// namespace too, though it is listed as it always is.
			if nss, _, err := f.Namespaces(strconv.Itoa(os.Getpid()), false); err == nil {
				l = f.describe(nss)
				req.plan.Namespace = l.lookup
			}
		}
		return src, l, nil
	}
	nss, err := f.chosenNamespaces(req)
	if err != nil {
		return nil, nil, err
	}
	src := f.namespaceSource(req, opts, nss)
	l := f.describe(nss)
	if req.plan != nil {
		req.plan.Namespace = l.lookup
	}
	return src, l, nil
}

// namespaceSource returns a source that dumps each of nss from inside it.
func (f *Factory) namespaceSource(req *listRequest, opts sockets.SourceOptions, nss []netns.NetNS) sockets.Source {
	if req.AllNetNS && req.Filter.States == 0 {
		// The kernel finds bound-inactive TCP sockets by a walk of the
		// machine-wide bind table, once per namespace and family (some
		// 12 ms each at 100k sockets): over every namespace that walk
		// would cost more than all the rest. They are listed when a
		// state filter names them (docs/netns.md).
		req.Filter.States = sockets.AllStates &^ (1 << sockets.BoundInactive)
	}
	record := opts.Record
	opts.Record = "" // one namespace's dumps would overwrite another's
	if len(nss) == 1 {
		opts.Record = record
	}
	return netns.NewSource(nss, netns.SourceOptions{
		New: func() (sockets.Source, error) { return f.Source(opts) },
		Proc: func(dir string) (sockets.Source, error) {
			o := opts
			o.Kind, o.ProcNet = "proc", dir
			return f.Source(o)
		},
	})
}

// chosenNamespaces finds what --netns or --all-netns chose, and notes on
// stderr what it could not see. A value that names no namespace is bad
// input.
func (f *Factory) chosenNamespaces(req *listRequest) ([]netns.NetNS, error) {
	lang := req.Render.Lang
	if f.Namespaces == nil {
		return nil, errors.New(i18n.T(lang, "cli.err.netns.unsupported"))
	}
	nss, warnings, err := f.Namespaces(req.NetNS, req.AllNetNS)
	switch {
	case errors.Is(err, errs.ErrInvalid):
		return nil, &FlagError{Err: err}
	case err != nil:
		return nil, err
	}
	for _, line := range f.namespaceNotes(warnings, lang) {
		f.note(i18n.T(lang, "cli.warning", line))
	}
	return nss, nil
}

// describe names the namespaces nss, and the containers they belong to.
func (f *Factory) describe(nss []netns.NetNS) *nsListing {
	l := &nsListing{nss: nss, info: make(map[uint64]*netns.Label, len(nss))}
	var resolve *containers.Resolver
	if f.Containers != nil {
		resolve = f.Containers()
	}
	for i := range nss {
		ns := &nss[i]
		info := &netns.Label{Name: ns.Name}
		if resolve != nil {
			if c, ok := resolve.OfNamespace(ns.PIDs); ok {
				info.Container = c
				// The container's name says more than a name its
				// runtime made up (podman's netns-UUID) or pid:N; a
				// name someone gave with ip netns stays.
				if ns.IPName == "" || ns.Runtime != "" {
					info.Name = c.NetnsLabel()
				}
			}
		}
		l.info[ns.Inode] = info
	}
	return l
}

// nsCounters polls the protocol counters of one namespace; inode and
// name say which, in a listing of several (zero and "" otherwise).
type nsCounters struct {
	*collect.CounterPoller
	inode uint64
	name  string
}

// statsCounters returns what polls the protocol counters of -s: this
// process's namespace's; with --netns, those of that namespace (read from
// the net directory of one of its processes, or from inside it); with
// --all-netns, those of every namespace, each named.
func (f *Factory) statsCounters(req *listRequest) ([]nsCounters, error) {
	if req.NetNS == "" && !req.AllNetNS {
		return []nsCounters{{CounterPoller: collect.NewCounterPoller(f.Views.Stats)}}, nil
	}
	nss, err := f.chosenNamespaces(req)
	if err != nil {
		return nil, err
	}
	var l *nsListing
	if req.AllNetNS { // names only matter among several
		l = f.describe(nss)
	}
	out := make([]nsCounters, len(nss))
	for i := range nss {
		ns := &nss[i]
		out[i].CounterPoller = collect.NewCounterPoller(func() (*netstats.Snapshot, error) { return readCountersIn(ns) })
		if l != nil {
			out[i].inode, out[i].name = ns.Inode, l.info[ns.Inode].Name
		}
	}
	return out, nil
}

// readCountersIn reads the protocol counters of namespace ns (from the
// net directory of one of its processes, or from inside it).
func readCountersIn(ns *netns.NetNS) (*netstats.Snapshot, error) {
	var snap *netstats.Snapshot
	err := netns.WithNetDir(ns, func(dir string) error {
		var err error
		snap, err = netstats.Read(dir)
		return err
	})
	return snap, err
}

// namespaceNotes returns the lines that say what errs could not see: each
// error as it is, but the namespaces that could not be read in one line
// that names them (a listing of every namespace without privilege would
// give one per namespace), with the advice to run as root where that
// would help.
func (f *Factory) namespaceNotes(errs []error, lang string) []string {
	var lines, names []string
	var first error
	for _, e := range errs {
		var ne *netns.Error
		var he *netns.HiddenError
		switch {
		case errors.As(e, &he) && !f.Privileged:
			lines = append(lines, e.Error()+i18n.T(lang, "cli.netns.sudo"))
			continue
		case !errors.As(e, &ne):
			lines = append(lines, e.Error())
			continue
		}
		if first == nil {
			first = e
		}
		names = append(names, ne.NS.String())
	}
	switch len(names) {
	case 0:
		return lines
	case 1:
		lines = append(lines, first.Error())
	default:
		shown := names
		if len(shown) > 5 {
			shown = append(shown[:5:5], "…")
		}
		var ne *netns.Error
		errors.As(first, &ne)
		lines = append(lines, i18n.T(lang, "cli.netns.unread", len(names), strings.Join(shown, ", "), ne.Err))
	}
	if !f.Privileged {
		lines[len(lines)-1] += i18n.T(lang, "cli.netns.sudo")
	}
	return lines
}
