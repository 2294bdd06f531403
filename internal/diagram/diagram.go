package diagram

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Options says what Write draws.
type Options struct {
	// View is "" for the whole RFC 9293 state diagram, "open" for
	// connection setup (three-way handshake) or "close" for connection
	// teardown (four-way close).
	View string
	// ASCII draws with +-|<>^v instead of box-drawing characters.
	ASCII bool
	// Lang is "" or "en" for English, any "zh" tag for Simplified
	// Chinese titles, legend and event text. State names stay the
	// kernel's in every language.
	Lang string
	// Counts, when not nil, holds the number of sockets in each state,
	// keyed by kernel state name (LISTEN, SYN_SENT, SYN_RECV,
	// ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT, CLOSING, LAST_ACK,
	// TIME_WAIT, CLOSE); each is written into its state's box.
	Counts map[string]int
	// Format is "" or "text" for the terminal drawing, "dot" for
	// Graphviz.
	Format string
	// Width is the number of columns the text drawing may take, 0 for
	// no limit. The whole diagram is 99 columns wide; below that it is
	// drawn in its narrow form, at most NarrowWidth columns. The halves
	// (open, close) always fit NarrowWidth. Nothing is narrower: Fits
	// says whether the drawing fits Width.
	Width int
}

// NarrowWidth is the width of the narrowest drawings, in columns: that of
// a classic terminal.
const NarrowWidth = 80

// Fits reports whether the text drawing o describes fits in o.Width
// columns (always, when o.Width is 0).
func Fits(o Options) bool {
	return o.Width <= 0 || o.Width >= NarrowWidth || o.Format == "dot"
}

// Views lists the valid values of Options.View.
var Views = []string{"", "open", "close"}

// ParseView checks a view name: "" (the whole diagram), "open" or
// "close"; anything else is an error listing the valid ones.
func ParseView(s string) (string, error) {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case "", "open", "close":
		return v, nil
	}
	return "", fmt.Errorf("unknown diagram view %q: valid views are open, close, or none for the whole diagram", s)
}

// Write draws the diagram o describes to w.
func Write(w io.Writer, o Options) error {
	view, err := ParseView(o.View)
	if err != nil {
		return err
	}
	var out string
	switch o.Format {
	case "", "text":
		t := textsFor(o.Lang)
		d := &drawer{t: t, counts: o.Counts}
		switch view {
		case "open":
			out = d.open().String(o.ASCII)
		case "close":
			out = d.close().String(o.ASCII)
		default:
			g := wide
			if o.Width > 0 && o.Width < wideWidth {
				g = narrow
			}
			out = d.full(g).String(o.ASCII)
		}
	case "dot":
		out = dot(view, textsFor(o.Lang), o.Counts)
	default:
		return fmt.Errorf("unknown diagram format %q: valid formats are text, dot", o.Format)
	}
	_, err = io.WriteString(w, out)
	return err
}

// wideWidth is the width of the whole diagram's wide form, in columns.
const wideWidth = 99

// The eleven states of RFC 9293, by kernel name (CLOSED is the
// kernel's CLOSE).
const (
	sClosed    = "CLOSED"
	sListen    = "LISTEN"
	sSynSent   = "SYN_SENT"
	sSynRecv   = "SYN_RECV"
	sEstab     = "ESTABLISHED"
	sFinWait1  = "FIN_WAIT1"
	sFinWait2  = "FIN_WAIT2"
	sClosing   = "CLOSING"
	sTimeWait  = "TIME_WAIT"
	sCloseWait = "CLOSE_WAIT"
	sLastAck   = "LAST_ACK"
)

var states = []string{sClosed, sListen, sSynSent, sSynRecv, sEstab, sFinWait1, sFinWait2,
	sClosing, sTimeWait, sCloseWait, sLastAck}

// transition is one arrow of RFC 9293 Figure 5; ev and act index the
// texts (act "" when the RFC shows none, drawn as "x").
type transition struct {
	from, to string
	ev, act  string
}

var transitions = []transition{
	{sClosed, sListen, "passive OPEN", "create TCB"},
	{sClosed, sSynSent, "active OPEN", "create TCB, snd SYN"},
	{sListen, sClosed, "CLOSE", "delete TCB"},
	{sSynSent, sClosed, "CLOSE", "delete TCB"},
	{sListen, sSynRecv, "rcv SYN", "snd SYN,ACK"},
	{sListen, sSynSent, "SEND", "snd SYN"},
	{sSynRecv, sListen, "rcv RST (note 1)", ""},
	{sSynSent, sSynRecv, "rcv SYN", "snd SYN,ACK"},
	{sSynRecv, sEstab, "rcv ACK of SYN", ""},
	{sSynSent, sEstab, "rcv SYN,ACK", "snd ACK"},
	{sSynRecv, sFinWait1, "CLOSE", "snd FIN"},
	{sEstab, sFinWait1, "CLOSE", "snd FIN"},
	{sEstab, sCloseWait, "rcv FIN", "snd ACK"},
	{sFinWait1, sFinWait2, "rcv ACK of FIN", ""},
	{sFinWait1, sClosing, "rcv FIN", "snd ACK"},
	{sCloseWait, sLastAck, "CLOSE", "snd FIN"},
	{sFinWait2, sTimeWait, "rcv FIN", "snd ACK"},
	{sClosing, sTimeWait, "rcv ACK of FIN", ""},
	{sLastAck, sClosed, "rcv ACK of FIN", ""},
	{sTimeWait, sClosed, "Timeout=2MSL", "delete TCB"},
}

// label returns "event / action" for the arrow from -> to in t's
// language.
func (t *texts) label(from, to string) string {
	ev, act := t.parts(from, to)
	return ev + " / " + act
}

// parts returns the event and the action ("x" for none) of the arrow
// from -> to in t's language.
func (t *texts) parts(from, to string) (event, action string) {
	for _, tr := range transitions {
		if tr.from == from && tr.to == to {
			return t.tr(tr.ev), t.tr(orX(tr.act))
		}
	}
	panic("diagram: no transition " + from + " -> " + to)
}

func orX(s string) string {
	if s == "" {
		return "x"
	}
	return s
}

// count returns the text of state's live count, "" without counts.
func count(counts map[string]int, state string) string {
	if counts == nil {
		return ""
	}
	n, ok := counts[state]
	if !ok && state == sClosed {
		n = counts["CLOSE"]
	}
	s := strconv.Itoa(n)
	if len(s) > boxW-4 {
		s = s[:boxW-5] + "+"
	}
	return "(" + s + ")"
}
