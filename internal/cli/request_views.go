package cli

import (
	"errors"

	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/statsview"
	"github.com/sockscope/sockscope/internal/summary"
)

// summaryRequest sets what summary counts (every state unless --state
// says otherwise, as list -a) and how it shows it.
func summaryRequest(in requestInput, req *listRequest, proto, lang string) error {
	f := in.flags
	f.all = true
	if err := listFilter(in, req, proto, lang); err != nil {
		return err
	}
	if proto == "" && !f.tcp && !f.udp && !f.raw && !f.unix && !f.mptcp && !f.v4 && !f.v6 {
		// Every socket, in every format: the table counts what JSON does
		// (the modern listing's default leaves unix sockets out).
		req.Filter.Protos = sockets.AllProtos &^ sockets.ProtoSet(0).With(sockets.MPTCP)
	}
	req.Render.Lang = in.flags.lang
	req.Owners, req.Details = true, true
	req.Summary = summary.Options{Format: req.Render.Format, Top: in.flags.top}
	if err := req.Summary.Validate(); err != nil {
		var oe *summary.OptionError
		if errors.As(err, &oe) && oe.Field == "top" {
			return flagErrorf(lang, "cli.err.top", oe.Value)
		}
		return flagErrorf(lang, "cli.err.summary.format", req.Render.Format)
	}
	return nil
}

// statsOptions sets req.Stats from -p, -t -u -w, -4 -6 and --nonzero, and
// refuses a selection that selects no counter ("-s -6 -p tcp").
func statsOptions(req *listRequest, f *listFlags, lang string) error {
	o := &req.Stats
	o.Style, o.Format, o.Lang, o.NonZero = req.Render.Style, req.Render.Format, req.Render.Lang, f.nonzero
	if req.ViewProtos != "" {
		var err error
		if o.Protos, err = statsview.ParseProtos(req.ViewProtos); err != nil {
			return statsProtoError(lang, err)
		}
	}
	for _, k := range []struct {
		on   bool
		kind statsview.Kinds
	}{{f.tcp, statsview.KindTCP}, {f.udp, statsview.KindUDP}, {f.raw, statsview.KindRaw}} {
		if k.on {
			o.Kinds |= k.kind
		}
	}
	if f.v4 {
		o.Families |= statsview.FamilyV4
	}
	if f.v6 {
		o.Families |= statsview.FamilyV6
	}
	if o.SelectsNothing() {
		return flagErrorf(lang, "cli.err.stats.nothing")
	}
	return nil
}

// view is what a command shows: the socket listing or another netstat view.
type view int

const (
	viewList     view = iota
	viewStats         // -s, stats
	viewRoutes        // -r, routes
	viewIfaces        // -i (not Windows), interfaces
	viewGroups        // -g, groups
	viewEthernet      // -e in the Windows layout (Windows netstat -e)
	viewSummary       // summary
	viewWatch         // watch
	viewKill          // kill
	viewServe         // serve
	viewDoctor        // doctor
	viewTrace         // trace
	viewRecord        // record
	viewHistory       // history
)

// pickView returns the view the flags ask for; the first of -s, -r, -i,
// -g wins, as in netstat.
func pickView(f *listFlags, style render.Style) view {
	switch {
	case f.stats:
		return viewStats
	case f.routes:
		return viewRoutes
	case f.ifaces:
		return viewIfaces
	case f.groups:
		return viewGroups
	case f.extended > 0 && style == render.Windows:
		return viewEthernet
	}
	return viewList
}
