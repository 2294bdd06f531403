// Package netns finds the network namespaces of a machine, resolves the
// one a user names (--netns NAME|PATH|PID), runs code inside one, and
// lists the sockets of many as one sockets.Source.
//
// Sockets, /proc/net files and netlink sockets all belong to a network
// namespace: a netlink socket dumps the namespace of the thread that opened
// it, and /proc/thread-self/net shows the calling thread's. So reading
// another namespace means moving one OS thread into it (setns), doing the
// work there, and moving it back (Do); the rest of the program never runs
// on that thread meanwhile.
//
// The parsers of what the kernel gives (mountinfo lines, "net:[INODE]"
// links) are pure functions without build tags; discovery, entering and
// the multi-namespace source are Linux only, and report
// sockets.ErrUnsupported elsewhere.
package netns
