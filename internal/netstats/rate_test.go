package netstats

import (
	"testing"
	"time"
)

func snap(at time.Time, groups ...Group) *Snapshot {
	return &Snapshot{Groups: groups, Time: at}
}

func TestDelta(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := snap(t0,
		Group{Name: "Tcp", Counters: []Counter{{"ActiveOpens", 10}, {"CurrEstab", 5}, {"OutSegs", 100}, {"Gone", 3}}},
		Group{Name: "TCP", Counters: []Counter{{"inuse", 4}}},
	)
	cur := snap(t0.Add(2*time.Second),
		Group{Name: "Tcp", Counters: []Counter{{"ActiveOpens", 14}, {"CurrEstab", 2}, {"OutSegs", 7}, {"New", 6}}},
		Group{Name: "TCP", Counters: []Counter{{"inuse", 4}}},
		Group{Name: "Sctp", Counters: []Counter{{"InPackets", 8}}},
	)
	r := Delta(prev, cur)
	if r.Interval != 2*time.Second || !r.Time.Equal(cur.Time) {
		t.Errorf("Interval %v, Time %v", r.Interval, r.Time)
	}
	for _, tc := range []struct {
		group, name string
		delta       int64
		perSec      float64
		gauge       bool
	}{
		{"Tcp", "ActiveOpens", 4, 2, false},
		{"Tcp", "CurrEstab", -3, -1.5, true}, // gauge: signed difference
		{"Tcp", "OutSegs", 7, 3.5, false},    // went down: reset, new value
		{"Tcp", "New", 6, 3, false},          // appeared: whole value
		{"TCP", "inuse", 0, 0, true},
		{"Sctp", "InPackets", 8, 4, false}, // new group
	} {
		got, ok := r.Get(tc.group, tc.name)
		if !ok || got.Delta != tc.delta || got.PerSecond != tc.perSec || got.Gauge != tc.gauge {
			t.Errorf("%s %s = %+v, %v; want delta %d, %g/s, gauge %v", tc.group, tc.name, got, ok, tc.delta, tc.perSec, tc.gauge)
		}
	}
	if _, ok := r.Get("Tcp", "Gone"); ok {
		t.Error("a counter missing from cur was reported")
	}

	m := r.Moved()
	if len(m.Groups) != 2 || m.Groups[0].Name != "Tcp" || len(m.Groups[0].Rates) != 4 || m.Groups[1].Name != "Sctp" {
		t.Errorf("Moved = %+v", m.Groups)
	}
	if m.Interval != r.Interval || len(r.Groups[1].Rates) != 1 {
		t.Error("Moved changed r or lost Interval")
	}
}

func TestDeltaEdges(t *testing.T) {
	t0 := time.Now()
	cur := snap(t0, Group{Name: "Tcp", Counters: []Counter{{"ActiveOpens", 9}}})

	r := Delta(nil, cur) // first run: totals, no rate
	if got, _ := r.Get("Tcp", "ActiveOpens"); got.Delta != 9 || got.PerSecond != 0 {
		t.Errorf("Delta(nil, cur) = %+v", got)
	}
	r = Delta(snap(t0, Group{Name: "Tcp", Counters: []Counter{{"ActiveOpens", 1}}}), cur) // no time passed
	if got, _ := r.Get("Tcp", "ActiveOpens"); got.Delta != 8 || got.PerSecond != 0 {
		t.Errorf("zero interval = %+v", got)
	}
	r = Delta(snap(t0.Add(time.Second)), cur) // clock went back
	if r.Interval >= 0 {
		t.Errorf("Interval = %v", r.Interval)
	}
	if got, _ := r.Get("Tcp", "ActiveOpens"); got.PerSecond != 0 {
		t.Errorf("negative interval = %+v", got)
	}
	if r := Delta(cur, nil); len(r.Groups) != 0 {
		t.Errorf("Delta(prev, nil) = %+v", r)
	}
}

func TestIsGauge(t *testing.T) {
	for _, tc := range []struct {
		group, name string
		want        bool
	}{
		{"Tcp", "CurrEstab", true},
		{"Tcp", "MaxConn", true},
		{"Tcp", "ActiveOpens", false},
		{"TCP6", "inuse", true},
		{"sockets", "used", true},
		{"TcpExt", "ListenDrops", false},
		{"Future", "Thing", false},
	} {
		if got := IsGauge(tc.group, tc.name); got != tc.want {
			t.Errorf("IsGauge(%s, %s) = %v", tc.group, tc.name, got)
		}
	}
}
