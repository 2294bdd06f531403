package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/ifaces"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/netview"
	"github.com/sockscope/sockscope/internal/routes"
	"github.com/sockscope/sockscope/internal/statsview"
)

// ViewSources are where the other netstat views read their data.
type ViewSources struct {
	Stats      func() (*netstats.Snapshot, error)
	Routes     func(ctx context.Context) ([]routes.Route, error)
	Interfaces func() ([]ifaces.Interface, map[string]netview.IfaceInfo, error)
	Groups     func() ([]ifaces.Membership, error)
}

// runView shows a view other than the socket listing, once or every
// req.Interval (statistics then show per-second rates).
func runView(ctx context.Context, f *Factory, req *listRequest) error {
	if ctx == nil {
		ctx = context.Background()
	}
	out := bufio.NewWriterSize(f.IO.Out, 64<<10)
	nv := netview.Options{Style: req.Render.Style, Format: req.Render.Format, Lang: req.Render.Lang,
		Numeric: req.Numeric, Families: req.Families}
	so := req.Stats
	so.Lang = req.Render.Lang
	var prev *netstats.Snapshot
	for first := true; ; first = false {
		if err := showView(ctx, f, req, out, nv, so, &prev, first); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
		if !wait(ctx, req.Interval) {
			return nil
		}
	}
}

// wait sleeps for interval and reports whether to show the next round:
// false when there is no interval (show once) or ctx is done (Ctrl-C).
func wait(ctx context.Context, interval time.Duration) bool {
	if interval == 0 {
		return false
	}
	select {
	case <-ctx.Done():
		return false
	case <-time.After(interval):
		return true
	}
}

func showView(ctx context.Context, f *Factory, req *listRequest, out *bufio.Writer, nv netview.Options,
	so statsview.Options, prev **netstats.Snapshot, first bool) error {
	src := f.Views
	if !first {
		out.WriteByte('\n')
	}
	if req.Ethernet && (req.View == viewEthernet || req.View == viewStats) {
		ifs, _, err := src.Interfaces()
		if err != nil {
			return fmt.Errorf("interface statistics: %w", err)
		}
		if err := netview.WriteEthernet(out, ifs, nv); err != nil {
			return err
		}
	}
	switch req.View {
	case viewStats:
		snap, err := src.Stats()
		if snap == nil {
			return fmt.Errorf("protocol statistics: %w", err)
		}
		if err != nil {
			fmt.Fprintln(f.IO.ErrOut, i18n.T(req.Render.Lang, "cli.warning", strings.ReplaceAll(err.Error(), "\n", "; ")))
		}
		var rates *netstats.Rates
		if *prev != nil {
			rates = netstats.Delta(*prev, snap).Moved()
		}
		*prev = snap
		return statsview.Write(out, snap, rates, so)
	case viewRoutes:
		rs, err := src.Routes(ctx)
		if err != nil {
			return fmt.Errorf("routing table: %w", err)
		}
		return netview.WriteRoutes(out, rs, nv)
	case viewIfaces:
		ifs, info, err := src.Interfaces()
		if err != nil {
			return fmt.Errorf("interface table: %w", err)
		}
		return netview.WriteInterfaces(out, ifs, info, nv)
	case viewGroups:
		gs, err := src.Groups()
		if err != nil {
			return fmt.Errorf("multicast groups: %w", err)
		}
		return netview.WriteGroups(out, gs, nv)
	}
	return nil
}
