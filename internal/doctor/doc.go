// Package doctor examines a machine's sockets and protocol counters and
// names what is wrong: a process leaking CLOSE_WAIT, a full accept queue,
// the ephemeral ports one destination uses up, connections stuck in
// SYN_SENT, retransmissions, orphans and TCP memory near their limits,
// resets, suspicious programs (a deleted or /tmp executable, a shell on a
// socket) and services exposed on every address.
//
// # Rules are pure
//
// Examine takes what was read — the sockets at the start and the end of
// a window, the counters at both ends, the kernel's limits and settings —
// and returns findings, worst first. It reads nothing itself, so every
// rule is tested on fixtures at its thresholds' edges; the command line
// does the reading (internal/cli) and a namespace test proves each rule
// on a real scenario.
//
// # Findings are data
//
// A Finding holds a rule id, a severity, the subject (a process, a
// listener, a destination), the evidence as named numbers and the top
// sockets and processes, and the commands to look closer. Words come from
// the message catalog (internal/i18n) only when a finding is written, in
// English or Chinese; JSON carries the data.
package doctor
