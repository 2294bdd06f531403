// Package summary counts a socket listing the way a leak hunt starts:
// sockets by protocol and state (as ss -s, with every state), the
// processes holding the most sockets with their ESTABLISHED, CLOSE_WAIT
// and LISTEN counts, and, since TIME_WAIT sockets have no process, the
// remote endpoints and local ports with the most TIME_WAIT and how much of
// the ephemeral port range is in use.
//
// Compute is pure: it reads a listing the caller took (after process
// attribution) and the ephemeral range the caller read (ParsePortRange
// reads Linux's ip_local_port_range), and touches no file. Write renders
// the result as a table in English or Chinese (catalog keys summary.* in
// internal/i18n) or as a JSON document, schema 1 with "kind":"summary",
// documented in docs/summary.md.
package summary
