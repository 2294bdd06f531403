// Package trace follows TCP connections as they change state, from the
// kernel's sock:inet_sock_set_state tracepoint (eBPF), and the ends of
// UDP sockets, from programs at every socket's creation and release (a
// cgroup's socket hooks), so that a connection that opens and closes
// between two looks of a listing is still seen: who connected, to where,
// how long it lasted, whether it failed.
//
// # The program
//
// The BPF program is assembled here with cilium/ebpf's asm package (no
// C compiler, no generated object). connect()'s change of a socket from
// CLOSE to SYN_SENT, which runs in its caller's context, keeps the time,
// the task's PID and name for the socket; the changes a user sees (to
// ESTABLISHED: connect and accept; to CLOSE: close and fail, with the
// bytes and the socket's error; to LISTEN) are copied, with what was
// kept, into a ring buffer, which counts what it had no room for. Where
// the kernel has BTF the program is a BTF-typed raw tracepoint (tp_btf)
// that reads the socket itself; elsewhere it is the classic
// tracepoint's, which copies its record. Both keep a connect's start
// through its handshake in an array of slots chosen by a hash of the
// socket's address, and send it with the change out of SYN_SENT; the
// Tracker keeps it from there. It needs root (or CAP_BPF with
// CAP_PERFMON).
//
// # Whose connection
//
// A state change can run in softirq context, under whatever task was
// interrupted, so the PID of an event is taken only where it is right:
// connect() moves a socket from CLOSE to SYN_SENT in the caller's
// context (the program keeps it), and listen() from CLOSE to LISTEN. A
// passive connection belongs to the process holding its listener (of
// its network namespace: each event says which); a
// connection that was open before tracing began, to the owner a snapshot
// found. Decoding (DecodeRaw) and this bookkeeping (Tracker) are pure,
// and tested on made-up events.
package trace
