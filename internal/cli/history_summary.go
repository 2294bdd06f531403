package cli

// history --summary: the events counted by program, container, protocol
// and ends.

import (
	"cmp"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/sockscope/sockscope/internal/history"
	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// summaryKey groups history's summary: a program, its container, a
// protocol and a remote end. An accepted connection's group is the end
// it was accepted on (local) and its client's address, whatever its port
// (remote's port is 0): a client's port is a new one for each
// connection, and a server's connections would each be a group.
type summaryKey struct {
	program, container, proto string
	local, remote             netip.AddrPort
}

// summaryRow is one group's counts. Its bytes are the sums of its
// closes' and fails' where known: known and unknown count those rows
// whose bytes are known (eBPF's TCP) and not (polling's, UDP's).
type summaryRow struct {
	summaryKey
	connects, accepts, closes, fails int
	sent, received                   int64
	known, unknown                   int
	first, last                      time.Time
}

// connections is how many connections the group saw: each once, at its
// start (connect, accept, fail) or, for those whose start is not
// stored (a UDP socket's, one open before polling began), at its end.
func (s *summaryRow) connections() int {
	return max(s.connects+s.accepts+s.fails, s.closes)
}

func addSummary(sum map[summaryKey]*summaryRow, r *history.Row) {
	k := summaryKey{program: r.Program, container: r.Container, proto: cmp.Or(r.Proto, history.ProtoTCP), remote: r.Remote}
	if r.Passive {
		k.local, k.remote = unmap(r.Local), netip.AddrPortFrom(r.Remote.Addr().Unmap(), 0)
	}
	s := sum[k]
	if s == nil {
		s = &summaryRow{summaryKey: k, first: r.Time}
		sum[k] = s
	}
	switch r.Event {
	case "connect":
		s.connects++
	case "accept":
		s.accepts++
	case "close":
		s.closes++
	case "fail":
		s.fails++
	}
	if r.Event == "close" || r.Event == "fail" {
		// Only a connection's end carries its bytes.
		if r.Sent < 0 {
			s.unknown++
		} else {
			s.known++
			s.sent += r.Sent
			s.received += max(r.Received, 0)
		}
	}
	s.last = r.Time
}

// summaryBytes is a group's bytes as a table shows them, right-aligned
// in width: "-" where none of its connections' bytes are known, the
// known sum with a "+" after it where only some are (there were more),
// the sum otherwise; the digits of every row end in the same column.
func summaryBytes(s *summaryRow, n int64, width int) string {
	switch {
	case s.known == 0:
		return fmt.Sprintf("%*s ", width-1, "-")
	case s.unknown > 0:
		return fmt.Sprintf("%*d+", width-1, n)
	}
	return fmt.Sprintf("%*d ", width-1, n)
}

// summaryRemote is a group's remote end as a table shows it: a UDP
// socket that was never connected has none, shown as netstat shows its
// port ("0.0.0.0:*"), and an accepted connection's client any port
// ("10.0.0.7:*").
func summaryRemote(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return "*:*"
	}
	return killEndpoint(&sockets.Socket{Family: sockets.Inet}, unmap(ap), "")
}

// summaryLocal is a group's local end as a table shows it: the end its
// connections were accepted on, "*" for connections it made.
func summaryLocal(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return "*"
	}
	return summaryRemote(ap)
}

// writeSummary writes the groups, most connections first. Bytes a
// group's connections did not all report (polling and UDP report none)
// are marked: in a table "-" for none known and a "+" after a sum of
// only some; in JSON bytes_sent and bytes_received are left out where
// none are known, and bytes_partial, with them, says whether they are
// the sums of only some. It returns whether some group's bytes were
// partial.
func writeSummary(w io.Writer, sum map[summaryKey]*summaryRow, format render.Format, lang string) (partial bool, err error) {
	rows := make([]*summaryRow, 0, len(sum))
	for _, s := range sum {
		rows = append(rows, s)
		partial = partial || (s.known > 0 && s.unknown > 0)
	}
	slices.SortFunc(rows, func(a, b *summaryRow) int {
		return cmp.Or(cmp.Compare(b.connections(), a.connections()), cmp.Compare(a.program, b.program),
			cmp.Compare(a.container, b.container), cmp.Compare(a.proto, b.proto), a.local.Compare(b.local),
			a.remote.Compare(b.remote))
	})
	if format == render.Table {
		var labels []string
		for _, k := range []string{"program", "container", "proto", "local", "remote", "connects", "accepts", "closes", "fails",
			"sent", "received", "first", "last"} {
			labels = append(labels, i18n.T(lang, "trace.col."+k))
		}
		labels[9], labels[10] = labels[9]+" ", labels[10]+" " // over the digits, the "+" after them
		w.Write(appendHeading(nil, []int{-15, -12, -5, -22, -22, 8, 8, 8, 6, 13, 13, -19}, labels...))
		for _, s := range rows {
			fmt.Fprintf(w, "%-15s %-12s %-5s %-22s %-22s %8d %8d %8d %6d %s %s %-19s %s\n", cmp.Or(s.program, "-"), cmp.Or(s.container, "-"),
				s.proto, summaryLocal(s.local), summaryRemote(s.remote), s.connects, s.accepts, s.closes, s.fails,
				summaryBytes(s, s.sent, 13), summaryBytes(s, s.received, 13),
				s.first.Format("2006-01-02 15:04:05"), s.last.Format("2006-01-02 15:04:05"))
		}
		return partial, nil
	}
	var b []byte
	if format == render.JSON {
		b = append(b, `{"schema":1,"summary":[`...)
	}
	for i, s := range rows {
		if i > 0 && format == render.JSON {
			b = append(b, ',')
		}
		b = append(b, `{"program":`...)
		b = render.AppendJSONString(b, s.program)
		if s.container != "" {
			b = append(b, `,"container":`...)
			b = render.AppendJSONString(b, s.container)
		}
		b = append(b, `,"proto":`...)
		b = render.AppendJSONString(b, s.proto)
		if s.local.IsValid() {
			b = append(b, `,"local":{"ip":`...)
			b = render.AppendJSONString(b, s.local.Addr().Unmap().String())
			b = append(b, `,"port":`...)
			b = strconv.AppendUint(b, uint64(s.local.Port()), 10)
			b = append(b, '}')
		}
		b = append(b, `,"remote":{"ip":`...)
		ip := ""
		if s.remote.IsValid() {
			ip = s.remote.Addr().Unmap().String()
		}
		b = render.AppendJSONString(b, ip)
		b = append(b, `,"port":`...)
		b = strconv.AppendUint(b, uint64(s.remote.Port()), 10)
		b = fmt.Appendf(b, `},"connects":%d,"accepts":%d,"closes":%d,"fails":%d`, s.connects, s.accepts, s.closes, s.fails)
		if s.known > 0 {
			b = fmt.Appendf(b, `,"bytes_sent":%d,"bytes_received":%d,"bytes_partial":%t`, s.sent, s.received, s.unknown > 0)
		}
		b = append(b, `,"first":`...)
		b = render.AppendJSONString(b, s.first.UTC().Format(time.RFC3339Nano))
		b = append(b, `,"last":`...)
		b = render.AppendJSONString(b, s.last.UTC().Format(time.RFC3339Nano))
		b = append(b, '}')
		if format == render.NDJSON {
			b = append(b, '\n')
		}
	}
	if format == render.JSON {
		b = append(b, "]}\n"...)
	}
	_, err = w.Write(b)
	return partial, err
}
