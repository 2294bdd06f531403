// Package testutil holds what the integration tests of sockscope share: a
// guard for tests that need root, throw-away network namespaces, and a
// population of sockets of every kind, held by known processes, with the
// expectations a Source and the attribution must meet.
//
// # Privileged tests
//
// Tests that need root are named TestIntegration* and call RequireRoot (or
// NewNetNS, which calls it), so an unprivileged "go test ./..." skips them
// with a reason. Run them as root:
//
//	go test -c -o /tmp/sockets.test ./internal/sockets
//	sudo /tmp/sockets.test -test.run 'TestIntegration' -test.v
//
// # Network namespaces
//
// NewNetNS creates a named namespace with "ip netns add", brings lo up and
// deletes it when the test ends. NetNS.Do runs a function on an OS thread
// that entered the namespace (the thread is then discarded), and
// NetNS.Command runs a program inside it with "ip netns exec". Traffic stays
// on the namespace's loopback, so the host's sockets never show up and
// cannot make a test flaky.
//
// # The socket population
//
// StartPopulation re-executes the test binary inside a namespace as a
// holder process, which opens a TCP socket in every state (LISTEN,
// SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT,
// CLOSING, LAST_ACK, TIME_WAIT and a bound-inactive CLOSE), each held there
// by a peer that never moves it on rather than by timing, UDP and unix
// sockets, a listener shared with a child process, one owned by uid 65534,
// one by a setuid-65534 process (not dumpable) and one held by a process
// whose executable was deleted. It reports them in a manifest, with each
// owner's credentials and dumpability; Population.Check asserts that a
// listing holds exactly those, with the right states and owners, and
// Population.WithoutBoundInactive and Population.AttributableBy say what a
// source that cannot see bound-inactive sockets (/proc/net/tcp) and an
// unprivileged user must find instead. A test package that uses it calls
// MaybeRunHolder first thing in its TestMain:
//
//	func TestMain(m *testing.M) {
//		testutil.MaybeRunHolder()
//		os.Exit(m.Run())
//	}
//
// The holder and its children exit when the test's end of their stdin pipe
// closes, so they go away even when the test binary dies.
package testutil
