package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/ifaces"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/netview"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/routes"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/statsview"
)

// ViewSources are where the other netstat views read their data.
type ViewSources struct {
	Stats      func() (*netstats.Snapshot, error)
	Routes     func(ctx context.Context) ([]routes.Route, error)
	Interfaces func() ([]ifaces.Interface, map[string]netview.IfaceInfo, error)
	Groups     func() ([]ifaces.Membership, error)
	// KernelRoutes and Devices are what net-tools reads (/proc/net/route
	// and ipv6_route; the interfaces' ioctls), for the net-tools layout;
	// nil, or an error saying the system has no such data, falls back to
	// Routes and Interfaces.
	KernelRoutes func() ([]routes.KernelRoute, error)
	Devices      func() (*ifaces.DeviceTable, error)
	// Names are the names of /etc/hosts and /etc/networks, which net-tools
	// prints without -n; nil prints numbers.
	Names func() *netview.Names
}

// runView shows a view other than the socket listing, once or every
// req.Interval (statistics then show per-second rates).
func runView(ctx context.Context, f *Factory, req *listRequest) error {
	if ctx == nil {
		ctx = context.Background()
	}
	out := bufio.NewWriterSize(f.stdout(req.Render.Format), 64<<10)
	nv := netview.Options{Style: req.Render.Style, Format: req.Render.Format, Lang: req.Render.Lang,
		Numeric: req.Numeric, Families: req.Families, All: req.All, Extended: req.Extended > 0, MoreExtended: req.Extended > 1}
	if nv.Style == render.Linux && !nv.Numeric && f.Views.Names != nil {
		nv.Names = f.Views.Names()
	}
	so := req.Stats
	so.Lang = req.Render.Lang
	// The counters are polled: each round's rates are those that moved
	// since the previous one.
	var counters []nsCounters
	if req.View == viewStats {
		var err error
		if counters, err = f.statsCounters(req); err != nil {
			return err
		}
	}
	if req.Interval == 0 {
		// Shown once: straight out, nothing to mark.
		if err := showView(ctx, f, req, out, nv, so, counters, true); err != nil {
			return err
		}
		return out.Flush()
	}
	var round bytes.Buffer
	for n := 1; ; n++ {
		round.Reset()
		rb := bufio.NewWriter(&round)
		at := time.Now()
		if err := showView(ctx, f, req, rb, nv, so, counters, n == 1); err != nil {
			return err
		}
		rb.Flush()
		if err := writeRound(out, round.Bytes(), req, n, at); err != nil {
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

// writeRound writes round n of a repeated view, taken at time at, to out.
// Each round is marked as the listing's are (docs/json.md): JSON and
// NDJSON objects, each on one line, begin with "seq" and "time"; CSV has
// one header, with seq and time columns that every row fills. Tables in the net-tools layout
// follow each other as net-tools prints them (the interface table's title
// once); the other layouts are separated by a blank line.
func writeRound(out *bufio.Writer, round []byte, req *listRequest, n int, at time.Time) error {
	stamp := at.UTC().Format(time.RFC3339Nano)
	switch req.Render.Format {
	case render.JSON, render.NDJSON:
		dec := json.NewDecoder(bytes.NewReader(round))
		for {
			var v json.RawMessage
			if err := dec.Decode(&v); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			var c bytes.Buffer
			if err := json.Compact(&c, v); err != nil {
				return err
			}
			b := bytes.TrimPrefix(c.Bytes(), []byte("{"))
			fmt.Fprintf(out, `{"seq":%d,"time":%q`, n, stamp)
			if len(b) > 0 && b[0] != '}' {
				out.WriteByte(',')
			}
			out.Write(b)
			out.WriteByte('\n')
		}
	case render.CSV:
		lines := bytes.SplitAfter(round, []byte("\n"))
		for i, l := range lines {
			l = bytes.TrimRight(l, "\n")
			if len(l) == 0 || (i == 0 && n > 1) {
				continue // the header comes once
			}
			out.Write(l)
			if i == 0 {
				out.WriteString(",seq,time\n")
			} else {
				fmt.Fprintf(out, ",%d,%s\n", n, stamp)
			}
		}
		return nil
	}
	if req.Render.Style == render.Linux {
		if n > 1 && req.View == viewIfaces {
			round = bytes.TrimPrefix(round, []byte("Kernel Interface table\n"))
		}
		_, err := out.Write(round)
		return err
	}
	if n > 1 {
		out.WriteByte('\n')
	}
	_, err := out.Write(round)
	return err
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
	so statsview.Options, counters []nsCounters, first bool) error {
	src := f.Views
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
		// With --all-netns the namespaces' JSON documents make one:
		// {"schema":1,"namespaces":[...]}, each as it would be alone.
		wrap := req.AllNetNS && so.Format == render.JSON
		if wrap {
			out.WriteString(`{"schema":1,"namespaces":[`)
		}
		written := 0
		for i := range counters {
			c := &counters[i]
			snap, rates, err := c.Poll()
			if snap == nil {
				// Nothing could be read (no /proc/net/snmp): a failure,
				// as net-tools' "cannot open /proc/net/snmp" is; of one
				// namespace among several, a warning.
				if len(counters) == 1 {
					return fmt.Errorf("protocol statistics: %w", err)
				}
				f.note(i18n.T(req.Render.Lang, "cli.warning", fmt.Sprintf("%s: %v", c.name, err)))
				continue
			}
			if err != nil {
				f.note(i18n.T(req.Render.Lang, "cli.warning", strings.ReplaceAll(err.Error(), "\n", "; ")))
			}
			if f.Netstat {
				// net-tools' -sc prints the totals every round: through
				// the netstat name, so does this; sockscope adds the rates.
				rates = nil
			}
			o := so
			o.NetNS, o.NetNSName = c.inode, c.name
			o.NoCSVHeader = written > 0
			switch {
			case written > 0 && wrap:
				out.WriteByte(',')
			case written > 0 && o.Format == render.Table:
				out.WriteByte('\n')
			}
			w := io.Writer(out)
			var doc bytes.Buffer
			if wrap {
				w = &doc
			}
			if err := statsview.Write(w, snap, rates, o); err != nil {
				return err
			}
			out.Write(bytes.TrimSuffix(doc.Bytes(), []byte("\n")))
			written++
		}
		if wrap {
			out.WriteString("]}\n")
		}
		if first {
			return windowsConnections(ctx, f, req, out)
		}
		return nil
	case viewRoutes:
		if netview.NetToolsText(nv) && src.KernelRoutes != nil {
			krs, err := src.KernelRoutes()
			if err == nil {
				return netview.WriteKernelRoutes(out, krs, nv)
			}
			if !errors.Is(err, routes.ErrMissing) {
				return fmt.Errorf("routing table: %w", err)
			}
		}
		rs, err := src.Routes(ctx)
		if err != nil {
			return fmt.Errorf("routing table: %w", err)
		}
		return netview.WriteRoutes(out, rs, nv)
	case viewIfaces:
		if netview.NetToolsText(nv) && src.Devices != nil {
			t, err := src.Devices()
			if err == nil {
				if len(req.Ifaces) > 0 {
					t.Devices = slices.DeleteFunc(t.Devices, func(d ifaces.Device) bool { return !req.wantIface(d.Name) })
					if len(t.Devices) == 0 {
						return noIface(req)
					}
				}
				return netview.WriteDevices(out, t, nv)
			}
			if !errors.Is(err, ifaces.ErrNoDevices) {
				return fmt.Errorf("interface table: %w", err)
			}
		}
		ifs, info, err := src.Interfaces()
		if err != nil {
			return fmt.Errorf("interface table: %w", err)
		}
		if !req.All && info != nil {
			// As netstat -i: the interfaces that are up, -a for all.
			ifs = slices.DeleteFunc(ifs, func(i ifaces.Interface) bool {
				in, ok := info[i.Name]
				return ok && in.Flags&net.FlagUp == 0
			})
		}
		if len(req.Ifaces) > 0 {
			if ifs = slices.DeleteFunc(ifs, func(i ifaces.Interface) bool { return !req.wantIface(i.Name) }); len(ifs) == 0 {
				return noIface(req)
			}
		}
		return netview.WriteInterfaces(out, ifs, info, nv)
	case viewGroups:
		gs, err := src.Groups()
		if err != nil {
			return fmt.Errorf("multicast groups: %w", err)
		}
		if len(req.Ifaces) > 0 {
			gs = slices.DeleteFunc(gs, func(m ifaces.Membership) bool { return !req.wantIface(m.Device) })
		}
		return netview.WriteGroups(out, gs, nv)
	}
	return nil
}

// wantIface reports whether --iface selects the interface named name (an
// address label "eth0:1" goes with its interface).
func (req *listRequest) wantIface(name string) bool {
	base, _, _ := strings.Cut(name, ":")
	return slices.Contains(req.Ifaces, name) || slices.Contains(req.Ifaces, base)
}

// noIface is the usage error of an --iface that names no interface.
func noIface(req *listRequest) error {
	return flagErrorf(req.Render.Lang, "cli.err.iface", strings.Join(req.Ifaces, ","))
}

// windowsConnections follows the statistics of -s -p PROTO in the Windows
// layout with the connections of PROTO, as Windows netstat does (the
// reference document's "netstat -s -p tcp" capture ends with them). It
// does nothing for other layouts, formats or protocols.
func windowsConnections(ctx context.Context, f *Factory, req *listRequest, out *bufio.Writer) error {
	so := req.Stats
	if so.Style != render.Windows || so.Format != render.Table || f.Source == nil {
		return nil
	}
	lr := &listRequest{Numeric: req.Numeric}
	var protos sockets.ProtoSet
	combos := map[sockets.Proto]sockets.FamilySet{}
	for _, name := range so.Protos {
		spec, ok := protoNames[name]
		if !ok || (spec.proto != sockets.TCP && spec.proto != sockets.UDP) {
			continue
		}
		protos = protos.With(spec.proto)
		combos[spec.proto] = unionFams(combos[spec.proto], spec.fams)
	}
	if protos == 0 {
		return nil
	}
	lr.combos = combos
	lr.Filter = sockets.Filter{Protos: protos, States: sockets.AllStates &^ sockets.StateSet(0).With(sockets.Listen).With(sockets.Close)}
	lr.Render = render.Options{Style: render.Windows, Format: render.Table, Lang: req.Render.Lang, Protos: protos}
	src, err := f.Source(sockets.SourceOptions{})
	if err != nil {
		return err
	}
	q := lr.query()
	snap, err := f.collector(src).Collect(ctx, &q, nil)
	if err != nil {
		return err
	}
	if !lr.Numeric && f.Namer != nil {
		lr.Render.Namer = f.Namer(ctx, snap.Sockets)
	}
	return render.Write(out, snap.Sockets, render.Meta{Time: snap.Time}, lr.Render)
}
