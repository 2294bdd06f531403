package collect

import (
	"errors"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/netstats"
)

func TestCounterPoller(t *testing.T) {
	t0 := time.Unix(1000, 0)
	readings := []*netstats.Snapshot{
		{Time: t0, Groups: []netstats.Group{{Name: "Tcp", Counters: []netstats.Counter{{Name: "ActiveOpens", Value: 10}, {Name: "CurrEstab", Value: 3}}}}},
		nil, // a failed reading
		{Time: t0.Add(2 * time.Second), Groups: []netstats.Group{{Name: "Tcp", Counters: []netstats.Counter{{Name: "ActiveOpens", Value: 14}, {Name: "CurrEstab", Value: 3}}}}},
	}
	i := 0
	p := NewCounterPoller(func() (*netstats.Snapshot, error) {
		s := readings[i]
		i++
		if s == nil {
			return nil, errors.New("no /proc/net/snmp")
		}
		return s, nil
	})
	if _, moved, err := p.Poll(); err != nil || moved != nil {
		t.Fatalf("first poll: rates %v, %v", moved, err)
	}
	if _, _, err := p.Poll(); !errors.Is(err, ErrNoCounters) {
		t.Fatalf("failed reading: %v", err)
	}
	_, moved, err := p.Poll()
	if err != nil || moved == nil {
		t.Fatalf("third poll: %v %v", moved, err)
	}
	if len(moved.Groups) != 1 || len(moved.Groups[0].Rates) != 1 || moved.Groups[0].Rates[0].Name != "ActiveOpens" {
		t.Errorf("moved %+v, want ActiveOpens alone (against the first reading)", moved)
	}
}
