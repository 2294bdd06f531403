// Package names turns numbers into the names netstat prints: ports into
// service names, addresses into host names.
//
// Nothing here fails. A port or address without a name is simply absent
// from the answer, and the caller prints it numerically, as netstat does
// with -n.
//
// # Services
//
// LoadServices reads a services(5) file (DefaultServicesPath is the
// system's: /etc/services, or the copy under %SystemRoot% on Windows). When
// the file is missing, unreadable or empty, it returns a built-in table of
// about 170 common IANA-registered services, so the output is the same on a
// minimal container image. ParseServices is the pure decoder behind it; it
// keeps the first entry for a port, as getservbyport(3) does, and is fuzzed.
//
// # Reverse DNS
//
// A Resolver looks up many addresses at once, Concurrency at a time, and
// returns what it found within its Budget (one second by default); the
// addresses it could not name in time are absent. A lookup still running
// when the budget ends is not abandoned: it finishes in the background
// (bounded by the caller's context and a per-lookup timeout) and lands in
// the cache, so the next call of a repeating display (-c, INTERVAL, the
// live view) shows the name. Concurrent lookups of one address share one
// query (singleflight), and answers, failures included, are cached.
//
// The unspecified addresses (0.0.0.0, ::) are never looked up, and the
// loopback addresses 127.0.0.1 and ::1 are named "localhost" without a
// query.
package names
