package ssmode

import (
	"context"
	"errors"
	"io"
	"iter"
	"slices"
	"strings"
	"syscall"

	"github.com/sockscope/sockscope/internal/sockets"
)

// killSockets is ss -K: it asks the kernel to close each inet socket of
// socks, in order, and yields those it closed and the sockets ss never
// closes (unix and netlink sockets, raw sockets read from /proc/net
// because the kernel has no raw_diag: ss lists those as it found them).
// As ss, a socket the kernel cannot close (EOPNOTSUPP) or that is gone
// (ENOENT) is left out silently; any other refusal (EPERM without
// CAP_NET_ADMIN, EINVAL for an MPTCP listener) is printed as ss's perror
// does, "SOCK_DESTROY answers: Operation not permitted", once, and the
// rest of that protocol's sockets are neither closed nor listed, as ss
// stops that protocol's dump there.
func killSockets(ctx context.Context, env *Env, socks iter.Seq[*sockets.Socket], rawDiag bool) iter.Seq[*sockets.Socket] {
	newDestroyer := env.NewDestroyer
	if newDestroyer == nil {
		newDestroyer = sockets.NewDestroyer
	}
	d, derr := newDestroyer()
	if d != nil {
		defer d.Close()
	}
	var kept []*sockets.Socket
	var stopped sockets.ProtoSet
	for s := range socks {
		switch {
		case s.Family == sockets.Local || s.Family == 0 || (s.Proto == sockets.Raw && !rawDiag):
			kept = append(kept, s)
			continue
		case stopped.Has(s.Proto):
			continue
		}
		err := derr
		if err == nil {
			err = d.Destroy(ctx, s)
		}
		if err == nil {
			kept = append(kept, s)
			continue
		}
		if silentKillError(err) {
			continue
		}
		stopped = stopped.With(s.Proto)
		io.WriteString(env.Stderr, "SOCK_DESTROY answers: "+perrorText(err)+"\n")
	}
	return slices.Values(kept)
}

// silentKillError reports whether ss -K skips err without a word: the
// kernel cannot close the socket (EOPNOTSUPP), or it is gone (ENOENT).
func silentKillError(err error) bool {
	var de *sockets.DestroyError
	if errors.As(err, &de) {
		switch de.Reason {
		case sockets.DestroyGone, sockets.DestroyProtocol, sockets.DestroyNoKernelSupport:
			return true
		}
	}
	return false
}

// perrorText is err as perror(3) says an errno ("Operation not
// permitted"), or err's own text, capitalised, for other errors.
func perrorText(err error) string {
	msg := err.Error()
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg = errno.Error()
	}
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return msg
}
