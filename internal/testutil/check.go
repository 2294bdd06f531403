package testutil

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// ExpectedSocket is one socket of a Population, as the holder made it.
type ExpectedSocket struct {
	// Name says what the socket is for, as "tcp4 listener shared with a
	// child"; failures quote it.
	Name   string
	Proto  sockets.Proto
	Family sockets.Family
	Type   sockets.SockType // unix sockets only
	State  sockets.State
	// Local and Remote are the endpoints of inet sockets; the remote of a
	// listener or unconnected socket is the unspecified address, port 0.
	Local, Remote netip.AddrPort
	// Path is the address of a unix socket: a file path, "@name" for an
	// abstract one, "" for an unbound one.
	Path string
	// Inode is the socket's inode; 0 for a socket no process holds
	// (TIME_WAIT).
	Inode uint64
	// Peer is the inode of a unix socket's peer where the holder knows it
	// (a socketpair); sources that report peers must agree.
	Peer uint64
	// UID is the socket's owner as the kernel records it: the uid of the
	// process that created it.
	UID uint32
	// Owners lists every process that holds the socket, with the fd it holds
	// it on and what /proc said of the process; empty for the sockets no
	// process holds: TIME_WAIT, request sockets (SYN_RECV) and connections
	// still in a listener's accept queue.
	Owners []sockets.Process
	// BoundInactive marks a TCP socket bound to an address but neither
	// listening nor connected, in state CLOSE. sock_diag lists it from
	// Linux 6.7 on, when asked with the TCP_BOUND_INACTIVE state bit;
	// /proc/net/tcp never does, as it is in none of the tables /proc walks
	// (listeners and the established hash), only in the bind hash.
	BoundInactive bool
}

// ProcessAccess is what the kernel looks at when an unprivileged process
// asks to read another's /proc/PID/fd (a ptrace access check): the target's
// credentials and whether it is dumpable.
type ProcessAccess struct {
	// Dumpable is prctl(PR_GET_DUMPABLE) == 1. A process that exec'd a
	// setuid or setgid program is not, and only a process with
	// CAP_SYS_PTRACE may then read its fds.
	Dumpable bool
	// UIDs and GIDs are the real, effective, saved and filesystem ids, as
	// in /proc/PID/status.
	UIDs, GIDs [4]uint32
}

// Population is a set of sockets held by a holder process (and its
// children) inside a network namespace; see StartPopulation.
type Population struct {
	// NetNS is the inode of the namespace the sockets live in.
	NetNS uint64
	// Holder is the PID of the holder process.
	Holder int
	// Dir is the directory holding the unix socket files; Token is the
	// random part of every name the population made ("@sockscope-test-" +
	// Token for the abstract socket).
	Dir, Token string
	// Expected lists every socket of the population.
	Expected []ExpectedSocket
	// Access describes, by PID, every process that owns a socket of
	// Expected.
	Access map[int32]ProcessAccess
}

// Only returns a copy of the population reduced to the sockets f selects,
// by f's own Match: what a Source given f must report.
func (p *Population) Only(f sockets.Filter) *Population {
	q := *p
	q.Expected = nil
	for _, e := range p.Expected {
		s := sockets.Socket{Proto: e.Proto, Family: e.Family, Type: e.Type, State: e.State}
		if f.Match(&s) {
			q.Expected = append(q.Expected, e)
		}
	}
	return &q
}

// WithoutBoundInactive returns a copy of the population without its
// bound-inactive TCP sockets (see ExpectedSocket.BoundInactive): what a
// source that cannot see them, /proc/net/tcp or an ss older than 6.7, must
// report.
func (p *Population) WithoutBoundInactive() *Population {
	q := *p
	q.Expected = nil
	for _, e := range p.Expected {
		if !e.BoundInactive {
			q.Expected = append(q.Expected, e)
		}
	}
	return &q
}

// AttributableBy returns the owners of e that a process running as uid and
// gid (real, effective and saved ids) without capabilities can attribute
// the socket to: those whose /proc/PID/fd the kernel lets it read. The
// ptrace access check behind that grants it for a dumpable process whose
// real, effective and saved uids and gids are all the caller's, and for no
// other. An owner the population has no access facts of is not returned.
func (p *Population) AttributableBy(e *ExpectedSocket, uid, gid uint32) []sockets.Process {
	var out []sockets.Process
	for _, o := range e.Owners {
		a, ok := p.Access[o.Info.PID]
		if !ok || !a.Dumpable {
			continue
		}
		same := true
		for i := range 3 {
			same = same && a.UIDs[i] == uid && a.GIDs[i] == gid
		}
		if same {
			out = append(out, o)
		}
	}
	return out
}

// Check asserts that got, a listing of the population's namespace after
// attribution, holds every expected socket exactly once, with its state,
// type, path, inode, uid, netns and exactly its owners (compared by PID,
// then each owner's PPID, UID, User, Name, Exe, ExeDeleted, Cmdline and FD),
// and nothing else. The namespace is the test's own and unix_diag and
// /proc/net/unix are per namespace too, so any other socket, inet or unix,
// is an error. It reports every problem with tb.Errorf and returns.
func (p *Population) Check(tb testing.TB, got []sockets.Socket) {
	tb.Helper()
	for _, problem := range p.Diff(got) {
		tb.Error(problem)
	}
}

// Diff returns what Check would report, one line per problem; nil means
// got matches the population.
func (p *Population) Diff(got []sockets.Socket) []string {
	byKey := make(map[string][]*sockets.Socket, len(got))
	for i := range got {
		k := keyOfSocket(&got[i])
		byKey[k] = append(byKey[k], &got[i])
	}
	var problems []string
	for _, e := range p.Expected {
		k := keyOfExpected(&e)
		matches := byKey[k]
		delete(byKey, k)
		switch len(matches) {
		case 0:
			problems = append(problems, fmt.Sprintf("%s: missing: want %s", e.Name, describeExpected(&e)))
			continue
		case 1:
		default:
			problems = append(problems, fmt.Sprintf("%s: reported %d times, want once", e.Name, len(matches)))
		}
		for _, s := range matches {
			for _, d := range p.compare(&e, s) {
				problems = append(problems, e.Name+": "+d)
			}
		}
	}
	var extra []string
	for _, ss := range byKey {
		for _, s := range ss {
			extra = append(extra, "unexpected socket: "+Describe(s))
		}
	}
	slices.Sort(extra)
	return append(problems, extra...)
}

// compare lists how s differs from e.
func (p *Population) compare(e *ExpectedSocket, s *sockets.Socket) []string {
	var d []string
	diff := func(field string, got, want any) {
		d = append(d, fmt.Sprintf("%s = %v, want %v", field, got, want))
	}
	want := sockets.Socket{Proto: e.Proto, State: e.State}
	if s.StateName() != want.StateName() {
		diff("state", s.StateName(), want.StateName())
	}
	if s.Type != e.Type {
		diff("type", s.Type, e.Type)
	}
	if s.Path != e.Path {
		diff("path", fmt.Sprintf("%q", s.Path), fmt.Sprintf("%q", e.Path))
	}
	if s.Inode != e.Inode {
		diff("inode", s.Inode, e.Inode)
	}
	if e.Peer != 0 && s.Peer != 0 && s.Peer != e.Peer {
		diff("peer inode", s.Peer, e.Peer)
	}
	if s.UID != e.UID && s.UID != sockets.NoUID { // NoUID: /proc/net/unix cannot tell
		diff("uid", s.UID, e.UID)
	}
	if p.NetNS != 0 && s.NetNS != p.NetNS {
		diff("netns", s.NetNS, p.NetNS)
	}
	for i, g := range s.Processes {
		if g.Info == nil {
			d = append(d, fmt.Sprintf("owner %d (fd %d): nil ProcessInfo", i, g.FD))
		}
	}
	if gotPIDs, wantPIDs := PIDs(s.Processes), PIDs(e.Owners); !slices.Equal(gotPIDs, wantPIDs) {
		diff("owner pids", gotPIDs, wantPIDs)
	}
	for _, w := range e.Owners {
		i := slices.IndexFunc(s.Processes, func(g sockets.Process) bool { return g.Info != nil && g.Info.PID == w.Info.PID })
		if i < 0 {
			continue
		}
		for _, od := range compareProcess(&s.Processes[i], &w) {
			d = append(d, fmt.Sprintf("owner pid %d: %s", w.Info.PID, od))
		}
	}
	return d
}

// compareProcess lists how the attributed process g differs from w.
func compareProcess(g, w *sockets.Process) []string {
	var d []string
	diff := func(field string, got, want any) {
		d = append(d, fmt.Sprintf("%s = %#v, want %#v", field, got, want))
	}
	if g.Info.PPID != w.Info.PPID {
		diff("ppid", g.Info.PPID, w.Info.PPID)
	}
	if g.Info.UID != w.Info.UID {
		diff("uid", g.Info.UID, w.Info.UID)
	}
	if w.Info.User != "" && g.Info.User != w.Info.User {
		diff("user", g.Info.User, w.Info.User)
	}
	if g.Info.Name != w.Info.Name {
		diff("name", g.Info.Name, w.Info.Name)
	}
	if g.Info.Exe != w.Info.Exe {
		diff("exe", g.Info.Exe, w.Info.Exe)
	}
	if g.Info.ExeDeleted != w.Info.ExeDeleted {
		diff("exe_deleted", g.Info.ExeDeleted, w.Info.ExeDeleted)
	}
	if !slices.Equal(g.Info.Cmdline, w.Info.Cmdline) {
		diff("cmdline", g.Info.Cmdline, w.Info.Cmdline)
	}
	if g.FD != w.FD {
		diff("fd", g.FD, w.FD)
	}
	return d
}

// PIDs returns the sorted PIDs of ps, skipping invalid entries (nil
// ProcessInfo).
func PIDs(ps []sockets.Process) []int32 {
	out := make([]int32, 0, len(ps))
	for _, p := range ps {
		if p.Info != nil {
			out = append(out, p.Info.PID)
		}
	}
	slices.Sort(out)
	return out
}

// keyOfSocket identifies a socket for matching: unix sockets by inode (a
// socketpair has no address), inet sockets by protocol, family and
// endpoints. Addresses are compared unmapped, so that a source may report
// the v4-mapped endpoints of an IPv6 socket either way; the family still
// has to be right.
func keyOfSocket(s *sockets.Socket) string {
	return key(s.Proto, s.Family, s.Local, s.Remote, s.Inode)
}

func keyOfExpected(e *ExpectedSocket) string {
	return key(e.Proto, e.Family, e.Local, e.Remote, e.Inode)
}

func key(proto sockets.Proto, family sockets.Family, local, remote netip.AddrPort, inode uint64) string {
	if family == sockets.Local {
		return fmt.Sprintf("%v inode %d", proto, inode)
	}
	unmap := func(ap netip.AddrPort) netip.AddrPort {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return fmt.Sprintf("%v %v %v -> %v", proto, family, unmap(local), unmap(remote))
}

// Describe returns a one-line description of a socket and its owners, for
// failure messages.
func Describe(s *sockets.Socket) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v %v", s.Proto, s.Family)
	if s.Family == sockets.Local {
		fmt.Fprintf(&b, " %v %q peer %d", s.Type, s.Path, s.Peer)
	} else {
		fmt.Fprintf(&b, " %v -> %v", s.Local, s.Remote)
	}
	fmt.Fprintf(&b, " %s inode %d uid %d", s.StateName(), s.Inode, s.UID)
	for _, p := range s.Processes {
		if p.Info == nil {
			fmt.Fprintf(&b, " [nil ProcessInfo fd %d]", p.FD)
			continue
		}
		fmt.Fprintf(&b, " [pid %d %q fd %d]", p.Info.PID, p.Info.Name, p.FD)
	}
	return b.String()
}

// describeExpected describes an expected socket as Describe does a found
// one.
func describeExpected(e *ExpectedSocket) string {
	s := sockets.Socket{
		Proto: e.Proto, Family: e.Family, Type: e.Type, State: e.State,
		Local: e.Local, Remote: e.Remote, Path: e.Path, Peer: e.Peer,
		Inode: e.Inode, UID: e.UID, Processes: e.Owners,
	}
	return Describe(&s)
}
