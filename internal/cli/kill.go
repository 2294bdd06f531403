package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/netns"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// newDestroyer opens the closer of sockets in the calling thread's
// network namespace; tests replace it.
var newDestroyer = sockets.NewDestroyer

// stdinIsTerminal reports whether in is a terminal kill can ask on;
// tests replace it.
var stdinIsTerminal = func(in io.Reader) bool {
	f, ok := in.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// killResult is what became of one socket kill tried to close: err is nil
// once it is closed.
type killResult struct {
	sock *sockets.Socket
	err  error
}

// killRun closes the sockets req chooses: it lists them, asks at a
// terminal unless --yes (and refuses, as bad input, where it cannot ask),
// closes each in its own network namespace and reports every socket
// closed and every one not closed with the reason. It lists and closes
// nothing else with --dry-run. Sockets not closed make its error (exit
// status 1); nothing matching is no error.
func killRun(ctx context.Context, f *Factory, req *listRequest) error {
	if ctx == nil {
		ctx = context.Background()
	}
	lang := req.Render.Lang
	snap, nsl, err := f.snapshotOnce(ctx, req)
	if err != nil {
		return err
	}
	warn(f, snap.Warnings, lang)
	socks := snap.Sockets
	req.Sort.Sort(socks)
	out := bufio.NewWriter(f.stdout(req.Render.Format))
	defer out.Flush()
	json := req.Render.Format == render.JSON

	switch {
	case len(socks) == 0:
		f.note(i18n.T(lang, "kill.none"))
		if json {
			writeKillJSON(out, req.Kill.DryRun, nil)
		}
		return nil
	case req.Kill.DryRun:
		if json {
			writeKillJSON(out, true, sockResults(socks))
		} else {
			writeKillTable(out, lang, nsName(req, nsl), sockResults(socks), false)
			f.note(i18n.T(lang, "kill.dryrun", killCount(lang, len(socks))))
		}
		return nil
	case !req.Kill.Yes:
		if !stdinIsTerminal(f.IO.In) {
			return flagErrorf(lang, "kill.err.notty", killCount(lang, len(socks)))
		}
		if !confirmKill(f, lang, nsName(req, nsl), socks) {
			f.note(i18n.T(lang, "kill.declined"))
			return nil
		}
	}

	results := closeSockets(ctx, f, req, nsl, socks)
	failed := 0
	for _, r := range results {
		if r.err != nil {
			failed++
		}
	}
	if json {
		writeKillJSON(out, false, results)
	} else {
		writeKillTable(out, lang, nsName(req, nsl), results, true)
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if failed > 0 {
		return errors.New(i18n.T(lang, "kill.err.failed", failed, len(results)))
	}
	return nil
}

// nsName returns the namer of the table's NetNS column: with
// --all-netns, the name of each namespace (net:[INODE] for one without);
// nil otherwise, and the table has no such column.
func nsName(req *listRequest, nsl *nsListing) func(uint64) string {
	if !req.AllNetNS || nsl == nil {
		return nil
	}
	return func(inode uint64) string {
		if l := nsl.lookup(inode); l != nil && l.Name != "" {
			return l.Name
		}
		return "net:[" + strconv.FormatUint(inode, 10) + "]"
	}
}

// sockResults wraps socks as results not yet tried, for the listings
// before closing.
func sockResults(socks []sockets.Socket) []killResult {
	rs := make([]killResult, len(socks))
	for i := range socks {
		rs[i].sock = &socks[i]
	}
	return rs
}

// confirmKill lists socks on stderr, asks whether to close them and
// reads the answer from stdin: y or yes (是 in Chinese) closes.
func confirmKill(f *Factory, lang string, ns func(uint64) string, socks []sockets.Socket) bool {
	w := bufio.NewWriter(f.IO.ErrOut)
	writeKillTable(w, lang, ns, sockResults(socks), false)
	fmt.Fprint(w, i18n.T(lang, "kill.prompt", killCount(lang, len(socks))))
	w.Flush()
	line, err := bufio.NewReader(f.IO.In).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(f.IO.ErrOut)
		return false
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes", "是", "是的", "好":
		return true
	}
	return false
}

// killCount is "N connection(s)" in lang.
func killCount(lang string, n int) string {
	if n == 1 {
		return i18n.T(lang, "kill.n.one")
	}
	return i18n.T(lang, "kill.n.many", n)
}

// closeSockets closes socks, each in the network namespace it lives in
// when --netns or --all-netns chose namespaces (entering it), else in
// this thread's, and returns what became of each, in the order of socks.
func closeSockets(ctx context.Context, f *Factory, req *listRequest, nsl *nsListing, socks []sockets.Socket) []killResult {
	results := sockResults(socks)
	if (req.NetNS == "" && !req.AllNetNS) || nsl == nil {
		destroyAll(ctx, results)
		return results
	}
	byNS := map[uint64][]int{}
	var order []uint64
	for i := range socks {
		ino := socks[i].NetNS
		if _, ok := byNS[ino]; !ok {
			order = append(order, ino)
		}
		byNS[ino] = append(byNS[ino], i)
	}
	for _, ino := range order {
		idx := byNS[ino]
		group := make([]killResult, len(idx))
		for j, i := range idx {
			group[j] = results[i]
		}
		var ns *netns.NetNS
		for k := range nsl.nss {
			if nsl.nss[k].Inode == ino {
				ns = &nsl.nss[k]
			}
		}
		var err error
		if ns == nil {
			err = errors.New(i18n.T(req.Render.Lang, "kill.err.nons", ino))
		} else {
			err = netns.Do(ns, func() error {
				destroyAll(ctx, group)
				return nil
			})
		}
		for j, i := range idx {
			if err != nil {
				group[j].err = err
			}
			results[i] = group[j]
		}
	}
	return results
}

// destroyAll closes the sockets of rs in the calling thread's network
// namespace, recording each one's error. A socket gone because kill
// closed its peer or its listener just before counts as closed. Once ctx
// ends, the rest fail with its error.
func destroyAll(ctx context.Context, rs []killResult) {
	d, err := newDestroyer()
	if err != nil {
		for i := range rs {
			rs[i].err = err
		}
		return
	}
	defer d.Close()
	// Closing one end of a connection held on this machine resets the
	// other, and closing a listener aborts the connections still in its
	// accept queue (no process holds those yet): those are then gone
	// because they were closed, not before. Addresses are compared
	// unmapped (an IPv4 client of a dual-stack listener holds the other
	// end in ::ffff:a.b.c.d).
	type ends struct{ local, remote netip.AddrPort }
	unmap := func(ap netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()) }
	closed := map[ends]bool{}
	var listeners []netip.AddrPort
	closedBy := func(s *sockets.Socket) bool {
		l, r := unmap(s.Local), unmap(s.Remote)
		if closed[ends{r, l}] {
			return true
		}
		if len(s.Processes) > 0 {
			return false // accepted: a listener's closing leaves it
		}
		for _, ln := range listeners {
			if ln.Port() == l.Port() && (ln.Addr() == l.Addr() || ln.Addr().IsUnspecified()) {
				return true
			}
		}
		return false
	}
	record := func(s *sockets.Socket) {
		switch {
		case s.Proto != sockets.TCP && s.Proto != sockets.MPTCP:
		case s.State == sockets.Listen:
			listeners = append(listeners, unmap(s.Local))
		case s.Remote.Port() != 0:
			closed[ends{unmap(s.Local), unmap(s.Remote)}] = true
		}
	}
	var gone []int
	for i := range rs {
		if err := ctx.Err(); err != nil {
			rs[i].err = err
			continue
		}
		s := rs[i].sock
		err := d.Destroy(ctx, s)
		var de *sockets.DestroyError
		if errors.As(err, &de) && de.Reason == sockets.DestroyGone {
			gone = append(gone, i)
		}
		if err == nil {
			record(s)
		}
		rs[i].err = err
	}
	// The order of the listing is not the order of the resets: look
	// again until nothing changes.
	for changed := true; changed; {
		changed = false
		for _, i := range gone {
			if rs[i].err != nil && closedBy(rs[i].sock) {
				rs[i].err = nil
				record(rs[i].sock)
				changed = true
			}
		}
	}
}
