package diagram

import (
	"fmt"
	"slices"
	"strings"
)

// viewStates lists the states each view shows.
var viewStates = map[string][]string{
	"":      states,
	"open":  {sClosed, sListen, sSynSent, sSynRecv, sEstab},
	"close": {sEstab, sFinWait1, sFinWait2, sClosing, sTimeWait, sCloseWait, sLastAck, sClosed},
}

// dot returns the view as a Graphviz digraph: one node per state, one
// edge per RFC 9293 transition between states of the view, labelled
// "event / action".
func dot(view string, t *texts, counts map[string]int) string {
	var b strings.Builder
	in := viewStates[view]
	title := map[string]string{"": t.titleFull, "open": t.titleOpen, "close": t.titleClose}[view]
	// An edge that refers to note 1 brings the note into the graph's
	// label, on a line of its own.
	if slices.Contains(in, sSynRecv) && slices.Contains(in, sListen) {
		title += "\n" + t.note()
	}
	b.WriteString("digraph tcp_states {\n")
	fmt.Fprintf(&b, "\tlabel=%q;\n\tlabelloc=t;\n\tnode [shape=box];\n", title)
	for _, s := range in {
		label := s
		if c := count(counts, s); c != "" {
			label += " " + c
		}
		fmt.Fprintf(&b, "\t%s [label=%q];\n", s, label)
	}
	for _, tr := range transitions {
		if slices.Contains(in, tr.from) && slices.Contains(in, tr.to) {
			fmt.Fprintf(&b, "\t%s -> %s [label=%q];\n", tr.from, tr.to, t.label(tr.from, tr.to))
		}
	}
	b.WriteString("}\n")
	return b.String()
}
