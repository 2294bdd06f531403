package doctor

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/sockscope/sockscope/internal/sockets"
)

// Thresholds of the counter rules (docs/doctor.md gives each its source).
const (
	// Retransmitted segments per segment sent over the window, once at
	// least retransMinSegs were sent.
	retransWarn     = 0.05
	retransCritical = 0.20
	retransMinSegs  = 1000
	// Orphans against tcp_max_orphans (netdata's tcp_orphans alarm).
	orphansWarn     = 0.25
	orphansCritical = 0.50
	// TCP memory against tcp_mem's max, beyond its pressure level.
	memCritical = 0.9
	// Resets sent per second, and as a share of segments sent.
	resetsRate  = 100.0
	resetsShare = 0.10
	// Failed connection attempts per attempt, once connectMinAttempts
	// were made.
	connectFailShare   = 0.5
	connectMinAttempts = 20
	// UDP datagrams to closed ports per second worth a note.
	noPortsRate = 100.0
)

// retrans compares retransmitted with sent segments over the window, and
// names the connections that retransmitted most (tcp_info).
func retrans(in *Input) []Finding {
	re, ok1 := in.delta("Tcp", "RetransSegs")
	sent, ok2 := in.delta("Tcp", "OutSegs")
	if !ok1 || !ok2 || sent < retransMinSegs {
		return nil
	}
	ratio := re / sent
	if ratio < retransWarn {
		return nil
	}
	sev := Warning
	if ratio >= retransCritical {
		sev = Critical
	}
	socks := TopRetransmitters(in.After)
	return []Finding{{
		Rule: RuleRetrans, Severity: sev, Subject: "Tcp",
		Facts:     []Fact{{Key: "retrans_segs", Value: re, Of: sent}, {Key: "retrans_ratio", Value: ratio}},
		Processes: owners(socks),
		Sockets:   socks,
		Look:      []string{"sockscope list -tni 'retrans > 0'", "sockscope stats -p tcp --rate"},
	}}
}

// orphansAndMemory compares orphaned sockets with tcp_max_orphans and TCP
// memory with tcp_mem (sockstat; ip-sysctl.rst).
func orphansAndMemory(in *Input) []Finding {
	var out []Finding
	if orphans, ok := in.now("TCP", "orphan"); ok && in.Limits.MaxOrphans > 0 {
		limit := float64(in.Limits.MaxOrphans)
		if orphans >= orphansWarn*limit {
			sev := Warning
			if orphans >= orphansCritical*limit {
				sev = Critical
			}
			out = append(out, Finding{
				Rule: RuleOrphans, Severity: sev, Subject: "TCP",
				Facts: []Fact{{Key: "orphans", Value: orphans, Of: limit}},
				Look:  []string{"sockscope list -tan state fin-wait-1 state last-ack state closing", "sockscope explain fin-wait-1"},
			})
		}
	}
	if pages, ok := in.now("TCP", "mem"); ok && in.Limits.TCPMem[2] > 0 && in.PageSize > 0 {
		mem := pages * float64(in.PageSize)
		pressure, limit := float64(in.Limits.TCPMem[1]), float64(in.Limits.TCPMem[2])
		if mem >= pressure {
			sev := Warning
			if mem >= memCritical*limit {
				sev = Critical
			}
			out = append(out, Finding{
				Rule: RuleTCPMemory, Severity: sev, Subject: "TCP",
				Facts: []Fact{{Key: "tcp_mem_bytes", Value: mem, Of: limit}, {Key: "tcp_mem_pressure_bytes", Value: pressure}},
				Look:  []string{"sockscope list -tnm --sort recv-q", "sockscope summary"},
			})
		}
	}
	return out
}

// resets looks at resets sent, failed connection attempts and UDP
// datagrams dropped for a full receive buffer or a closed port.
func resets(in *Input) []Finding {
	var out []Finding
	if rst, ok := in.delta("Tcp", "OutRsts"); ok {
		sent, _ := in.delta("Tcp", "OutSegs")
		if in.perSecond(rst) >= resetsRate && sent > 0 && rst/sent >= resetsShare {
			out = append(out, Finding{
				Rule: RuleResets, Severity: Warning, Subject: "Tcp",
				Facts: []Fact{{Key: "out_rsts_per_second", Value: in.perSecond(rst)}, {Key: "out_rsts", Value: rst, Of: sent}},
				Look:  []string{"sockscope stats -p tcp --rate", "sockscope explain OutRsts"},
			})
		}
	}
	if fails, ok := in.delta("Tcp", "AttemptFails"); ok {
		opens, _ := in.delta("Tcp", "ActiveOpens")
		if opens >= connectMinAttempts && fails/opens >= connectFailShare {
			out = append(out, Finding{
				Rule: RuleConnectFails, Severity: Warning, Subject: "Tcp",
				Facts: []Fact{{Key: "attempt_fails", Value: fails, Of: opens}},
				Look:  []string{"sockscope list -tanp state syn-sent", "sockscope explain AttemptFails"},
			})
		}
	}
	var bufErrs, noPorts float64
	for _, g := range []string{"Udp", "Udp6"} {
		if v, ok := in.delta(g, "RcvbufErrors"); ok {
			bufErrs += v
		}
		if v, ok := in.delta(g, "NoPorts"); ok {
			noPorts += v
		}
	}
	switch {
	case bufErrs > 0:
		out = append(out, Finding{
			Rule: RuleUDPDrops, Severity: Warning, Subject: "Udp",
			Facts: []Fact{{Key: "rcvbuf_errors", Value: bufErrs}, {Key: "no_ports", Value: noPorts}},
			Look:  []string{"sockscope list -unp --sort recv-q", "sockscope explain RcvbufErrors"},
		})
	case in.perSecond(noPorts) >= noPortsRate:
		out = append(out, Finding{
			Rule: RuleUDPDrops, Severity: Info, Subject: "Udp",
			Facts: []Fact{{Key: "no_ports_per_second", Value: in.perSecond(noPorts)}},
			Look:  []string{"sockscope stats -p udp --rate", "sockscope explain NoPorts"},
		})
	}
	return out
}

// fmtPct writes a share as a percentage.
func fmtPct(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

// TopRetransmitters returns the sockets of socks (those with tcp_info)
// that retransmitted most over their life, at most five.
func TopRetransmitters(socks []sockets.Socket) []*sockets.Socket {
	var out []*sockets.Socket
	for i := range socks {
		s := &socks[i]
		if s.Internals != nil && s.Internals.Has&sockets.HasTCPInfo != 0 && s.Internals.TCP.TotalRetrans > 0 {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *sockets.Socket) int {
		return cmp.Compare(b.Internals.TCP.TotalRetrans, a.Internals.TCP.TotalRetrans)
	})
	return top(out)
}
