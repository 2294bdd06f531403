// Package history keeps the connections trace reports in an embedded
// SQLite database (modernc.org/sqlite: pure Go, no cgo), so that "who
// talked to 10.1.2.3 at 03:00?" has an answer after the fact.
//
// # Store
//
// One table, connections, one row per event (connect, accept, close,
// fail), with indexes on time, remote address, remote port, local port
// and program. Each row says its protocol (a TCP connection's event, or
// the end of a UDP socket), its source: eBPF (every change as it
// happens) or polling (snapshots an interval apart, which miss what is
// shorter than the interval), and the owner's container. Columns added
// after the first version carry defaults, so an older database opens and
// gains them. The database runs in WAL mode: readers (history) never
// wait for the writer (record), and a database whose recorder was killed
// opens and reads as of its last committed batch. Rows older than the
// retention are deleted as the recorder goes.
//
// # Queries
//
// A Query narrows by time, remote address, port and program in SQL (the
// indexes make a remote-address query over a million rows a few
// milliseconds); the filter language runs over what it returns.
package history
