package cli

import (
	"time"

	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// watchOptions are how watch shows the sockets it chooses.
type watchOptions struct {
	// Interval is the time between two polls.
	Interval time.Duration
	// Color is false with NO_COLOR, TERM=dumb or --color=never: the view
	// then marks new, changed and closed rows with a character.
	Color bool
	// Expr is the filter expression of the command line, shown in the
	// view's filter line.
	Expr string
}

// killOptions are how kill closes the sockets it chooses.
type killOptions struct {
	// DryRun lists what would be closed and closes nothing; Yes closes
	// without asking.
	DryRun, Yes bool
}

// minInterval is the shortest refresh watch takes: a poll of a large
// machine takes tens of milliseconds, and faster rounds would only
// measure the tool itself.
const minInterval = 100 * time.Millisecond

// chooseRequest validates a command that chooses sockets as the listing
// does, to act on them (watch, kill): the listing's selection flags and
// a filter expression. Unlike the listing, it looks at sockets in every
// state unless told otherwise (TCPView shows listeners too), and it
// always needs the owners.
func chooseRequest(in requestInput, req *listRequest, proto, lang string) error {
	f := in.flags
	if !f.listening {
		f.all = true
	}
	if err := listFilter(in, req, proto, lang); err != nil {
		return err
	}
	if proto == "" && !f.tcp && !f.udp && !f.raw && !f.unix && !f.mptcp {
		// As the modern listing: unix sockets only when asked.
		req.Filter.Protos &^= sockets.ProtoSet(0).With(sockets.Unix)
	}
	if err := listExpression(in, req, lang); err != nil {
		return err
	}
	if req.Filter.States == 0 {
		// As ss -a: a TCP socket bound and never listening is no
		// connection to watch or close.
		req.Filter.States = sockets.AllStates &^ (1 << sockets.BoundInactive)
	}
	req.Owners, req.Details = true, true
	req.Render.Lang = f.lang
	req.Render.Protos = req.Filter.Protos
	switch req.View {
	case viewKill:
		return killRequest(in, req, lang)
	case viewServe:
		return serveRequest(in, req, lang)
	case viewDoctor:
		return doctorRequest(in, req, lang)
	case viewTrace:
		return traceRequest(in, req, lang)
	case viewRecord:
		return recordRequest(in, req, lang)
	case viewHistory:
		return historyRequest(in, req, lang)
	}
	return watchRequest(in, req, lang)
}

// watchRequest validates watch's own flags.
func watchRequest(in requestInput, req *listRequest, lang string) error {
	f := in.flags
	switch req.Render.Format {
	case render.Table, render.NDJSON:
	default:
		return flagErrorf(lang, "cli.err.watch.format", req.Render.Format)
	}
	if f.interval < minInterval {
		return flagErrorf(lang, "cli.err.watch.interval", f.interval)
	}
	// The view is always at a terminal and always modern: --color and
	// NO_COLOR, TERM=dumb decide as for a modern table there.
	color, err := colorOn(f.color, true, render.Options{Format: render.Table, Style: render.Modern}, in.getenv, lang)
	if err != nil {
		return err
	}
	req.Watch = watchOptions{Interval: f.interval, Color: color, Expr: req.exprText}
	req.Numeric = f.numeric
	return nil
}

// killRequest validates kill's own flags: it needs something that
// chooses, never closing every connection of a protocol.
func killRequest(in requestInput, req *listRequest, lang string) error {
	f := in.flags
	switch req.Render.Format {
	case render.Table, render.JSON:
	default:
		return flagErrorf(lang, "cli.err.kill.format", req.Render.Format)
	}
	if req.plan == nil && len(f.states) == 0 && len(req.Ports) == 0 && len(req.PIDs) == 0 && len(req.Programs) == 0 {
		return flagErrorf(lang, "cli.err.kill.nofilter")
	}
	req.Kill = killOptions{DryRun: f.dryRun, Yes: f.yes}
	return nil
}
