package procattr

import (
	"context"
	"path/filepath"
	"runtime"

	"github.com/sockscope/sockscope/internal/procfs"
	"github.com/sockscope/sockscope/internal/sockets"
)

// Options configure Attribute and Scan. The zero value is ready to use.
type Options struct {
	// Root is the proc file system to walk; "" means "/proc". A directory
	// that is not a procfs mount (a test fixture) works too, only slower.
	Root string
	// Workers is the number of goroutines walking Root; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// Details loads, for every process that holds a socket, its exe,
	// cmdline, parent, uid and user name, cgroup, systemd unit and
	// container (needed for JSON, -b, -e). Without it only PID, Name
	// (comm) and FD are filled.
	Details bool
	// Busy, if not nil, is open while the caller runs CPU-bound work of
	// its own alongside the walk (the socket dump, typically): until it
	// is closed, the walk leaves that work a CPU, running Workers-1
	// goroutines (at least one). The walk does not wait for it to close.
	Busy <-chan struct{}

	// passwd is the user database; "" means /etc/passwd. For tests.
	passwd string
	// tuning holds the knobs of the OS implementation, for tests.
	//lint:ignore U1000 empty and unused where attribution is not implemented
	tuning
}

// Result says what attribution could and could not see.
type Result struct {
	// Unreadable is the number of processes whose fd table could not be
	// read: owned by another user when not running as root (EACCES;
	// kernel threads, which have no fds, are not counted), or failing for
	// another reason (then Attribute or Scan also returns an error).
	// Processes that exited during the walk are not counted.
	Unreadable int
	// Unattributed is, when Unreadable > 0, the number of sockets left
	// without a process that an unreadable process might hold: sockets
	// with an inode in a state a process can own (not TIME_WAIT, not
	// SYN_RECV). It is 0 when every process could be read, since then an
	// unattributed socket is simply one no process holds.
	Unattributed int
	// Processes is the number of processes walked, Unreadable included.
	Processes int
}

// Attribute sets the Processes of every socket in socks to the processes
// that hold it, matching sockets by Inode (inet and unix alike). Each list
// is sorted by PID, with one entry per process carrying the lowest fd it
// holds the socket on; a socket shared after fork lists every holder, so
// the walk always covers every process. A socket no process holds gets a
// nil list; Processes set by an earlier call are replaced. If no socket
// has an inode, nothing is walked. All sockets of a process share its
// loaded data (Cmdline slice, strings); nothing is copied per socket.
//
// On Linux it is Scan followed by Holders.Attribute: it walks Root/PID/fd
// once, in parallel, and loads every process that holds a socket, wanted
// or not (cheaper than looking each fd up during the walk). Missing
// privilege is not an error: processes it may not read are counted in
// Result.Unreadable and the sockets they might hold in
// Result.Unattributed. A process that exits or whose PID is reused during
// the walk is skipped, never attributed in place of another.
//
// Attribute returns an *os.PathError if Root cannot be opened, and
// ctx.Err() (leaving socks unchanged) if ctx is done before the walk
// ends. If reading some process fails for a reason other than permission
// or exit (say, the fd limit), it fills what it could and returns the
// first such error with the result. Where attribution is not implemented
// it returns an error for which errors.Is(err, sockets.ErrUnsupported)
// holds, and leaves socks unchanged.
//
// When the sockets are not known yet, Scan does the walk and
// Holders.Attribute the matching, so that the walk can run while a
// Source lists the sockets.
func Attribute(ctx context.Context, socks []sockets.Socket, opts Options) (Result, error) {
	return attribute(ctx, socks, opts.withDefaults())
}

// Scan walks every process's fd table once and records every socket each
// one holds, on which fds, for Holders.Attribute to match against sockets
// listed meanwhile or afterwards. Every process holding at least one
// socket is loaded (with Options.Details, its exe, cmdline, ...), right
// after its table, through the same /proc/PID descriptor: a process that
// exits or whose PID is reused during the walk is skipped, never recorded
// in place of another.
//
// Scan returns nil and an *os.PathError if Root cannot be opened, and nil
// and ctx.Err() if ctx is done before the walk ends. If reading some
// process fails for a reason other than permission or exit, it returns
// the Holders of what it could read together with the first such error.
// Where attribution is not implemented it returns nil and an error for
// which errors.Is(err, sockets.ErrUnsupported) holds.
//
// The Holders take 16 bytes per socket descriptor found plus the loaded
// processes; drop them once attributed.
func Scan(ctx context.Context, opts Options) (*Holders, error) {
	return scan(ctx, opts.withDefaults())
}

// withDefaults returns opts with its zero fields set to their defaults.
func (opts Options) withDefaults() Options {
	if opts.Root == "" {
		opts.Root = procfs.Default().Path()
	}
	opts.Root = filepath.Clean(opts.Root)
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.passwd == "" {
		opts.passwd = defaultPasswd
	}
	return opts
}
