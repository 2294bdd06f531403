// Package procattr finds the processes that hold each socket: the "-p"
// of netstat and ss, and the process details of lsof.
//
// Attribute takes the sockets a sockets.Source reported and fills their
// Processes, matching by inode:
//
//	socks, err := src.Snapshot(ctx, sockets.All, nil)
//	...
//	res, err := procattr.Attribute(ctx, socks, procattr.Options{Details: true})
//	if res.Unreadable > 0 {
//		// say once, on stderr, that res.Unattributed sockets may belong
//		// to processes only root can see (SPEC section 7)
//	}
//
// The walk does not need the sockets: Scan records every socket every
// process holds, so that it can run while the source lists the sockets,
// and Holders.Attribute does the matching afterwards:
//
//	listed := make(chan struct{})
//	scanned := make(chan *procattr.Holders, 1)
//	go func() {
//		h, _ := procattr.Scan(ctx, procattr.Options{Busy: listed})
//		scanned <- h
//	}()
//	socks, err := src.Snapshot(ctx, sockets.All, nil)
//	close(listed) // the walk may now use every CPU
//	...
//	res := (<-scanned).Attribute(socks)
//
// # How it works on Linux
//
// A socket's owners are found only by looking at every open file of every
// process: the kernel has no socket → process table.
//
// Where it can (root, or CAP_BPF with CAP_PERFMON; the kernel's BTF; the
// default /proc, of this process's PID namespace, which is the one the
// iterator visits and gives PIDs of), Scan asks the kernel: a BPF program attached to the task_file
// iterator (iter_linux.go, assembled in Go and loaded through the bpf
// system call, no clang, no generated objects) visits every open file of
// every process in one read and writes a 16-byte record for each socket
// and a 32-byte one for each process (PID, start time, name). That costs
// a tenth of the walk's CPU (BenchmarkAttribute: 85 against 803 ms of CPU
// for 100k sockets over 200 processes). The struct offsets and the
// iterator's BTF ID come from kbtf, which streams the kernel's BTF in ~5
// ms. With Details, each process holding a socket is then read through
// /proc/PID, once its start time there matches the iterator's (a PID
// reused since is skipped, never loaded in place of the old process).
// Processes the iterator did not show that have open files (a security
// module can hide one) are walked in /proc as below, so no owner is lost
// and one that cannot be read is counted. SOCKSCOPE_NO_BPF=1 turns the
// iterator off. Unlike the walk, it also sees the fds of a thread that
// unshared its table.
//
// Otherwise, the walk goes over
// /proc/PID/fd once, reading each descriptor's link ("socket:[12345]")
// with readlinkat. That readlink is ~1.5 µs of kernel time per fd and is
// almost all of the cost, so the walk
//
//   - opens each /proc/PID once and reads relative to that descriptor, so
//     a process that exits (and a PID that is reused) during the walk is
//     skipped, never attributed in place of another;
//   - takes the fd count from the size of /proc/PID/fd (Linux 6.2+) and
//     probes fd numbers 0, 1, … until it has seen them all, which avoids
//     listing the directory (getdents costs ~0.8 µs more per fd: the walk
//     is 10–20% faster); sparse tables fall back to getdents from where
//     probing stopped;
//   - runs on Workers goroutines, handing out processes; a table of more
//     than 4096 fds is cut into chunks that its reader claims in order and
//     idle workers help with once no process is left, so that one process
//     holding most sockets does not leave the other cores idle; while
//     Options.Busy is open, one worker waits, leaving a CPU to the
//     caller's socket dump (its IPv4 TCP part, the long one, runs on one
//     goroutine; the other dumps are short);
//   - allocates nothing per fd.
//
// Each socket descriptor is recorded as a 16-byte (inode, process, fd)
// entry in blocks of the worker that found it; the inode is not looked up
// during the walk, which is cheaper even when the sockets are known (see
// attribute). Details (exe, cmdline, parent, user, cgroup, systemd unit,
// container) are read once per process that holds a socket, right after
// its table, through the same /proc/PID descriptor; every socket of that
// process shares the loaded values. The join (Holders.Attribute, which
// Attribute calls after its walk) indexes the sockets by inode, looks
// every entry up and sorts the holders per socket, so results do not
// depend on how the work was split: each socket's processes are sorted by
// PID, one entry per process with the lowest fd it holds the socket on.
//
// Threads share their process's fd table, so /proc/PID/task is not
// walked; a thread that unshared its table (CLONE_FILES off) is missed.
// PIDs are those of the PID namespace the proc mount (Options.Root)
// belongs to.
//
// # Privileges
//
// Without root, the fd tables of other users' processes cannot be read.
// That is not an error: Result.Unreadable counts those processes (kernel
// threads, which hold no fds, are not counted) and Result.Unattributed
// the sockets left without an owner that one of them might hold. With
// /proc mounted hidepid=2, other users' processes are invisible and not
// even counted.
//
// # Other systems
//
// Elsewhere Attribute and Scan return an error matching
// sockets.ErrUnsupported; Windows gets the owning PID from the socket
// tables themselves and will have its own implementation.
package procattr
