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
		Use:   name + " [NETSTAT-FLAGS] [INTERVAL]",
		Short: "Show every socket, its state and the processes that own it",
		Long: `sockscope shows every TCP, UDP, raw and unix socket on this machine, its state
and the processes that hold it. Flags are netstat's (-ano, -b, -tulpn, -anop tcp)
and there are long ones for scripts (--format json).`,
		Example: `  sockscope -ano              every TCP/UDP socket, numeric, with its PID
  sockscope -b                 with the executable of each connection
  sockscope -tulpn             listening TCP/UDP sockets with PID/program (Linux netstat)
  sockscope -anop tcp          IPv4 TCP sockets with PID (Windows netstat)
  sockscope --all --format json
  sockscope -tan 5             redisplay every 5 seconds`,
		Args:          cobra.ArbitraryArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runList(cmd, f, lf, args, runF)
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &FlagError{Err: err} })
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	addListFlags(root.Flags(), lf)

	root.AddCommand(newListCmd(f, runF),
		newViewCmd(f, runF, "stats [-p PROTO] [--rate] [INTERVAL]", "Per-protocol counters (netstat -s), absolute or per second",
			"  sockscope stats -p tcp\n  sockscope stats --style windows --lang zh-CN -p tcp\n  sockscope stats --rate\n  sockscope -s 5",
			func(lf *listFlags) { lf.stats = true }),
		newViewCmd(f, runF, "routes", "IPv4 and IPv6 routing tables (netstat -r)",
			"  sockscope routes\n  sockscope -rn --style linux",
			func(lf *listFlags) { lf.routes = true }),
		newViewCmd(f, runF, "interfaces", "Per-interface packets, errors and drops (netstat -i; -e in the Windows layout)",
			"  sockscope interfaces\n  sockscope -e --style windows",
			func(lf *listFlags) { lf.ifaces = true }),
		newViewCmd(f, runF, "groups", "Multicast group memberships (netstat -g)",
			"  sockscope groups\n  sockscope -g --style linux",
			func(lf *listFlags) { lf.groups = true }),
		newExplainCmd(f),
		newDiagramCmd(f))
	return root
}

func newListCmd(f *Factory, runF func(*listRequest) error) *cobra.Command {
	lf := &listFlags{}
	cmd := &cobra.Command{
		Use:   "list [FLAGS] [INTERVAL]",
		Short: "List sockets (long flags; the same as the netstat flags of the root command)",
		Example: `  sockscope list --tcp --listening --numeric
  sockscope list --state close-wait --program nginx
  sockscope list --all --format ndjson
  sockscope list --port 443 --format csv`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runList(cmd, f, lf, args, runF)
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &FlagError{Err: err} })
	addListFlags(cmd.Flags(), lf)
	return cmd
}

// addListFlags defines the listing flags: netstat's short ones with long
// names, and the long-only ones of SPEC section 3 and issue 2.
func addListFlags(fs *pflag.FlagSet, lf *listFlags) {
	fs.SortFlags = false
	fs.BoolVarP(&lf.all, "all", "a", false, "all sockets, listening and unconnected ones included")
	fs.BoolVarP(&lf.numeric, "numeric", "n", false, "numeric addresses and ports (no DNS, no service names)")
	fs.BoolVarP(&lf.showPID, "show-pid", "o", false, "show the owning PID (Windows netstat -o)")
	fs.BoolVarP(&lf.exe, "exe", "b", false, "show the executable of each socket (Windows netstat -b)")
	fs.StringVarP(&lf.proto, "protocol", "p", "", "-p PROTO: only PROTO ("+validProtos+"); -p alone: show PID/Program name (Linux)")
	fs.Lookup("protocol").NoOptDefVal = programSentinel
	fs.BoolVarP(&lf.tcp, "tcp", "t", false, "TCP sockets")
	fs.BoolVarP(&lf.udp, "udp", "u", false, "UDP (and UDP-Lite) sockets")
	fs.BoolVarP(&lf.raw, "raw", "w", false, "raw sockets")
	fs.BoolVarP(&lf.unix, "unix", "x", false, "unix domain sockets")
	fs.BoolVar(&lf.mptcp, "mptcp", false, "MPTCP sockets")
	fs.BoolVarP(&lf.listening, "listening", "l", false, "listening (and unconnected bound) sockets only")
	fs.BoolVarP(&lf.v4, "ipv4", "4", false, "IPv4 only")
	fs.BoolVarP(&lf.v6, "ipv6", "6", false, "IPv6 only")
	fs.BoolVarP(&lf.extended, "extended", "e", false, "extended columns: user and inode")
	fs.BoolVarP(&lf.wide, "wide", "W", false, "never truncate addresses")
	fs.BoolVarP(&lf.fqdn, "fqdn", "f", false, "fully qualified names for remote addresses")
	fs.BoolVarP(&lf.continuous, "continuous", "c", false, "redisplay every second until interrupted")
	fs.BoolVarP(&lf.query, "query", "q", false, "all listening and bound non-listening ports (Windows -q)")
	fs.StringSliceVar(&lf.states, "state", nil, "only sockets in state `S` (any spelling: time-wait, TIME_WAIT, LISTENING, ...)")
	fs.StringSliceVar(&lf.ports, "port", nil, "only sockets with local or remote port `N`")
	fs.StringSliceVar(&lf.pids, "pid", nil, "only sockets held by process `N`")
	fs.StringSliceVar(&lf.programs, "program", nil, "only sockets held by a program `NAME` (process name or executable base name)")
	fs.StringVar(&lf.format, "format", "table", "output format: table, json, ndjson or csv")
	fs.BoolVar(&lf.json, "json", false, "shorthand for --format json")
	fs.StringVar(&lf.style, "style", "", "table layout: modern, windows or linux (default modern; netstat's own when run as netstat)")
	fs.StringVar(&lf.lang, "lang", "", "language of headings: en or zh-CN (default from LC_ALL, LC_MESSAGES, LANG)")
	fs.BoolVar(&lf.resolve, "resolve", false, "look up names even when output is not a terminal")
	fs.StringVar(&lf.source, "source", "auto", "socket data source: auto, netlink or proc")
	fs.BoolVarP(&lf.stats, "statistics", "s", false, "per-protocol statistics")
	fs.BoolVarP(&lf.routes, "route", "r", false, "routing table")
	fs.BoolVarP(&lf.ifaces, "interfaces", "i", false, "interface table")
	fs.BoolVarP(&lf.groups, "groups", "g", false, "multicast group memberships")
	fs.BoolVar(&lf.rate, "rate", false, "with -s: per-second rates of the counters that moved, every INTERVAL (default 1 s)")
	fs.StringVar(&lf.record, "record", "", "write the raw kernel data read to `DIR` (for test fixtures)")
	_ = fs.MarkHidden("record")
}

func runList(cmd *cobra.Command, f *Factory, lf *listFlags, args []string, runF func(*listRequest) error) error {
	req, err := buildRequest(lf, args, f.IO.IsStdoutTTY(), f.Netstat, nativeStyle())
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
