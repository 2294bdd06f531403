package cli

import (
	"bufio"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sockscope/sockscope/internal/diagram"
	"github.com/sockscope/sockscope/internal/explain"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// newExplainCmd returns "explain [STATE|COUNTER]".
func newExplainCmd(f *Factory) *cobra.Command {
	var lang string
	var noLive bool
	cmd := &cobra.Command{
		Use:   "explain [STATE|COUNTER]",
		Short: "What a TCP state (or a statistics counter) means, how sockets get there and leave, and how many are in it now",
		Example: `  sockscope explain                 every state, one line each, with live counts
  sockscope explain close-wait      what CLOSE_WAIT means and who holds such sockets now
  sockscope explain SYNC_RECEIVED   any spelling works
  sockscope explain RetransSegs     what a statistics counter means
  sockscope explain time-wait --lang zh-CN`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if lang != "" && !validLang(lang) {
				return flagErrorf("unknown language %q for --lang (valid: en, zh-CN)", lang)
			}
			if lang == "" {
				lang = f.Lang
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			out := bufio.NewWriter(f.IO.Out)
			defer out.Flush()
			if len(args) == 0 {
				var counts map[string]int
				if !noLive {
					counts, _ = liveCounts(ctx, f, 0, false)
				}
				return explain.WriteAll(out, lang, counts)
			}
			name := args[0]
			if state, ok := explain.LookupState(name); ok {
				var live *explain.Live
				if !noLive {
					live = liveState(ctx, f, state)
				}
				return explain.WriteState(out, state, lang, explain.ReadSettings(""), live)
			}
			if counter, ok := explain.LookupCounter(name); ok {
				return explain.WriteCounter(out, counter, lang)
			}
			return unknownTopic(name)
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &FlagError{Err: err} })
	cmd.Flags().StringVar(&lang, "lang", "", "language: en or zh-CN (default from the locale)")
	cmd.Flags().BoolVar(&noLive, "no-live", false, "do not count the sockets in each state now")
	return cmd
}

// unknownTopic is the usage error for explain's argument: the closest
// state names, or the counters.
func unknownTopic(name string) error {
	_, err := sockets.ParseState(name)
	var ue *sockets.UnknownStateError
	if errors.As(err, &ue) && len(ue.Suggestions) > 0 {
		return flagErrorf("unknown state or counter %q (did you mean %s?)", name, strings.Join(ue.Suggestions, " or "))
	}
	return flagErrorf("unknown state or counter %q (states: %s; counters: %s)", name,
		strings.Join(sockets.StateNames, ", "), strings.Join(explain.CounterNames(), ", "))
}

// liveCounts counts this namespace's TCP sockets by state, and unconnected
// UDP and raw sockets as UNCONN. With owners it also attributes them.
func liveCounts(ctx context.Context, f *Factory, states sockets.StateSet, owners bool) (map[string]int, []sockets.Socket) {
	if f.Source == nil {
		return nil, nil
	}
	src, err := f.Source(sockets.SourceOptions{})
	if err != nil {
		return nil, nil
	}
	protos := sockets.ProtoSet(0).With(sockets.TCP).With(sockets.UDP).With(sockets.UDPLite).With(sockets.Raw)
	req := &listRequest{Filter: sockets.Filter{Protos: protos, States: states}, Owners: owners}
	var meta render.Meta
	socks, _, err := snapshot(ctx, f, src, req, nil, &meta)
	if err != nil {
		return nil, nil
	}
	counts := make(map[string]int)
	for _, name := range sockets.StateNames {
		counts[name] = 0
	}
	for i := range socks {
		counts[socks[i].StateName()]++
	}
	return counts, socks
}

// liveState is the live part of one state's explanation: how many sockets
// are in it and the processes holding most of them.
func liveState(ctx context.Context, f *Factory, state string) *explain.Live {
	var set sockets.StateSet
	if state != "UNCONN" {
		set, _ = sockets.ParseState(state)
	} else {
		set = sockets.StateSet(0).With(sockets.Close)
	}
	counts, socks := liveCounts(ctx, f, set, f.Attribute != nil)
	if counts == nil {
		return nil
	}
	live := &explain.Live{Count: counts[state]}
	byPID := map[int32]*explain.ProcCount{}
	for i := range socks {
		s := &socks[i]
		if s.StateName() != state {
			continue
		}
		for _, p := range s.Processes {
			if p.ProcessInfo == nil {
				continue
			}
			pc := byPID[p.PID]
			if pc == nil {
				pc = &explain.ProcCount{PID: p.PID, Name: p.Name}
				byPID[p.PID] = pc
			}
			pc.Count++
		}
	}
	for _, pc := range byPID {
		live.Top = append(live.Top, *pc)
	}
	slices.SortFunc(live.Top, func(a, b explain.ProcCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return int(a.PID - b.PID)
	})
	if len(live.Top) > 5 {
		live.Top = live.Top[:5]
	}
	return live
}

// newDiagramCmd returns "diagram [open|close]".
func newDiagramCmd(f *Factory) *cobra.Command {
	var o diagram.Options
	var live bool
	cmd := &cobra.Command{
		Use:   "diagram [open|close]",
		Short: "The TCP state diagram (RFC 9293), optionally with the live count of sockets in each state",
		Example: `  sockscope diagram                 the whole state diagram
  sockscope diagram open            connection setup (three-way handshake)
  sockscope diagram close --live    connection teardown, with how many sockets are in each state now
  sockscope diagram --format dot | dot -Tsvg > tcp.svg`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				v, err := diagram.ParseView(args[0])
				if err != nil {
					return &FlagError{Err: err}
				}
				o.View = v
			}
			switch o.Format {
			case "", "text", "dot":
			default:
				return flagErrorf("unknown format %q for diagram (valid: text, dot)", o.Format)
			}
			if o.Lang != "" && !validLang(o.Lang) {
				return flagErrorf("unknown language %q for --lang (valid: en, zh-CN)", o.Lang)
			}
			if o.Lang == "" {
				o.Lang = f.Lang
			}
			o.ASCII = o.ASCII || !f.UTF8
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			if live {
				o.Counts, _ = liveCounts(ctx, f, 0, false)
			}
			out := bufio.NewWriter(f.IO.Out)
			defer out.Flush()
			return diagram.Write(out, o)
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &FlagError{Err: err} })
	cmd.Flags().BoolVar(&o.ASCII, "ascii", false, "draw with ASCII instead of box-drawing characters (default in a non-UTF-8 locale)")
	cmd.Flags().BoolVar(&live, "live", false, "write the number of sockets in each state now into the diagram")
	cmd.Flags().StringVar(&o.Format, "format", "text", "text or dot (Graphviz)")
	cmd.Flags().StringVar(&o.Lang, "lang", "", "language: en or zh-CN (default from the locale)")
	return cmd
}
