package ssmode

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/filter"
	"github.com/sockscope/sockscope/internal/procfs"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// Exit codes, as the rest of sockscope uses them.
const (
	exitOK    = 0
	exitError = 1 // a runtime failure, or something sockscope cannot do yet
	exitUsage = 2 // bad input
)

// Env is what Run needs from the system; the app fills it.
type Env struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader
	// Screen is the width of the terminal standard output is, or -1 when
	// it is not a terminal (ss's rule: isatty and TIOCGWINSZ).
	Screen int
	// Source returns the socket source.
	Source func(sockets.SourceOptions) (sockets.Source, error)
	// Attribute finds the processes holding sockets (-p).
	Attribute collect.AttributeFunc
	// Names names ports, interfaces and protocols.
	Names Names
	// Filter are the filter language's options (services, interfaces,
	// cgroups, the ephemeral port range).
	Filter filter.Options
	// Host is the host name JSON output carries.
	Host string
	// RawDiag says, after the listing, whether raw sockets came over
	// sock_diag (Names.RawDiag); nil means they did not.
	RawDiag func() bool
	// Resolve names addresses for -r (reverse DNS); nil leaves them
	// numeric.
	Resolve func(ctx context.Context, addrs []netip.Addr) map[netip.Addr]string
	// NewDestroyer opens the closer of sockets -K uses, in the calling
	// thread's network namespace; nil is sockets.NewDestroyer.
	NewDestroyer func() (sockets.Destroyer, error)
}

// Run runs ss's command line args (without the program name) and
// returns the exit code.
func Run(ctx context.Context, env *Env, args []string) int {
	o, err := Parse(args)
	if err != nil {
		var ue *UsageError
		if errors.As(err, &ue) {
			errorf(env, "%s", ue.Msg)
			io.WriteString(env.Stderr, usage)
			return exitUsage
		}
		errorf(env, "%v", err)
		return exitUsage
	}
	switch {
	case o.Help:
		io.WriteString(env.Stdout, usage)
		return exitOK
	case o.Version:
		io.WriteString(env.Stdout, "ss utility, iproute2-6.1.0 (sockscope)\n")
		return exitOK
	case o.NoSELinux:
		// ss's own answer where SELinux is not enabled.
		errorf(env, "SELinux is not enabled.")
		return exitError
	}
	if len(o.Unsupported) > 0 {
		errorf(env, "%s: not supported by sockscope yet", strings.Join(o.Unsupported, ", "))
		return exitError
	}
	if o.NetNS != "" {
		leave, err := enterNetNS(o.NetNS)
		if err != nil {
			// ss's own words, without its name, as strerror says them.
			msg := err.Error()
			if errno := syscall.Errno(0); errors.As(err, &errno) {
				msg = errno.Error()
			}
			if msg != "" {
				msg = strings.ToUpper(msg[:1]) + msg[1:]
			}
			fmt.Fprintf(env.Stderr, "Cannot open network namespace \"%s\": %s\n", o.NetNS, msg)
			return exitError
		}
		defer leave()
	}
	out := bufio.NewWriterSize(env.Stdout, 64<<10)
	defer out.Flush()
	code := exitOK
	if o.Summary {
		if err := writeSummary(out); err != nil {
			errorf(env, "%v", err)
			code = exitError
		}
		if o.defaulted && len(o.Filter) == 0 && o.FilterFile == "" {
			return code
		}
	}
	switch {
	case o.Tables == 0:
		errorf(env, "no socket tables to show with such filter.")
		return code
	case o.Families == 0:
		errorf(env, "no families to show with such filter.")
		return code
	case o.States == 0:
		errorf(env, "no socket states to show with such filter.")
		return code
	}
	// A table sockscope cannot read is said on stderr and the rest is
	// listed, exit 0: as ss lists nothing for a protocol whose diag module
	// is missing, and as a listing of sockscope's own warns of a part it
	// could not read; a script under set -e goes on.
	for _, name := range o.noSource() {
		errorf(env, "%s sockets are not listed: sockscope has no data source for them", name)
	}
	q, err := o.query(env)
	if err != nil {
		errorf(env, "%v", err)
		return exitUsage
	}
	src, err := env.Source(sockets.SourceOptions{})
	if err != nil {
		errorf(env, "%v", err)
		return exitError
	}
	// Whether an IPv6 socket with a wildcard endpoint is listed is noted
	// as the dump goes (the dumps of two parts may run at once).
	var wildcard atomic.Bool
	if keep := q.AfterDump; keep != nil {
		q.AfterDump = func(s *sockets.Socket) bool {
			if !keep(s) {
				return false
			}
			if wildcard6(s) {
				wildcard.Store(true)
			}
			return true
		}
	}
	if o.Format == "json" {
		// JSON's socket objects carry their holders always (docs/json.md:
		// "processes": [] means no process holds the socket), as
		// sockscope's own JSON does, -p or not.
		q.Owners, q.Details = true, true
	}
	c := &collect.Collector{Source: src, Attribute: env.Attribute, PauseGC: true}
	// A listing without owners or internals is kept packed (about 30
	// bytes a socket, sockets.Packed) rather than as Sockets.
	var (
		snap   collect.Snapshot
		all    iter.Seq[*sockets.Socket]
		packed sockets.Packed
	)
	if !q.Owners && q.AfterOwners == nil && q.Kernel.Internals == 0 && o.Format == "" && !o.Kill {
		snap, err = c.Stream(ctx, &q, &packed)
		all = packed.All()
	} else {
		snap, err = c.Collect(ctx, &q, nil)
		all = slices.Values(pointers(snap.Sockets))
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return code
		}
		errorf(env, "%v", err)
		return exitError
	}
	for _, e := range snap.Warnings.Partial {
		errorf(env, "%v", e)
	}
	socks := ssOrdered(all, q.Kernel.Protos)
	nm := env.Names
	if env.RawDiag != nil {
		nm.RawDiag = env.RawDiag()
	}
	if q.Kernel.Internals&sockets.WantExtended == 0 {
		nm.v6only = v6OnlyCookies(ctx, src, q.Kernel, wildcard.Load())
	}
	if o.Kill {
		// After the second look at IPv6 wildcard sockets, which
		// finds only sockets still open.
		socks = killSockets(ctx, env, socks, nm.RawDiag)
	}
	if o.Format == "json" {
		var list []sockets.Socket
		for s := range socks {
			list = append(list, *s)
		}
		meta := render.Meta{Host: env.Host, Time: snap.Time, Unattributed: snap.Warnings.Unattributed}
		if err := render.Write(out, list, meta, render.Options{Format: render.JSON}); err != nil {
			errorf(env, "%v", err)
			return exitError
		}
		return code
	}
	if o.listsNetlink() {
		nl, err := readNetlink(procfs.Default().Net())
		if err != nil {
			errorf(env, "netlink sockets: %v", err)
			code = exitError
		}
		if len(nl) > 0 {
			if nm.NetlinkNames == nil {
				nm.NetlinkNames = loadNetlinkNames()
			}
			if nm.Comm == nil {
				nm.Comm = readComm
			}
			socks = concat(slices.Values(pointers(nl)), socks)
		}
	}
	if o.Resolve && env.Resolve != nil {
		nm.Host = resolveHosts(ctx, env.Resolve, socks)
	}
	if err := writeTable(out, o, &nm, env.Screen, socks); err != nil {
		return exitError
	}
	return code
}

// listsNetlink reports whether ss would list netlink sockets: their
// table and family asked for, unconnected sockets among the states, and
// no filter expression (which sockscope does not apply to them).
func (o *Options) listsNetlink() bool {
	return o.Format == "" && o.Tables.has(tblNetlink) && o.Families.has(famNetlink) &&
		o.States&(1<<stClose) != 0 && len(o.Filter) == 0 && o.FilterFile == ""
}

// concat yields the sockets of a, then those of b.
func concat(a, b iter.Seq[*sockets.Socket]) iter.Seq[*sockets.Socket] {
	return func(yield func(*sockets.Socket) bool) {
		for s := range a {
			if !yield(s) {
				return
			}
		}
		for s := range b {
			if !yield(s) {
				return
			}
		}
	}
}

// loadNetlinkNames reads iproute2's nl_protos, from /etc/iproute2 or
// else /usr/share/iproute2, over the built-in names.
func loadNetlinkNames() map[uint8]string {
	for _, dir := range []string{"/etc/iproute2", "/usr/share/iproute2"} {
		if data, err := os.ReadFile(filepath.Join(dir, "nl_protos")); err == nil {
			return ParseNetlinkNames(data)
		}
	}
	return netlinkNames
}

// readComm returns the command name of process pid as /proc/PID/stat
// gives it, up to the first ')' as ss reads it; "" if there is none.
func readComm(pid int32) string {
	data, err := os.ReadFile(procfs.Default().Path(strconv.Itoa(int(pid)), "stat"))
	if err != nil {
		return ""
	}
	open := bytes.IndexByte(data, '(')
	if open < 0 {
		return ""
	}
	rest := data[open+1:]
	if end := bytes.IndexByte(rest, ')'); end >= 0 {
		rest = rest[:end]
	}
	return string(rest)
}

// pointers returns pointers to the elements of socks.
func pointers(socks []sockets.Socket) []*sockets.Socket {
	ps := make([]*sockets.Socket, len(socks))
	for i := range socks {
		ps[i] = &socks[i]
	}
	return ps
}

// resolveHosts asks resolve for the names of every address of socks at
// once, and returns the lookup of the answers.
func resolveHosts(ctx context.Context, resolve func(context.Context, []netip.Addr) map[netip.Addr]string, socks iter.Seq[*sockets.Socket]) func(netip.Addr) string {
	seen := make(map[netip.Addr]bool)
	var addrs []netip.Addr
	for s := range socks {
		if s.Family == sockets.Local {
			continue
		}
		for _, a := range [2]netip.Addr{s.Local.Addr(), s.Remote.Addr()} {
			if !a.IsUnspecified() && !seen[a] {
				seen[a] = true
				addrs = append(addrs, a)
			}
		}
	}
	found := resolve(ctx, addrs)
	return func(a netip.Addr) string {
		if name, ok := found[a]; ok {
			return name
		}
		return found[a.Unmap().WithZone("")]
	}
}

// errorf writes one "ss: ..." line to standard error.
func errorf(env *Env, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	io.WriteString(env.Stderr, "ss: "+strings.ReplaceAll(msg, "\n", "; ")+"\n")
}

// writeTable lays socks out as ss does.
func writeTable(w io.Writer, o *Options, names *Names, screen int, socks iter.Seq[*sockets.Socket]) error {
	return NewTable(o, names, screen).WriteAll(w, socks)
}

// ssRank is the place of a socket's dump in ss's order: unix, raw, udp,
// tcp, mptcp, each IPv4 before IPv6.
func ssRank(s *sockets.Socket) int {
	r := 0
	switch s.Proto {
	case sockets.Unix:
		return 0
	case sockets.Raw:
		r = 1
	case sockets.UDP:
		r = 3
	case sockets.TCP:
		r = 5
	case sockets.MPTCP:
		r = 7
	default:
		return 9
	}
	if s.Family == sockets.Inet6 {
		r++
	}
	return r
}

// ssOrdered yields the sockets of all in ss's order, keeping the order
// of each dump: all as it is when it is in that order already (the dumps
// of one protocol, listed IPv4 first, as protos says; or as one pass
// finds), else one pass over it for each rank present. all must yield
// the same sockets each time it is ranged over.
func ssOrdered(all iter.Seq[*sockets.Socket], protos sockets.ProtoSet) iter.Seq[*sockets.Socket] {
	if protos != 0 && protos&(protos-1) == 0 {
		return all
	}
	var present [10]bool
	sorted, last := true, -1
	for s := range all {
		r := ssRank(s)
		present[r] = true
		if r < last {
			sorted = false
		}
		last = r
	}
	if sorted {
		return all
	}
	return func(yield func(*sockets.Socket) bool) {
		for r := range present {
			if !present[r] {
				continue
			}
			for s := range all {
				if ssRank(s) == r && !yield(s) {
					return
				}
			}
		}
	}
}

// v6OnlyCookies returns, where need says a listed IPv6 socket has a
// wildcard endpoint, the cookies of those that are IPV6_V6ONLY: ss writes such an endpoint as
// "*" unless the option is set. The option comes with the kernel's
// extended attributes, which cost an allocation a socket: rather than
// asking for them in the whole dump, they are asked for in a second,
// small one of the sockets that can have such an endpoint (listening and
// unconnected ones).
func v6OnlyCookies(ctx context.Context, src sockets.Source, f sockets.Filter, need bool) map[uint64]bool {
	if !need {
		return nil
	}
	f.Families = sockets.FamilySet(0).With(sockets.Inet6)
	f.Protos &^= sockets.ProtoSet(0).With(sockets.Unix)
	f.States &= 1<<sockets.Listen | 1<<sockets.Close
	f.Bytecode = ""
	f.Internals = sockets.WantExtended
	if f.States == 0 || f.Protos == 0 {
		f.States = 1<<sockets.Listen | 1<<sockets.Close
	}
	more, err := src.Snapshot(ctx, f, nil)
	if err != nil && len(more) == 0 {
		return nil
	}
	only := make(map[uint64]bool)
	for i := range more {
		if in := more[i].Internals; in != nil && in.Has&sockets.HasV6Only != 0 && in.V6Only {
			only[more[i].Cookie] = true
		}
	}
	return only
}

// wildcard6 reports whether s is an IPv6 socket with an endpoint that is
// the unspecified address.
func wildcard6(s *sockets.Socket) bool {
	return s.Family == sockets.Inet6 && (s.Local.Addr().IsUnspecified() || s.Remote.Addr().IsUnspecified())
}

// noSource names the tables asked for by name that sockscope has no
// source for.
func (o *Options) noSource() []string { return o.explicit }

// query turns the options and the filter expression into a collector
// query.
func (o *Options) query(env *Env) (collect.Query, error) {
	var f sockets.Filter
	if o.Tables.has(tblTCP) {
		f.Protos = f.Protos.With(sockets.TCP)
	}
	if o.Tables.has(tblUDP) {
		f.Protos = f.Protos.With(sockets.UDP)
	}
	if o.Tables.has(tblRaw) {
		f.Protos = f.Protos.With(sockets.Raw)
	}
	if o.Tables.has(tblMPTCP) {
		f.Protos = f.Protos.With(sockets.MPTCP)
	}
	if o.Tables&unixTables != 0 && o.Families.has(famUnix) {
		f.Protos = f.Protos.With(sockets.Unix)
	}
	v4, v6 := o.Families.has(famInet), o.Families.has(famInet6)
	// ss dumps IPv4 then IPv6, but only the last family -4, -6 or -f
	// named when it is one of them: "-4 -6" lists IPv6 sockets alone.
	if o.HasPreferred && o.Preferred == famInet {
		v6 = false
	}
	if o.HasPreferred && o.Preferred == famInet6 {
		v4 = false
	}
	switch {
	case v4 && !v6:
		f.Families = sockets.FamilySet(0).With(sockets.Inet)
	case v6 && !v4:
		f.Families = sockets.FamilySet(0).With(sockets.Inet6)
	case !v4 && !v6:
		f.Protos &= sockets.ProtoSet(0).With(sockets.Unix)
	}
	f.States = kernelStates(o.States)
	if o.Details > 0 || o.Cgroup {
		f.Internals |= sockets.WantExtended
	}
	if o.TOS {
		f.Internals |= sockets.WantTOS
	}
	if o.Info {
		f.Internals |= sockets.WantInfo
	}
	if o.Memory {
		f.Internals |= sockets.WantMemory
	}
	q := collect.Query{Owners: o.Processes}
	words := o.Filter
	if o.FilterFile != "" {
		text, err := filter.ReadFilterPath(o.FilterFile, env.Stdin)
		if err != nil {
			return q, err
		}
		words = append(slices0(words), text)
	}
	tables := o.Tables
	q.AfterDump = func(s *sockets.Socket) bool {
		if s.Proto != sockets.Unix {
			return true
		}
		switch s.Type {
		case sockets.Stream:
			return tables.has(tblUnixStream)
		case sockets.SeqPacket:
			return tables.has(tblUnixSeq)
		case sockets.Dgram:
			return tables.has(tblUnixDgram)
		}
		return true
	}
	if o.HasPreferred && o.Preferred == famUnix {
		words = unixHosts(words)
	}
	if len(words) > 0 {
		fopts := env.Filter
		e, err := filter.ParseArgs(words, &fopts)
		if err != nil {
			return q, err
		}
		plan, err := e.Plan()
		if err != nil {
			return q, err
		}
		if plan.StatesGiven {
			f.States &= kernelStates(uint32(plan.States))
		}
		switch fams := plan.Families; {
		case fams == 0:
		case fams.Has(sockets.Local) && !fams.Has(sockets.Inet) && !fams.Has(sockets.Inet6):
			f.Protos &= sockets.ProtoSet(0).With(sockets.Unix)
		default:
			f.Families = fams
			f.Protos &^= sockets.ProtoSet(0).With(sockets.Unix)
		}
		f.Bytecode = string(plan.Bytecode)
		if after := plan.AfterDump; after != nil {
			types := q.AfterDump
			q.AfterDump = func(s *sockets.Socket) bool { return types(s) && after(s) }
		}
		q.AfterOwners = plan.AfterOwners
		q.Owners = q.Owners || plan.NeedsOwners
	}
	q.Kernel = f
	return q, nil
}

func slices0(s []string) []string { return append([]string(nil), s...) }

// hasFamilyPrefix reports whether a host condition names its family.
func hasFamilyPrefix(host string) bool {
	for _, p := range []string{"unix:", "inet:", "inet6:", "link:", "netlink:", "vsock:"} {
		if strings.HasPrefix(host, p) {
			return true
		}
	}
	return false
}

// unixHosts writes "unix:" before the address of every src and dst
// condition that names no family: ss reads such an address in its
// preferred family, unix after -x or -f unix ("ss -x src '*.sock'").
func unixHosts(words []string) []string {
	var toks []string
	for _, w := range words {
		toks = append(toks, strings.Fields(w)...)
	}
	afterDir := false
	for i, t := range toks {
		core := strings.TrimLeft(t, "(!")
		lead := t[:len(t)-len(core)]
		switch lower := strings.ToLower(core); {
		case lower == "src" || lower == "dst":
			afterDir = true
			continue
		case afterDir && (core == "=" || core == "==" || lower == "eq"):
			continue
		case afterDir && core != "" && !hasFamilyPrefix(lower):
			toks[i] = lead + "unix:" + core
		}
		afterDir = false
	}
	return toks
}

// kernelStates maps ss's state bits to the kernel's request: the same
// bits, and request sockets with SYN-RECV. Bound-inactive TCP sockets
// (Linux 6.7+) are never asked for, as ss 6.1 does not know them.
func kernelStates(mask uint32) sockets.StateSet {
	set := sockets.StateSet(mask) &^ 1
	set &= 1<<(stMax) - 1
	if set.Has(sockets.SynRecv) {
		set |= 1 << sockets.NewSynRecv
	}
	return set
}

// writeSummary writes ss -s from the proc files of the calling thread's
// network namespace.
func writeSummary(w io.Writer) error {
	fs := procfs.Default()
	net := fs.Net()
	var s sockstat
	data, err := os.ReadFile(filepath.Join(net, "sockstat"))
	if err != nil {
		return err
	}
	parseSockstat(data, &s)
	if data, err := os.ReadFile(filepath.Join(net, "sockstat6")); err == nil {
		parseSockstat(data, &s)
	}
	estab := 0
	if data, err := os.ReadFile(filepath.Join(net, "snmp")); err == nil {
		estab, _ = snmpValue(data, "Tcp:", "CurrEstab")
	}
	_, err = w.Write(appendSummary(nil, &s, estab))
	return err
}
