// Package diagram draws the TCP connection state diagram of RFC 9293
// (Figure 5) in a terminal, or as Graphviz: the whole diagram, or the
// two halves a netstat guide shows on their own — connection setup
// (three-way handshake) and connection teardown (four-way close) — with
// the active (client) and passive (server) sides labelled.
//
// The text layouts are fixed, drawn with box-drawing characters or, with
// Options.ASCII, with +-|<>^v. The halves fit NarrowWidth (80) columns;
// the whole diagram is 99 columns wide, and has a narrow form within
// NarrowWidth, with some labels on two lines, for a narrower Options.Width.
// Each state box has a second line reserved for a live count of up to
// seven digits, so counts never move anything; a state drawn twice shows
// its count once, and a state drawn on both sides of a half (ESTABLISHED,
// CLOSED) shows it in a labelled legend line instead of on either side.
// Labels can be English or Simplified Chinese; widths are computed in
// terminal columns (CJK = 2) so boxes and arrows stay aligned in both
// languages. State names stay the kernel's (SYN_RECV, FIN_WAIT1, ...) in
// every language.
package diagram
