package cli

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/textwidth"
)

// kill's report: the table of what was chosen and what became of each
// socket, the reasons in words, and the JSON document.

// writeKillTable writes rs as a table: protocol, endpoints, state and
// holders, after the name of the network namespace when ns names them
// (--all-netns), and with results the outcome of each (closed, or not
// closed and why). Columns are padded to their display width, so that Chinese
// headings line up.
func writeKillTable(w io.Writer, lang string, ns func(uint64) string, rs []killResult, results bool) {
	head := []string{"kill.col.proto", "kill.col.local", "kill.col.remote", "kill.col.state", "kill.col.program"}
	if ns != nil {
		head = append([]string{"render.col.netns"}, head...)
	}
	if results {
		head = append(head, "kill.col.result")
	}
	rows := make([][]string, 0, len(rs)+1)
	row := make([]string, len(head))
	for i, k := range head {
		row[i] = i18n.T(lang, k)
	}
	rows = append(rows, row)
	for _, r := range rs {
		s := r.sock
		proto := s.Proto.String()
		if s.Family == sockets.Inet6 {
			proto += "6"
		}
		row := []string{proto, killEndpoint(s, s.Local, s.Path), killEndpoint(s, s.Remote, s.PeerPath), s.StateName(), killHolders(s)}
		if ns != nil {
			name, _ := render.SafeText(ns(s.NetNS))
			row = append([]string{name}, row...)
		}
		if results {
			if r.err == nil {
				row = append(row, i18n.T(lang, "kill.closed"))
			} else {
				row = append(row, i18n.T(lang, "kill.notclosed", killReason(lang, r.err)))
			}
		}
		rows = append(rows, row)
	}
	widths := make([]int, len(head))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], textwidth.String(cell))
		}
	}
	var b []byte
	for _, row := range rows {
		b = b[:0]
		for i, cell := range row {
			b = append(b, cell...)
			if i < len(row)-1 {
				for n := textwidth.String(cell); n < widths[i]+2; n++ {
					b = append(b, ' ')
				}
			}
		}
		b = append(b, '\n')
		w.Write(b)
	}
}

// killEndpoint is an endpoint as the table shows it: ADDR:PORT, "*" for
// the port 0 of an unconnected remote, a unix socket's path.
func killEndpoint(s *sockets.Socket, ap netip.AddrPort, path string) string {
	if s.Family == sockets.Local {
		if path == "" {
			return "*"
		}
		t, _ := render.SafeText(path)
		return t
	}
	if ap.Port() == 0 {
		str := ap.String()
		return str[:strings.LastIndexByte(str, ':')] + ":*"
	}
	return ap.String()
}

// killHolders is the table's PID/Program: every holder as PID/name,
// comma-separated, "-" for none.
func killHolders(s *sockets.Socket) string {
	var b []byte
	for _, p := range s.Processes {
		if p.Info == nil {
			continue
		}
		if len(b) > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(p.Info.PID), 10)
		name, _ := render.SafeText(p.Info.Name)
		b = append(append(b, '/'), name...)
	}
	if len(b) == 0 {
		return "-"
	}
	return string(b)
}

// killReason says in lang why a socket was not closed: the reason of a
// *sockets.DestroyError in the user's terms, else the error's text.
func killReason(lang string, err error) string {
	var de *sockets.DestroyError
	if !errors.As(err, &de) {
		return err.Error()
	}
	kind := de.Proto.String()
	if de.Family == sockets.Inet6 && de.Proto != sockets.Unix {
		kind += "6"
	}
	key := "kill.reason." + de.Reason.String()
	switch {
	case de.Reason == sockets.DestroyProtocol && de.Op == "SetTcpEntry":
		key += ".windows"
	case de.Reason == sockets.DestroyProtocol && de.Proto == sockets.Unix:
		key += ".unix"
	case de.Reason == sockets.DestroyProtocol && de.Proto == sockets.Raw:
		key += ".raw"
	case de.Reason == sockets.DestroyPermission && de.Op == "SetTcpEntry":
		key += ".windows"
	}
	msg := i18n.T(lang, key)
	if strings.Contains(msg, "%s") {
		msg = fmt.Sprintf(msg, kind)
	}
	if de.Err != nil {
		msg += " (" + de.Op + ": " + de.Err.Error() + ")"
	}
	return msg
}

// writeKillJSON writes the report of kill as one JSON object (schema 1,
// docs/kill.md): {"schema":1,"closed":[...],"failed":[{"socket":...,
// "reason":"...","error":"..."}]}, or with dryRun
// {"schema":1,"dry_run":true,"would_close":[...]}.
func writeKillJSON(w io.Writer, dryRun bool, rs []killResult) {
	b := []byte(`{"schema":1`)
	if dryRun {
		b = append(b, `,"dry_run":true,"would_close":[`...)
		for i, r := range rs {
			if i > 0 {
				b = append(b, ',')
			}
			b = render.AppendSocketJSON(b, r.sock)
		}
		b = append(b, "]}\n"...)
		w.Write(b)
		return
	}
	b = append(b, `,"closed":[`...)
	n := 0
	for _, r := range rs {
		if r.err != nil {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = render.AppendSocketJSON(b, r.sock)
	}
	b = append(b, `],"failed":[`...)
	n = 0
	for _, r := range rs {
		if r.err == nil {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, `{"socket":`...)
		b = render.AppendSocketJSON(b, r.sock)
		reason := "error"
		var de *sockets.DestroyError
		if errors.As(r.err, &de) {
			reason = de.Reason.String()
		}
		b = append(b, `,"reason":`...)
		b = render.AppendJSONString(b, reason)
		b = append(b, `,"error":`...)
		b = render.AppendJSONString(b, r.err.Error())
		b = append(b, '}')
	}
	b = append(b, "]}\n"...)
	w.Write(b)
}
