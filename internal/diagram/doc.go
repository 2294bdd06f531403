// Package diagram draws the TCP connection state diagram of RFC 9293
// (Figure 5) in a terminal, or as Graphviz: the whole diagram, or the
// two halves a netstat guide shows on their own — connection setup
// (three-way handshake) and connection teardown (four-way close) — with
// the active (client) and passive (server) sides labelled.
//
// The text layout is fixed (at most 100 columns), drawn with
// box-drawing characters or, with Options.ASCII, with +-|<>^v. Each
// state box has a second line reserved for a live count of up to seven
// digits, so counts never move anything. Labels can be English or
// Simplified Chinese; widths are computed in terminal columns (CJK = 2)
// so boxes and arrows stay aligned in both languages. State names stay
// the kernel's (SYN_RECV, FIN_WAIT1, ...) in every language.
package diagram
