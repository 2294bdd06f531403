// Package exporter publishes sockets and protocol counters to Prometheus:
// a prometheus.Collector that reads at scrape time, and the HTTP handler
// that serves it.
//
// # Reading at scrape time
//
// A scrape takes one snapshot of the sockets (with their owners), reads
// the protocol counters and the kernel's limits, and turns them into
// constant metrics. Concurrent scrapes share one reading (single flight),
// and a reading is served again to scrapes that arrive within
// Config.CacheFor of it. A scrape's reading ends by the deadline
// Prometheus sends (X-Prometheus-Scrape-Timeout-Seconds); a part that did
// not finish, or failed, is reported by
// sockscope_scrape_collector_success{collector=...} 0 while every other
// part's metrics are still served.
//
// # Cardinality
//
// No label holds a remote address, a remote port or an ephemeral local
// port. Listeners are labelled by their own address and port (bounded by
// Config.Listeners); processes by program name, the Config.Top programs
// with the most sockets, the rest summed into program="other"; namespaces
// by name, bounded by the namespaces the machine has.
//
// The metric building is pure (a snapshot in, metrics out), so tests feed
// it fixtures and compare the text exposition with a golden file.
package exporter
