package netstats

import "time"

// A Rate is how one counter moved between two snapshots.
type Rate struct {
	Name string
	// Value is the counter's value in the later snapshot.
	Value int64
	// Delta is how much it moved. For a counter that went down (a wrap, a
	// reset, a namespace recreated) it is the new Value, as if the counter
	// had restarted from zero; for a gauge it is the signed difference.
	Delta int64
	// PerSecond is Delta divided by the seconds between the snapshots, or
	// 0 when the interval is unknown or not positive.
	PerSecond float64
	// Gauge marks a value that is a level, not a count (CurrEstab, sockstat
	// inuse, RtoMin): callers usually show Value for it, not a rate.
	Gauge bool
}

// A RateGroup is the rates of one group, in the later snapshot's order.
type RateGroup struct {
	Name  string
	Rates []Rate
}

// Rates is the result of Delta: every counter of the later snapshot with
// how it moved since the earlier one.
type Rates struct {
	Groups []RateGroup
	// Interval is the time between the two snapshots; 0 when unknown.
	Interval time.Duration
	Time     time.Time
}

// Delta returns the per-second rates between prev and cur, as iproute2's
// nstat computes them: the value difference divided by the elapsed seconds.
//
// It follows cur: a counter only in cur (a new IcmpMsg type, a module
// loaded) moved by its whole value; a counter only in prev is left out. A
// counter that decreased is taken to have wrapped or been reset, and its
// delta is its new value. Gauges (see IsGauge) get the signed difference.
// With prev nil every delta is the value itself and PerSecond is 0, like
// nstat's first run showing totals since boot. cur nil yields empty Rates.
func Delta(prev, cur *Snapshot) *Rates {
	r := &Rates{}
	if cur == nil {
		return r
	}
	r.Time = cur.Time
	type key struct{ group, name string }
	old := make(map[key]int64)
	var secs float64
	if prev != nil {
		for _, g := range prev.Groups {
			for _, c := range g.Counters {
				old[key{g.Name, c.Name}] = c.Value
			}
		}
		if !prev.Time.IsZero() && !cur.Time.IsZero() {
			r.Interval = cur.Time.Sub(prev.Time)
			secs = r.Interval.Seconds()
		}
	}
	r.Groups = make([]RateGroup, len(cur.Groups))
	for i, g := range cur.Groups {
		rg := RateGroup{Name: g.Name, Rates: make([]Rate, len(g.Counters))}
		for j, c := range g.Counters {
			rt := Rate{Name: c.Name, Value: c.Value, Delta: c.Value, Gauge: IsGauge(g.Name, c.Name)}
			if p, ok := old[key{g.Name, c.Name}]; ok {
				switch {
				case rt.Gauge || c.Value >= p:
					rt.Delta = c.Value - p
				default:
					rt.Delta = c.Value // wrapped or reset
				}
			}
			if secs > 0 {
				rt.PerSecond = float64(rt.Delta) / secs
			}
			rg.Rates[j] = rt
		}
		r.Groups[i] = rg
	}
	return r
}

// Moved returns the rates whose Delta is not zero, dropping the groups
// left empty; Interval and Time are kept. It does not modify r.
func (r *Rates) Moved() *Rates {
	out := &Rates{Interval: r.Interval, Time: r.Time}
	for _, g := range r.Groups {
		var moved []Rate
		for _, rt := range g.Rates {
			if rt.Delta != 0 {
				moved = append(moved, rt)
			}
		}
		if len(moved) > 0 {
			out.Groups = append(out.Groups, RateGroup{Name: g.Name, Rates: moved})
		}
	}
	return out
}

// Get returns the rate of counter name in group, and whether r holds it.
func (r *Rates) Get(group, name string) (Rate, bool) {
	for _, g := range r.Groups {
		if g.Name != group {
			continue
		}
		for _, rt := range g.Rates {
			if rt.Name == name {
				return rt, true
			}
		}
	}
	return Rate{}, false
}

// gauges lists the snmp values that are levels or settings, not counts
// (RFC 4022 tcpCurrEstab, tcpRtoMin, ...; RFC 4293 ipForwarding).
var gauges = map[string]map[string]bool{
	"Ip":  {"Forwarding": true, "DefaultTTL": true},
	"Tcp": {"RtoAlgorithm": true, "RtoMin": true, "RtoMax": true, "MaxConn": true, "CurrEstab": true},
}

// sockstatGroups are the groups of /proc/net/sockstat{,6}, all gauges.
var sockstatGroups = map[string]bool{
	"sockets": true, "TCP": true, "UDP": true, "UDPLITE": true, "RAW": true, "FRAG": true,
	"TCP6": true, "UDP6": true, "UDPLITE6": true, "RAW6": true, "FRAG6": true,
}

// IsGauge reports whether counter name of group is a level (current
// connections, sockets in use, memory) or a setting rather than an
// ever-growing count. Unknown counters are taken to be counts.
func IsGauge(group, name string) bool {
	return sockstatGroups[group] || gauges[group][name]
}
