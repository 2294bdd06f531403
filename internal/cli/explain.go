package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/diagram"
	"github.com/sockscope/sockscope/internal/explain"
	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// explainOS is the operating system explain describes: Windows has its
// own settings and advice. Tests set it.
var explainOS = runtime.GOOS

// atMostOneArg is the Args check of explain and diagram: more than one
// argument is a usage error, message key in the user's language with the
// number of arguments and the arguments.
func atMostOneArg(f *Factory, key string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) > 1 {
			return flagErrorf(f.Lang, key, len(args), strings.Join(args, " "))
		}
		return nil
	}
}

// newExplainCmd returns "explain [STATE|COUNTER]".
func newExplainCmd(f *Factory) *cobra.Command {
	var lang string
	var noLive, live bool
	var ns nsChoice
	cmd := &cobra.Command{
		Use:               "explain [STATE|COUNTER]",
		Short:             i18n.T(f.Lang, "cli.explain.short"),
		Example:           i18n.T(f.Lang, "cli.explain.example"),
		Args:              atMostOneArg(f, "explain.err.args"),
		ValidArgsFunction: completeTopics,
		RunE: func(cmd *cobra.Command, args []string) error {
			if lang != "" && !validLang(lang) {
				return flagErrorf(f.Lang, "cli.err.lang", lang)
			}
			if lang == "" || f.noChinese(lang) {
				lang = f.Lang
			}
			if live && noLive {
				return flagErrorf(lang, "cli.err.live.both")
			}
			if err := ns.check(cmd, lang); err != nil {
				return err
			}
			if ns.given() && (noLive || len(args) == 1 && !isState(args[0])) {
				return flagErrorf(lang, "cli.err.netns.nolive")
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
					var err error
					if counts, _, err = liveCounts(ctx, f, 0, false, ns); err != nil {
						return err
					}
				}
				return explain.WriteAll(out, lang, counts)
			}
			name := args[0]
			o := explain.Options{Lang: lang, OS: explainOS}
			if state, ok := explain.LookupState(name); ok {
				if !noLive {
					var err error
					if o.Live, err = liveState(ctx, f, state, ns); err != nil {
						return err
					}
				}
				if o.OS != "windows" {
					o.Settings = explain.ReadSettings("")
				}
				return explain.WriteState(out, state, o)
			}
			if counter, ok := explain.LookupCounter(name); ok {
				return explain.WriteCounter(out, counter, o)
			}
			return unknownTopic(name, lang)
		},
	}
	cmd.SetFlagErrorFunc(flagErrorFunc(f))
	cmd.Flags().StringVar(&lang, "lang", "", i18n.T(f.Lang, "cli.flag.explain.lang"))
	cmd.Flags().BoolVar(&noLive, "no-live", false, i18n.T(f.Lang, "cli.flag.explain.no-live"))
	cmd.Flags().BoolVar(&live, "live", false, i18n.T(f.Lang, "cli.flag.explain.live"))
	ns.add(cmd, f.Lang)
	_ = cmd.RegisterFlagCompletionFunc("lang", fixedValues("en", "zh-CN"))
	return cmd
}

// completeTopics completes explain's argument: the state names, in the
// lower-case hyphenated form --state takes (the kernel's upper-case form
// when the word typed is upper-case), then the counters (lower-case when
// the word typed is), matched without regard to case.
func completeTopics(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	upper := toComplete != "" && toComplete == strings.ToUpper(toComplete)
	lower := toComplete != "" && toComplete == strings.ToLower(toComplete)
	var vals []string
	for _, n := range sockets.StateNames {
		if !upper {
			n = strings.ReplaceAll(strings.ToLower(n), "_", "-")
			if strings.Contains(toComplete, "_") {
				n = strings.ReplaceAll(n, "-", "_")
			}
		}
		vals = append(vals, n)
	}
	for _, n := range explain.CounterNames() {
		if lower {
			n = strings.ToLower(n)
		}
		vals = append(vals, n)
	}
	return matching(vals, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// completeViews completes diagram's argument: open or close.
func completeViews(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return matching([]string{"open", "close"}, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// unknownTopic is the usage error for explain's argument: the closest
// state names, or the counters.
func unknownTopic(name, lang string) error {
	_, err := sockets.ParseState(name)
	var ue *sockets.UnknownStateError
	if errors.As(err, &ue) && len(ue.Suggestions) > 0 {
		return flagErrorf(lang, "cli.err.topic.suggest", name, strings.Join(ue.Suggestions, i18n.T(lang, "cli.or")))
	}
	return flagErrorf(lang, "cli.err.topic.unknown", name,
		strings.Join(sockets.StateNames, ", "), strings.Join(explain.CounterNames(), ", "))
}

// nsChoice is --netns and --all-netns of explain and diagram: which
// namespaces their live counts count.
type nsChoice struct {
	netns string
	all   bool
}

// given reports whether either flag was given.
func (n *nsChoice) given() bool { return n.netns != "" || n.all }

// check refuses an empty --netns, and both flags together.
func (n *nsChoice) check(cmd *cobra.Command, lang string) error {
	if cmd.Flags().Changed("netns") && n.netns == "" {
		return flagErrorf(lang, "cli.err.value.empty", "--netns", "NS")
	}
	if n.netns != "" && n.all {
		return flagErrorf(lang, "cli.err.netns.both")
	}
	return nil
}

// isState reports whether an explain topic is a state (which has live
// counts) rather than a counter.
func isState(topic string) bool {
	_, ok := explain.LookupState(topic)
	return ok
}

// add defines the flags on cmd.
func (n *nsChoice) add(cmd *cobra.Command, lang string) {
	cmd.Flags().StringVar(&n.netns, "netns", "", i18n.T(lang, "cli.flag.netns"))
	cmd.Flags().BoolVar(&n.all, "all-netns", false, i18n.T(lang, "cli.flag.all-netns.live"))
}

// liveCounts counts the TCP sockets of this namespace (of those ns
// chooses) by state, and unconnected UDP and raw sockets as UNCONN. With
// owners it also attributes them. A bad --netns is an error; a listing
// that cannot be taken gives no counts, and the explanation goes on
// without them.
func liveCounts(ctx context.Context, f *Factory, states sockets.StateSet, owners bool, ns nsChoice) (map[string]int, []sockets.Socket, error) {
	if f.Source == nil {
		return nil, nil, nil
	}
	if ns.netns != "" && ns.all {
		return nil, nil, flagErrorf(f.Lang, "cli.err.netns.both")
	}
	req := &listRequest{NetNS: ns.netns, AllNetNS: ns.all, Filter: sockets.Filter{States: states}}
	req.Render.Lang = f.Lang
	src, _, err := f.listSource(req, sockets.SourceOptions{})
	if err != nil {
		if IsUsageError(err) || ns.netns != "" || ns.all {
			return nil, nil, err
		}
		return nil, nil, nil
	}
	protos := sockets.ProtoSet(0).With(sockets.TCP).With(sockets.UDP).With(sockets.UDPLite).With(sockets.Raw)
	q := collect.Query{Kernel: sockets.Filter{Protos: protos, States: req.Filter.States}, Owners: owners}
	snap, err := f.collector(src).Collect(ctx, &q, nil)
	if err == nil && ns.given() {
		// What a namespace listing could not see is said, as the
		// listing says it; the one namespace --netns names failing is
		// the command's failure.
		if err = oneNamespaceFailed(req, snap.Warnings); err != nil {
			return nil, nil, err
		}
		warn(f, collect.Warnings{Partial: snap.Warnings.Partial}, f.Lang)
	}
	if err != nil {
		return nil, nil, nil
	}
	socks := snap.Sockets
	counts := make(map[string]int)
	for _, name := range sockets.StateNames {
		counts[name] = 0
	}
	for i := range socks {
		counts[socks[i].StateName()]++
	}
	return counts, socks, nil
}

// liveState is the live part of one state's explanation: how many sockets
// are in it and the processes holding most of them.
func liveState(ctx context.Context, f *Factory, state string, ns nsChoice) (*explain.Live, error) {
	var set sockets.StateSet
	if state != "UNCONN" {
		set, _ = sockets.ParseState(state)
	} else {
		set = sockets.StateSet(0).With(sockets.Close)
	}
	counts, socks, err := liveCounts(ctx, f, set, f.Attribute != nil, ns)
	if counts == nil {
		return nil, err
	}
	live := &explain.Live{Count: counts[state]}
	byPID := map[int32]*explain.ProcCount{}
	for i := range socks {
		s := &socks[i]
		if s.StateName() != state {
			continue
		}
		for _, p := range s.Processes {
			if p.Info == nil {
				continue
			}
			pc := byPID[p.Info.PID]
			if pc == nil {
				// A process names itself: escape what a terminal would
				// obey (render.SafeText), as every table does.
				name, _ := render.SafeText(p.Info.Name)
				pc = &explain.ProcCount{PID: p.Info.PID, Name: name}
				byPID[p.Info.PID] = pc
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
	return live, nil
}

// newDiagramCmd returns "diagram [open|close]".
func newDiagramCmd(f *Factory) *cobra.Command {
	var o diagram.Options
	var live, narrow bool
	var ns nsChoice
	cmd := &cobra.Command{
		Use:               "diagram [open|close]",
		Short:             i18n.T(f.Lang, "cli.diagram.short"),
		Example:           i18n.T(f.Lang, "cli.diagram.example"),
		Args:              atMostOneArg(f, "diagram.err.args"),
		ValidArgsFunction: completeViews,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Lang != "" && !validLang(o.Lang) {
				return flagErrorf(f.Lang, "cli.err.lang", o.Lang)
			}
			if o.Lang == "" || f.noChinese(o.Lang) {
				o.Lang = f.Lang
			}
			lang := o.Lang
			if len(args) == 1 {
				v, err := diagram.ParseView(args[0])
				if err != nil {
					return viewError(lang, args[0], err)
				}
				o.View = v
			}
			switch o.Format {
			case "", "text", "dot":
			default:
				return flagErrorf(lang, "cli.err.diagram.format", o.Format)
			}
			o.ASCII = o.ASCII || !f.UTF8
			// A terminal gets a drawing that fits it; a pipe or a file
			// the wide one, unless --narrow asks for the narrow form.
			o.Width = f.IO.TerminalWidth()
			if narrow {
				o.Width = diagram.NarrowWidth
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			if err := ns.check(cmd, lang); err != nil {
				return err
			}
			if live {
				var err error
				if o.Counts, _, err = liveCounts(ctx, f, 0, false, ns); err != nil {
					return err
				}
			} else if ns.netns != "" || ns.all {
				return flagErrorf(lang, "cli.err.netns.live")
			}
			out := bufio.NewWriter(f.IO.Out)
			defer out.Flush()
			if !diagram.Fits(o) {
				fmt.Fprintln(f.IO.ErrOut, cmd.Root().Name()+": "+i18n.T(lang, "diagram.err.narrow", diagram.NarrowWidth, o.Width))
			}
			return diagram.Write(out, o)
		},
	}
	cmd.SetFlagErrorFunc(flagErrorFunc(f))
	cmd.Flags().BoolVar(&o.ASCII, "ascii", false, i18n.T(f.Lang, "cli.flag.diagram.ascii"))
	cmd.Flags().BoolVar(&live, "live", false, i18n.T(f.Lang, "cli.flag.diagram.live"))
	ns.add(cmd, f.Lang)
	cmd.Flags().BoolVar(&narrow, "narrow", false, i18n.T(f.Lang, "diagram.flag.narrow", diagram.NarrowWidth))
	cmd.Flags().StringVar(&o.Format, "format", "text", i18n.T(f.Lang, "cli.flag.diagram.format"))
	cmd.Flags().StringVar(&o.Lang, "lang", "", i18n.T(f.Lang, "cli.flag.explain.lang"))
	_ = cmd.RegisterFlagCompletionFunc("format", fixedValues("text", "dot"))
	_ = cmd.RegisterFlagCompletionFunc("lang", fixedValues("en", "zh-CN"))
	return cmd
}
