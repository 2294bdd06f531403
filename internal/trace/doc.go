// Package trace follows TCP connections as they change state, from the
// kernel's sock:inet_sock_set_state tracepoint (eBPF), so that a
// connection that opens and closes between two looks of a listing is
// still seen: who connected, to where, how long it lasted, whether it
// failed.
//
// # The program
//
// The BPF program is assembled here with cilium/ebpf's asm package (no
// C compiler, no generated object): it copies each state change of a TCP
// socket, with the time, the current task's PID and name, into a ring
// buffer, and counts what the buffer had no room for. It needs root (or
// CAP_BPF with CAP_PERFMON) and tracefs.
//
// # Whose connection
//
// A state change can run in softirq context, under whatever task was
// interrupted, so the PID of an event is taken only where it is right:
// connect() moves a socket from CLOSE to SYN_SENT in the caller's
// context, and listen() from CLOSE to LISTEN. A passive connection
// belongs to the process holding its listener; a connection that was
// open before tracing began, to the owner a snapshot found. Decoding
// (DecodeRaw) and this bookkeeping (Tracker) are pure, and tested on
// made-up events.
package trace
