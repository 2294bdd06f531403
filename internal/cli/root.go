// Package cli defines sockscope's commands: the netstat-compatible root
// command, list, and the flags they share. It parses and validates input;
// package app turns its errors into exit codes.
package cli

import (
	"context"
	"errors"
	"runtime"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/iostreams"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// Factory holds what commands depend on, as functions so that tests can
// substitute them.
type Factory struct {
	IO *iostreams.IOStreams
	// Netstat is true when the binary was invoked as "netstat".
	Netstat bool
	// UserName names a uid (nil: numeric).
	UserName func(uid uint32) string
	// UTF8 is true when the locale's character set is UTF-8 (else the
	// state diagram is drawn in ASCII).
	UTF8 bool
	// Lang is the language of the user's locale ("" for English).
	Lang string
	// Privileged is true when running as root (Administrator), so that
	// advice to use sudo is not given.
	Privileged bool
	// Source returns the socket source for the given options.
	Source func(sockets.SourceOptions) (sockets.Source, error)
	// Attribute fills the processes of sockets; nil disables attribution.
	Attribute AttributeFunc
	// Views are the data sources of -s, -r, -i, -g and -e.
	Views ViewSources
	// Namer returns the namer used for non-numeric output.
	Namer func(ctx context.Context, socks []sockets.Socket) render.Namer
}

// nativeStyle is the layout of this OS's own netstat.
func nativeStyle() render.Style {
	if runtime.GOOS == "windows" {
		return render.Windows
	}
	return render.Linux
}

// NewRootCmd returns the sockscope command tree. runF, if not nil,
// replaces the listing itself (flag tests capture the request with it).
func NewRootCmd(f *Factory, runF func(*listRequest) error) *cobra.Command {
	lf := &listFlags{}
	name := "sockscope"
	if f.Netstat {
		name = "netstat"
	}
	root := &cobra.Command{
		Use:           name + " [NETSTAT-FLAGS] [INTERVAL]",
		Short:         i18n.T(f.Lang, "cli.root.short"),
		Long:          i18n.T(f.Lang, "cli.root.long"),
		Example:       i18n.T(f.Lang, "cli.root.example"),
		Args:          cobra.ArbitraryArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runList(cmd, f, lf, args, runF)
		},
	}
	root.SetFlagErrorFunc(flagErrorFunc(f))
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	addListFlags(root.Flags(), lf, f.Lang)

	root.AddCommand(newListCmd(f, runF),
		newViewCmd(f, runF, "stats [-p PROTO] [--rate] [INTERVAL]", i18n.T(f.Lang, "cli.stats.short"),
			"  sockscope stats -p tcp\n  sockscope stats --style windows --lang zh-CN -p tcp\n  sockscope stats --rate\n  sockscope -s 5",
			func(lf *listFlags) { lf.stats = true }),
		newViewCmd(f, runF, "routes", i18n.T(f.Lang, "cli.routes.short"),
			"  sockscope routes\n  sockscope -rn --style linux",
			func(lf *listFlags) { lf.routes = true }),
		newViewCmd(f, runF, "interfaces", i18n.T(f.Lang, "cli.interfaces.short"),
			"  sockscope interfaces\n  sockscope -e --style windows",
			func(lf *listFlags) { lf.ifaces = true }),
		newViewCmd(f, runF, "groups", i18n.T(f.Lang, "cli.groups.short"),
			"  sockscope groups\n  sockscope -g --style linux",
			func(lf *listFlags) { lf.groups = true }),
		newExplainCmd(f),
		newDiagramCmd(f))
	localizeHelp(root, f.Lang)
	return root
}

func newListCmd(f *Factory, runF func(*listRequest) error) *cobra.Command {
	lf := &listFlags{}
	cmd := &cobra.Command{
		Use:   "list [FLAGS] [INTERVAL]",
		Short: i18n.T(f.Lang, "cli.list.short"),
		Example: `  sockscope list --tcp --listening --numeric
  sockscope list --state close-wait --program nginx
  sockscope list --all --format ndjson
  sockscope list --port 443 --format csv`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runList(cmd, f, lf, args, runF)
		},
	}
	cmd.SetFlagErrorFunc(flagErrorFunc(f))
	addListFlags(cmd.Flags(), lf, f.Lang)
	return cmd
}

// addListFlags defines the listing flags: netstat's short ones with long
// names, and the long-only ones of SPEC section 3 and issue 2. The help
// is in language lang (the locale's: --lang is parsed after the flags are
// defined).
func addListFlags(fs *pflag.FlagSet, lf *listFlags, lang string) {
	fs.SortFlags = false
	fs.BoolVarP(&lf.all, "all", "a", false, i18n.T(lang, "cli.flag.all"))
	fs.BoolVarP(&lf.numeric, "numeric", "n", false, i18n.T(lang, "cli.flag.numeric"))
	fs.BoolVarP(&lf.showPID, "show-pid", "o", false, i18n.T(lang, "cli.flag.show-pid"))
	fs.BoolVarP(&lf.exe, "exe", "b", false, i18n.T(lang, "cli.flag.exe"))
	fs.StringVarP(&lf.proto, "protocol", "p", "", i18n.T(lang, "cli.flag.protocol", validProtos))
	fs.Lookup("protocol").NoOptDefVal = programSentinel
	fs.BoolVarP(&lf.tcp, "tcp", "t", false, i18n.T(lang, "cli.flag.tcp"))
	fs.BoolVarP(&lf.udp, "udp", "u", false, i18n.T(lang, "cli.flag.udp"))
	fs.BoolVarP(&lf.raw, "raw", "w", false, i18n.T(lang, "cli.flag.raw"))
	fs.BoolVarP(&lf.unix, "unix", "x", false, i18n.T(lang, "cli.flag.unix"))
	fs.BoolVar(&lf.mptcp, "mptcp", false, i18n.T(lang, "cli.flag.mptcp"))
	fs.BoolVarP(&lf.listening, "listening", "l", false, i18n.T(lang, "cli.flag.listening"))
	fs.BoolVarP(&lf.v4, "ipv4", "4", false, i18n.T(lang, "cli.flag.ipv4"))
	fs.BoolVarP(&lf.v6, "ipv6", "6", false, i18n.T(lang, "cli.flag.ipv6"))
	fs.BoolVarP(&lf.extended, "extended", "e", false, i18n.T(lang, "cli.flag.extended"))
	fs.BoolVarP(&lf.wide, "wide", "W", false, i18n.T(lang, "cli.flag.wide"))
	fs.BoolVarP(&lf.fqdn, "fqdn", "f", false, i18n.T(lang, "cli.flag.fqdn"))
	fs.BoolVarP(&lf.continuous, "continuous", "c", false, i18n.T(lang, "cli.flag.continuous"))
	fs.BoolVarP(&lf.query, "query", "q", false, i18n.T(lang, "cli.flag.query"))
	fs.StringSliceVar(&lf.states, "state", nil, i18n.T(lang, "cli.flag.state"))
	fs.StringSliceVar(&lf.ports, "port", nil, i18n.T(lang, "cli.flag.port"))
	fs.StringSliceVar(&lf.pids, "pid", nil, i18n.T(lang, "cli.flag.pid"))
	fs.StringSliceVar(&lf.programs, "program", nil, i18n.T(lang, "cli.flag.program"))
	fs.StringVar(&lf.format, "format", "table", i18n.T(lang, "cli.flag.format"))
	fs.BoolVar(&lf.json, "json", false, i18n.T(lang, "cli.flag.json"))
	fs.StringVar(&lf.style, "style", "", i18n.T(lang, "cli.flag.style"))
	fs.StringVar(&lf.lang, "lang", "", i18n.T(lang, "cli.flag.lang"))
	fs.BoolVar(&lf.resolve, "resolve", false, i18n.T(lang, "cli.flag.resolve"))
	fs.StringVar(&lf.source, "source", "auto", i18n.T(lang, "cli.flag.source"))
	fs.BoolVarP(&lf.stats, "statistics", "s", false, i18n.T(lang, "cli.flag.statistics"))
	fs.BoolVarP(&lf.routes, "route", "r", false, i18n.T(lang, "cli.flag.route"))
	fs.BoolVarP(&lf.ifaces, "interfaces", "i", false, i18n.T(lang, "cli.flag.interfaces"))
	fs.BoolVarP(&lf.groups, "groups", "g", false, i18n.T(lang, "cli.flag.groups"))
	fs.BoolVar(&lf.rate, "rate", false, i18n.T(lang, "cli.flag.rate"))
	fs.StringVar(&lf.record, "record", "", i18n.T(lang, "cli.flag.record"))
	_ = fs.MarkHidden("record")
}

func runList(cmd *cobra.Command, f *Factory, lf *listFlags, args []string, runF func(*listRequest) error) error {
	req, err := buildRequest(lf, args, f.IO.IsStdoutTTY(), f.Netstat, nativeStyle(), f.Lang)
	if err != nil {
		return err
	}
	req.Record = lf.record
	if !lf.numeric {
		req.Render.UserName = f.UserName
	}
	if req.Render.Lang == "" {
		req.Render.Lang = f.Lang
	}
	if runF != nil {
		return runF(req)
	}
	if req.View != viewList {
		return runView(cmd.Context(), f, req)
	}
	return listRun(cmd.Context(), f, req)
}

// IsUsageError reports whether err is bad user input (exit status 2).
func IsUsageError(err error) bool {
	var fe *FlagError
	return errors.As(err, &fe) || errors.Is(err, sockets.ErrParse)
}
