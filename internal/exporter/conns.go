package exporter

import (
	"strconv"
	"sync"
)

// maxConnLabels bounds the programs and the ports the connection
// counters keep apart; the rest are counted as "other".
const maxConnLabels = 100

// ConnCounters counts the connections trace reports, for serve --trace:
// opened by program and direction, closed by program, failed connects by
// destination port. It is safe for concurrent use. Its labels are
// bounded: past maxConnLabels programs (or ports), new ones count as
// "other".
type ConnCounters struct {
	mu       sync.Mutex
	opened   map[connKey]uint64
	closed   map[string]uint64
	failed   map[string]uint64
	programs map[string]bool
}

type connKey struct {
	program, direction string
}

// NewConnCounters returns empty counters.
func NewConnCounters() *ConnCounters {
	return &ConnCounters{opened: make(map[connKey]uint64), closed: make(map[string]uint64),
		failed: make(map[string]uint64), programs: make(map[string]bool)}
}

// Add counts one event: kind is trace's (connect, accept, close, fail),
// program the owner's name ("" unknown), port the remote port.
func (c *ConnCounters) Add(kind, program string, port uint16) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.programs[program] {
		if len(c.programs) >= maxConnLabels {
			program = OtherProgram
		} else {
			c.programs[program] = true
		}
	}
	switch kind {
	case "connect":
		c.opened[connKey{program, "outgoing"}]++
	case "accept":
		c.opened[connKey{program, "incoming"}]++
	case "close":
		c.closed[program]++
	case "fail":
		p := strconv.Itoa(int(port))
		if _, ok := c.failed[p]; !ok && len(c.failed) >= maxConnLabels {
			p = OtherProgram
		}
		c.failed[p]++
	}
}

// metrics adds the counters to a reading.
func (c *ConnCounters) metrics(b *builder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, n := range c.opened {
		b.add(prometheusCounter, "sockscope_connections_opened_total", "TCP connections established since serve started (trace), by program and direction.",
			float64(n), []string{"program", "direction"}, k.program, k.direction)
	}
	for p, n := range c.closed {
		b.add(prometheusCounter, "sockscope_connections_closed_total", "TCP connections ended since serve started (trace), by program.",
			float64(n), []string{"program"}, p)
	}
	for port, n := range c.failed {
		b.add(prometheusCounter, "sockscope_connect_failures_total", "Outgoing TCP connections that failed before being established since serve started (trace), by destination port.",
			float64(n), []string{"port"}, port)
	}
}
