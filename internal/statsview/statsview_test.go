package statsview

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/render"
)

func TestParseProtos(t *testing.T) {
	got, err := ParseProtos("TCP,udpv6, Icmp,tcp")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "tcp,udpv6,icmp" {
		t.Errorf("got %q", got)
	}
	for _, bad := range []string{"raw", "", "tcp,,udp", "tcp6"} {
		_, err := ParseProtos(bad)
		if !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParseProtos(%q) = %v, want errs.ErrInvalid", bad, err)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, strings.Join(Protos, ", ")) {
			t.Errorf("ParseProtos(%q): message %q should be one line listing the valid protocols", bad, msg)
		}
	}
}

// TestEveryCounter checks that the modern table, the JSON and the CSV
// hold every counter of every group, a group and a counter no kernel has
// yet included.
func TestEveryCounter(t *testing.T) {
	s := captureSnapshot()
	modern := string(render1(t, s, nil, Options{}))
	var doc struct {
		Schema int
		Groups []struct {
			Name     string
			Counters map[string]int64
		}
	}
	if err := json.Unmarshal(render1(t, s, nil, Options{Format: render.JSON}), &doc); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(render1(t, s, nil, Options{Format: render.CSV}))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if doc.Schema != 1 || len(doc.Groups) != len(s.Groups) || len(rows) != s.Len()+1 {
		t.Fatalf("schema %d, %d groups, %d csv rows; want 1, %d, %d", doc.Schema, len(doc.Groups), len(rows), len(s.Groups), s.Len()+1)
	}
	row := 1
	for i, g := range s.Groups {
		if doc.Groups[i].Name != g.Name || len(doc.Groups[i].Counters) != len(g.Counters) {
			t.Errorf("JSON group %d: %s with %d counters, want %s with %d", i, doc.Groups[i].Name, len(doc.Groups[i].Counters), g.Name, len(g.Counters))
		}
		for _, c := range g.Counters {
			if v := doc.Groups[i].Counters[c.Name]; v != c.Value {
				t.Errorf("JSON %s %s = %d, want %d", g.Name, c.Name, v, c.Value)
			}
			if want := []string{g.Name, c.Name, strconv.FormatInt(c.Value, 10)}; strings.Join(rows[row], ",") != strings.Join(want, ",") {
				t.Errorf("CSV row %d = %q, want %q", row, rows[row], want)
			}
			row++
			if !strings.Contains(modern, "  "+c.Name+" ") {
				t.Errorf("modern table lacks %s %s", g.Name, c.Name)
			}
		}
	}
}

func TestRatesMoved(t *testing.T) {
	r := netstats.Delta(captureSnapshot(), laterSnapshot())
	var doc struct {
		IntervalSeconds float64 `json:"interval_seconds"`
		Groups          []struct {
			Name     string
			Counters []struct {
				Name      string
				Delta     int64
				PerSecond float64 `json:"per_second"`
			}
		}
	}
	if err := json.Unmarshal(render1(t, nil, r, Options{Format: render.JSON}), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.IntervalSeconds != 2 {
		t.Errorf("interval_seconds = %v, want 2", doc.IntervalSeconds)
	}
	got := map[string]float64{}
	for _, g := range doc.Groups {
		for _, c := range g.Counters {
			got[g.Name+" "+c.Name] = c.PerSecond
		}
	}
	want := map[string]float64{"Tcp ActiveOpens": 2.5, "Tcp OutSegs": 2.5, "Udp NoPorts": 1.5, "Tcp CurrEstab": -1}
	if len(got) != len(want) {
		t.Errorf("moved counters %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s per_second = %v, want %v", k, got[k], v)
		}
	}
}

func TestProtoFilter(t *testing.T) {
	out := string(render1(t, captureSnapshot(), nil, Options{Style: render.Windows, Protos: []string{"tcp"}}))
	if strings.Count(out, "Statistics") != 1 || !strings.Contains(out, "TCP Statistics for IPv4") {
		t.Errorf("-p tcp printed other sections:\n%s", out)
	}
	out = string(render1(t, captureSnapshot(), nil, Options{Protos: []string{"tcpv6"}}))
	if !strings.Contains(out, "one TCP counter set") || !strings.Contains(out, "ActiveOpens") || strings.Contains(out, "InDatagrams") {
		t.Errorf("-p tcpv6 modern:\n%s", out)
	}
}
