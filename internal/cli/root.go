// Package cli defines sockscope's commands: the netstat-compatible root
// command, list, and the flags they share. It parses and validates input;
// package app turns its errors into exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/containers"
	"github.com/sockscope/sockscope/internal/filter"
	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/iostreams"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/summary"
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
	// NoChinese is true when the terminal's charset cannot show Chinese:
	// --lang zh-CN then writes English too (app says so once).
	NoChinese bool
	// Getenv reads the environment (NO_COLOR, TERM); nil reads nothing.
	Getenv func(string) string
	// Privileged is true when running as root (Administrator), so that
	// advice to use sudo is not given.
	Privileged bool
	// Source returns the socket source for the given options.
	Source func(sockets.SourceOptions) (sockets.Source, error)
	// Attribute fills the processes of sockets; nil disables attribution.
	Attribute collect.AttributeFunc
	// Track returns what attributes the snapshots of a poll (watch, a
	// repeated listing) one after another; nil: Attribute each time.
	Track func(details bool) collect.Tracker
	// Views are the data sources of -s, -r, -i, -g and -e.
	Views ViewSources
	// Processes lists the running processes, for shell completion; nil
	// completes no PID or program name.
	Processes func() []ProcessName
	// NetNSOf returns the inode of process pid's network namespace, and
	// that of this process, to explain an empty --pid listing; nil where
	// there are no namespaces.
	NetNSOf func(pid int32) (theirs, ours uint64, err error)
	// EphemeralPorts returns the range of local ports the system picks for
	// outgoing connections (zero when unknown), for summary.
	EphemeralPorts func() summary.PortRange
	// CgroupID returns the id of a cgroup path for the filter language
	// ("cgroup /system.slice/nginx.service"); nil makes such a filter an
	// error.
	CgroupID func(path string) (uint64, bool)
	// ServicePort returns the port of a service name for the filter
	// language ("dport = :https"); nil uses the built-in table.
	ServicePort func(name string) (uint16, bool)
	// Namespaces finds network namespaces for --netns and --all-netns;
	// nil where the system has none (they are then refused).
	Namespaces Namespaces
	// Containers returns a resolver of the containers network namespaces
	// belong to; nil names none.
	Containers func() *containers.Resolver
	// Limits reads the kernel's limits the exporter measures sockets
	// against (nil: none).
	Limits func() (netstats.Limits, error)
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
	name := "sockscope"
	if f.Netstat {
		name = "netstat"
	}
	root := newVerb(f, runF, verbSpec{
		use:     name + " [flags] [FILTER] [INTERVAL]",
		short:   i18n.T(f.Lang, "cli.root.short"),
		long:    i18n.T(f.Lang, "cli.root.long"),
		example: i18n.T(f.Lang, "cli.root.example"),
		in:      inRoot,
		proto:   protoNetstat,
	})
	root.Version = versionString()
	root.SetVersionTemplate("{{.Name}} {{.Version}}\n")
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)

	root.AddCommand(
		newVerb(f, runF, verbSpec{
			use:     "list [flags] [FILTER] [INTERVAL]",
			short:   i18n.T(f.Lang, "cli.list.short"),
			example: "  sockscope list --tcp --listening --numeric\n  sockscope list --state close-wait --program nginx\n  sockscope list --all --format ndjson\n  sockscope list --port 443 --format csv\n  sockscope list --tcp --sort state,port\n  sockscope list -tn --info --memory 'rtt > 100ms or retrans > 0'\n  sockscope list --all-netns -tlnp 'container = web*'\n  sockscope list --netns web -tan",
			in:      inList,
			proto:   protoNetstat,
		}),
		newVerb(f, runF, verbSpec{
			use:     "stats [flags] [INTERVAL]",
			short:   i18n.T(f.Lang, "cli.stats.short"),
			example: "  sockscope stats -p tcp\n  sockscope stats -t --nonzero\n  sockscope stats --style windows --lang zh-CN -p tcp\n  sockscope stats --rate\n  sockscope -s 5\n  sockscope stats --netns web -p tcp\n  sockscope stats --all-netns --format json",
			in:      inStats,
			proto:   protoStats,
			view:    viewStats,
		}),
		newVerb(f, runF, verbSpec{
			use:     "routes [flags] [INTERVAL]",
			short:   i18n.T(f.Lang, "cli.routes.short"),
			example: "  sockscope routes\n  sockscope routes -6\n  sockscope -rn --style linux",
			in:      inRoutes,
			view:    viewRoutes,
		}),
		newVerb(f, runF, verbSpec{
			use:     "interfaces [flags] [INTERVAL]",
			short:   i18n.T(f.Lang, "cli.interfaces.short"),
			example: "  sockscope interfaces\n  sockscope interfaces -a\n  sockscope -e --style windows",
			in:      inIfaces | inEthernet,
			view:    viewIfaces,
		}),
		newVerb(f, runF, verbSpec{
			use:     "groups [flags] [INTERVAL]",
			short:   i18n.T(f.Lang, "cli.groups.short"),
			example: "  sockscope groups\n  sockscope -g --style linux",
			in:      inGroups,
			view:    viewGroups,
		}),
		newVerb(f, runF, verbSpec{
			use:     "summary [flags]",
			short:   i18n.T(f.Lang, "cli.summary.short"),
			example: "  sockscope summary\n  sockscope summary -t --top 5\n  sockscope summary --state close-wait\n  sockscope summary --format json",
			in:      inSummary,
			view:    viewSummary,
		}),
		newVerb(f, runF, verbSpec{
			use:     "watch [flags] [FILTER]",
			short:   i18n.T(f.Lang, "cli.watch.short"),
			example: "  sockscope watch\n  sockscope watch -t 'dport = :443'\n  sockscope watch --state close-wait --program nginx\n  sockscope watch --interval 2s --all-netns\n  sockscope watch --format ndjson > events.ndjson",
			in:      inWatch,
			view:    viewWatch,
		}),
		newVerb(f, runF, verbSpec{
			use:     "kill [flags] FILTER",
			short:   i18n.T(f.Lang, "cli.kill.short"),
			example: "  sockscope kill 'dport = :8080'\n  sockscope kill --state close-wait --program myapp --dry-run\n  sockscope kill --yes 'dst 10.0.0.5'\n  sockscope kill --format json --yes --pid 1234",
			in:      inKill,
			view:    viewKill,
		}),
		newVerb(f, runF, verbSpec{
			use:     "serve [flags] [FILTER]",
			short:   i18n.T(f.Lang, "cli.serve.short"),
			example: "  sockscope serve\n  sockscope serve --web.listen-address :" + defaultPort + "\n  sockscope serve --web.config.file web.yml\n  sockscope serve --all-netns\n  sockscope serve --processes.top 50 'not dport = :22'",
			in:      inServe,
			view:    viewServe,
		}),
		newVerb(f, runF, verbSpec{
			use:     "doctor [flags] [FILTER]",
			short:   i18n.T(f.Lang, "cli.doctor.short"),
			example: "  sockscope doctor\n  sockscope doctor --window 10s\n  sockscope doctor --format json\n  sockscope doctor --all-netns\n  sockscope doctor --nagios\n  sockscope doctor 'sport = :8080'",
			in:      inDoctor,
			view:    viewDoctor,
		}),
		newVerb(f, runF, verbSpec{
			use:     "trace [flags] [FILTER]",
			short:   i18n.T(f.Lang, "cli.trace.short"),
			example: "  sockscope trace\n  sockscope trace -tu\n  sockscope trace 'dport = :443'\n  sockscope trace --program curl --format ndjson\n  sockscope trace --format json > connections.json",
			in:      inTrace,
			view:    viewTrace,
		}),
		newVerb(f, runF, verbSpec{
			use:     "record [flags] [FILTER]",
			short:   i18n.T(f.Lang, "cli.record.short"),
			example: "  sockscope record\n  sockscope record --db /var/lib/sockscope/history.db --retention 30d\n  sockscope record 'not dport = :22'",
			in:      inRecord,
			view:    viewRecord,
		}),
		newVerb(f, runF, verbSpec{
			use:     "history [flags] [FILTER]",
			short:   i18n.T(f.Lang, "cli.history.short"),
			example: "  sockscope history --since 1h\n  sockscope history --remote 10.1.2.3 --since 2026-12-07T02:00:00Z --until 2026-12-07T04:00:00Z\n  sockscope history --summary --since 1d\n  sockscope history --program curl --format json",
			in:      inHistory,
			view:    viewHistory,
		}),
		newExplainCmd(f),
		newDiagramCmd(f))
	setupHelp(root, f)
	return root
}

// stdout returns where output in format goes: tables follow the
// terminal's charset (GBK …), as messages do; JSON, NDJSON and CSV are
// UTF-8 whatever the locale (docs/json.md).
func (f *Factory) stdout(format render.Format) io.Writer {
	if format == render.Table {
		return f.IO.Out
	}
	return f.IO.DataOut()
}

// note prints msg, a catalog message that starts with "sockscope:", on
// stderr, naming the program as the user called it ("netstat:" through
// the netstat name).
func (f *Factory) note(msg string) {
	if f.Netstat {
		if rest, ok := strings.CutPrefix(msg, "sockscope"); ok {
			msg = "netstat" + rest
		}
	}
	fmt.Fprintln(f.IO.ErrOut, msg)
}

// noChinese reports whether lang asks for Chinese where the terminal
// cannot show it, so that f.Lang (English) is used instead.
func (f *Factory) noChinese(lang string) bool {
	return f.NoChinese && i18n.Lang(lang) == "zh"
}

// verbSpec describes a command that shows the listing or one view.
type verbSpec struct {
	use, short, long, example string
	in                        scope     // the flags it takes
	proto                     protoForm // how it takes -p
	view                      view      // what it shows (the root: from its flags)
}

// newVerb returns the command of spec.
func newVerb(f *Factory, runF func(*listRequest) error, spec verbSpec) *cobra.Command {
	lf := &listFlags{}
	cmd := &cobra.Command{
		Use:           spec.use,
		Short:         spec.short,
		Long:          spec.long,
		Example:       spec.example,
		Args:          cobra.ArbitraryArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runList(cmd, f, lf, args, runF, spec)
		},
	}
	cmd.SetFlagErrorFunc(flagErrorFunc(f))
	addFlags(cmd.Flags(), lf, f.Lang, spec.in, spec.proto)
	registerCompletions(cmd, f, spec.proto, lf)
	return cmd
}

func runList(cmd *cobra.Command, f *Factory, lf *listFlags, args []string, runF func(*listRequest) error, spec verbSpec) error {
	in := requestInput{
		flags:     lf,
		set:       cmd.Flags(),
		args:      args,
		verb:      cmd.Name(),
		scope:     spec.in,
		view:      spec.view,
		stdoutTTY: f.IO.IsStdoutTTY(),
		netstat:   f.Netstat,
		native:    nativeStyle(),
		lang:      f.Lang,
		getenv:    f.Getenv,
		noChinese: f.NoChinese,
		stdin:     f.IO.In,
		filterOpts: &filter.Options{
			Service: f.ServicePort,
			Cgroup:  f.CgroupID,
		},
	}
	in.ephemeral = f.EphemeralPorts
	if cmd.HasParent() {
		in.verb = cmd.CommandPath()
	}
	req, err := buildRequest(in)
	if err != nil {
		return err
	}
	req.Record = lf.record
	if !lf.numeric {
		req.Render.UserName = f.UserName
	}
	if req.Render.Lang == "" || f.noChinese(req.Render.Lang) {
		req.Render.Lang = f.Lang
	}
	if runF != nil {
		return runF(req)
	}
	switch req.View {
	case viewList:
	case viewSummary:
		return summaryRun(cmd.Context(), f, req)
	case viewWatch:
		return watchRun(cmd.Context(), f, req)
	case viewKill:
		return killRun(cmd.Context(), f, req)
	case viewServe:
		return serveRun(cmd.Context(), f, req)
	case viewDoctor:
		return doctorRun(cmd.Context(), f, req)
	case viewTrace:
		return traceRun(cmd.Context(), f, req)
	case viewRecord:
		return recordRun(cmd.Context(), f, req)
	case viewHistory:
		return historyRun(cmd.Context(), f, req)
	default:
		return runView(cmd.Context(), f, req)
	}
	return listRun(cmd.Context(), f, req)
}

// IsUsageError reports whether err is bad user input (exit status 2).
// Only the command line says so: an error of a source, even a parse error
// of kernel data, is a runtime failure.
func IsUsageError(err error) bool {
	var fe *FlagError
	return errors.As(err, &fe)
}
