// Package app wires sockscope's commands to the real system and is the
// only place where errors become exit codes.
package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"github.com/sockscope/sockscope/internal/cli"
	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/filter"
	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/ifaces"
	"github.com/sockscope/sockscope/internal/iostreams"
	"github.com/sockscope/sockscope/internal/names"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/netview"
	"github.com/sockscope/sockscope/internal/procattr"
	"github.com/sockscope/sockscope/internal/procfs"
	"github.com/sockscope/sockscope/internal/routes"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/ssmode"
)

// Exit codes (SPEC section 9).
const (
	ExitOK    = 0
	ExitError = 1 // a runtime failure
	ExitUsage = 2 // bad input
	// ExitNagiosUnknown is bad input or a failure under doctor --nagios,
	// as monitoring plugins say UNKNOWN.
	ExitNagiosUnknown = 3
)

// Main runs sockscope with the process's arguments and returns the exit
// code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer startProfiles()()
	return Run(ctx, os.Args, iostreams.System())
}

// Run runs sockscope with args (args[0] is the program name: "netstat"
// makes it behave as netstat) and returns the exit code.
func Run(ctx context.Context, args []string, io *iostreams.IOStreams) int {
	base := strings.TrimSuffix(strings.ToLower(filepath.Base(args[0])), ".exe")
	if base == "ss" {
		defer io.Flush()
		return ssmode.Run(ctx, ssEnv(io), args[1:])
	}
	// The terminal's charset decides the encoding of tables and messages
	// (GBK, GB18030 …), and whether Chinese can be shown at all.
	cs := i18n.DetectCharset(getenv, runtime.GOOS)
	out := i18n.ChooseOutput(cli.ArgsLang(args[1:], localeLang()), cs)
	io.SetCharset(out.Charset)
	defer io.Flush()
	if len(args) < 2 || !strings.HasPrefix(args[1], "__complete") { // not on every TAB
		for _, k := range out.Notices {
			fmt.Fprintf(io.ErrOut, "%s: %s\n", base, i18n.T(out.Lang, k))
		}
	}
	services := sync.OnceValue(func() *names.Services {
		return names.LoadServices(names.DefaultServicesPath())
	})
	f := &cli.Factory{
		IO:         io,
		Netstat:    base == "netstat",
		Privileged: privileged(),
		Lang:       out.Lang,
		UTF8:       cs == i18n.CharsetUTF8,
		NoChinese:  !cs.ShowsChinese(),
		UserName:   procattr.UserName,
		Source:     newSource,
		Views:      viewSources(),
		Attribute:  attribute,
		Track:      track,
		Getenv:     os.Getenv,
		Processes:  processes,
		NetNSOf:    netnsOf,
		Containers: containerResolver,

		EphemeralPorts: ephemeralPorts,
		Limits:         limits,
		Namespaces:     namespaces,
		CgroupID:       cgroupID,
		ServicePort: func(name string) (uint16, bool) {
			if p, ok := services().Port(name, "tcp"); ok {
				return p, true
			}
			return services().Port(name, "udp")
		},
		Namer: cli.NewNamer(services, &names.Resolver{}),
	}
	root := cli.NewRootCmd(f, nil)
	root.SetArgs(args[1:])
	err := root.ExecuteContext(ctx)
	var status *cli.ExitStatus
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &status):
		// The command wrote what the status is about (doctor's findings).
		return status.Code
	case cli.IsUsageError(err) && nagios(args):
		// A monitoring plugin's bad invocation is UNKNOWN.
		fmt.Fprintln(io.Out, "SOCKSCOPE UNKNOWN - "+oneLine(err))
		return ExitNagiosUnknown
	case cli.IsUsageError(err):
		fmt.Fprintln(io.ErrOut, i18n.T(f.Lang, "cli.usage", base, oneLine(err)))
		var fe *cli.FlagError
		if errors.As(err, &fe) && fe.Detail != "" && io.IsStderrTTY() {
			fmt.Fprintln(io.ErrOut, fe.Detail)
		}
		return ExitUsage
	case errors.Is(err, context.Canceled):
		return ExitOK
	case nagios(args):
		fmt.Fprintln(io.Out, "SOCKSCOPE UNKNOWN - "+oneLine(err))
		return ExitNagiosUnknown
	default:
		fmt.Fprintf(io.ErrOut, "%s: %s\n", base, oneLine(err))
		return ExitError
	}
}

// nagios reports whether args ask doctor for a monitoring plugin's exit
// statuses.
func nagios(args []string) bool {
	for _, a := range args[1:] {
		if a == "--" {
			break
		}
		if a == "--nagios" || a == "--nagios=true" {
			return true
		}
	}
	return false
}

// ssEnv is what the ss personality takes from the real system.
func ssEnv(io *iostreams.IOStreams) *ssmode.Env {
	screen := -1
	if io.IsStdoutTTY() && io.TerminalWidth() > 0 {
		screen = io.TerminalWidth()
	}
	services := names.LoadServices(names.DefaultServicesPath())
	ports := ephemeralPorts()
	mounts, _ := os.ReadFile(procfs.Default().Path("self", "mounts"))
	host, _ := os.Hostname()
	return &ssmode.Env{
		Stdout: io.Out, Stderr: io.ErrOut, Stdin: io.In,
		Screen:    screen,
		Source:    newSource,
		Attribute: attribute,
		Host:      host,
		Resolve:   (&names.Resolver{}).Resolve,
		RawDiag:   ssmode.RawDiagLoaded,
		Names: ssmode.Names{
			Services:    services,
			EphemeralLo: int(ports.Low), EphemeralHi: int(ports.High),
			Interface: func(index uint32) string {
				if ifi, err := net.InterfaceByIndex(int(index)); err == nil {
					return ifi.Name
				}
				return ""
			},
			Protocol:   ssmode.LoadProtocols("/etc/protocols"),
			CgroupPath: ssmode.CgroupPaths(ssmode.CgroupMount(mounts)),
		},
		Filter: filter.Options{
			Service: func(name string) (uint16, bool) {
				if p, ok := services.Port(name, "tcp"); ok {
					return p, true
				}
				return services.Port(name, "udp")
			},
			Cgroup: cgroupID,
			PortLo: int(ports.Low), PortHi: int(ports.High),
		},
	}
}

// attribute is the collect.AttributeFunc of the real system: procattr.Scan,
// leaving a CPU to the socket dump until listed is closed, and
// Holders.Attribute once the sockets are listed. It returns a nil
// function if Scan failed (errors.Is(err, sockets.ErrUnsupported) where
// attribution is not implemented).
func attribute(ctx context.Context, details bool, listed <-chan struct{}) (func([]sockets.Socket) collect.Attribution, error) {
	h, err := procattr.Scan(ctx, procattr.Options{Details: details, Busy: listed})
	if h == nil {
		return nil, err
	}
	return func(socks []sockets.Socket) collect.Attribution {
		res := h.Attribute(socks)
		return collect.Attribution{Unattributed: res.Unattributed, Unreadable: res.Unreadable}
	}, err
}

// track returns the collect.Tracker of the real system: a
// procattr.Tracker, for the polls of watch and of a repeated listing.
func track(details bool) collect.Tracker {
	return tracker{procattr.NewTracker(procattr.Options{Details: details})}
}

// tracker adapts a procattr.Tracker to collect.Tracker.
type tracker struct{ t *procattr.Tracker }

func (t tracker) Attribute(ctx context.Context, socks []sockets.Socket) (collect.Attribution, error) {
	res, err := t.t.Attribute(ctx, socks)
	return collect.Attribution{Unattributed: res.Unattributed, Unreadable: res.Unreadable}, err
}

func (t tracker) Close() error { return t.t.Close() }

func oneLine(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}

// newSource returns the system's socket source; tests replace it.
var newSource = sockets.NewSystemSource

// getenv reads the environment (the locale); tests replace it.
var getenv = os.Getenv

// localeLang returns the language of the locale, from LC_ALL, LC_MESSAGES
// or LANG, the first that is set (POSIX precedence); "C" and "POSIX" are
// English. With none set it is the system's language (Windows' display
// language; English elsewhere).
func localeLang() string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			if v == "C" || v == "POSIX" || strings.HasPrefix(v, "C.") {
				return ""
			}
			return v
		}
	}
	return systemLang()
}

// viewSources reads the data of -s, -r, -i and -g from the running system.
func viewSources() cli.ViewSources {
	return cli.ViewSources{
		Stats:  func() (*netstats.Snapshot, error) { return netstats.Read("") },
		Routes: routes.List,
		Interfaces: func() ([]ifaces.Interface, map[string]netview.IfaceInfo, error) {
			ifs, err := ifaces.Interfaces("")
			if err != nil {
				return nil, nil, err
			}
			info := make(map[string]netview.IfaceInfo)
			if nifs, err := net.Interfaces(); err == nil {
				for _, ni := range nifs {
					info[ni.Name] = netview.IfaceInfo{MTU: ni.MTU, Flags: ni.Flags}
				}
			}
			return ifs, info, nil
		},
		Groups:       func() ([]ifaces.Membership, error) { return ifaces.Groups("") },
		KernelRoutes: func() ([]routes.KernelRoute, error) { return routes.ReadKernel("") },
		Devices:      func() (*ifaces.DeviceTable, error) { return ifaces.ReadDevices("") },
		Names:        func() *netview.Names { return netview.ReadNames("") },
	}
}
