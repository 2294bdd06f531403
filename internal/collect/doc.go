// Package collect is the seam every consumer of sockets shares: a listing,
// a repeated listing, explain and diagram's live counts, summary, and what
// is still to come (watch, kill, the exporter, the doctor). Each asks the
// same thing — take a snapshot under a query, attribute owners when the
// query needs them, and say what could not be seen — and gets it here.
//
// # Query
//
// A Query says what the kernel filters (sockets.Filter: protocols,
// families, states, and inet_diag bytecode), what is kept after the dump,
// whether owners are needed (and their details), and what is kept after
// attribution. Attribution runs only when the query asks for owners. The
// command line compiles its flags, and the filter language, to a Query.
//
// # Collector
//
// A Collector takes one Snapshot: the source dumps the sockets while the
// attribution walks the processes' files on other goroutines, and the two
// are joined once both are done. Warnings are values (partial failures,
// counts of what could not be attributed); they are translated into the
// user's language only by the caller that prints them.
//
// A one-shot listing that needs every socket at once but not their owners
// (a table measures its columns before it prints) streams instead:
// Collector.Stream hands the sockets to a sockets.Sink as the source reads
// them, and a sockets.Packed sink keeps them in about 30 bytes each
// instead of a 192-byte Socket, so the listing's memory stays within a
// small multiple of ss's.
//
// # Poller
//
// A Poller takes snapshots again and again under one query, reusing its
// buffers, and says what changed since the previous one: sockets new, gone
// and in another state, keyed by the kernel's socket cookie (the inode for
// unix sockets). The hot loop to keep efficient is Poller.Poll.
package collect
