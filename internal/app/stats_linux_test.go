package app

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/sockscope/sockscope/internal/iostreams"
	"github.com/sockscope/sockscope/internal/netstats"
)

// TestStatsEqualKernel checks issue 3's contract for `sockscope -s
// --format json`: the document holds every counter of every file, and
// each value is the kernel's at that moment: between what the files said
// just before and just after the command ran (a gauge, such as CurrEstab
// or a sockstat level, may move either way, so it is only required to be
// present).
func TestStatsEqualKernel(t *testing.T) {
	before, err := netstats.Read("")
	if err != nil {
		t.Skipf("cannot read /proc/net counters here: %v", err)
	}
	ios, _, out, errOut := iostreams.Test()
	if code := Run(context.Background(), []string{"sockscope", "-s", "--format", "json"}, ios); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	after, err := netstats.Read("")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema int `json:"schema"`
		Groups []struct {
			Name     string           `json:"name"`
			Counters map[string]int64 `json:"counters"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := map[[2]string]int64{}
	for _, g := range doc.Groups {
		for name, v := range g.Counters {
			got[[2]string{g.Name, name}] = v
		}
	}
	n := 0
	for _, g := range after.Groups {
		for _, c := range g.Counters {
			n++
			v, ok := got[[2]string{g.Name, c.Name}]
			if !ok {
				t.Errorf("%s %s missing from the JSON", g.Name, c.Name)
				continue
			}
			if netstats.IsGauge(g.Name, c.Name) {
				continue
			}
			lo, _ := before.Get(g.Name, c.Name)
			if v < lo || v > c.Value {
				t.Errorf("%s %s = %d, want between %d (before) and %d (after)", g.Name, c.Name, v, lo, c.Value)
			}
		}
	}
	if len(got) != n {
		t.Errorf("JSON has %d counters, the kernel files %d", len(got), n)
	}
}
