package grafana_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/deploy/grafana"
)

var update = flag.Bool("update", false, "rewrite sockscope.json from the generator")

const (
	committed = "sockscope.json"
	// The metric contract the dashboard is written against.
	serveDoc = "../../docs/serve.md"
)

// The exporter's golden /metrics pages, without and with --all-netns: what
// it really publishes from its test fixtures.
var exportedPages = []string{
	"../../internal/exporter/testdata/metrics.golden",
	"../../internal/exporter/testdata/metrics-netns.golden",
}

// TestCommittedDashboardIsGenerated keeps sockscope.json equal, byte for
// byte, to what Dashboard returns: the JSON is never edited by hand.
func TestCommittedDashboardIsGenerated(t *testing.T) {
	got, err := grafana.Dashboard()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(committed, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatalf("%v (go test ./deploy/grafana -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the generator's output; run go test ./deploy/grafana -update (or go run ./deploy/grafana/gen > deploy/grafana/sockscope.json) and commit it\n%s",
			committed, firstDifference(want, got))
	}
	again, err := grafana.Dashboard()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, again) {
		t.Errorf("two runs of the generator differ:\n%s", firstDifference(got, again))
	}
}

// firstDifference shows the first line where a and b differ.
func firstDifference(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n committed: %s\n generated: %s", i+1, x, y)
		}
	}
	return "(same lines, different bytes)"
}

// The parts of the dashboard JSON the tests look at.
type board struct {
	UID    string  `json:"uid"`
	Panels []panel `json:"panels"`
	Templ  struct {
		List []struct {
			Type     string `json:"type"`
			Name     string `json:"name"`
			Query    any    `json:"query"`
			AllValue string `json:"allValue"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
}

func decode(t *testing.T) board {
	t.Helper()
	b, err := grafana.Dashboard()
	if err != nil {
		t.Fatal(err)
	}
	var d board
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	return d
}

func TestVariables(t *testing.T) {
	d := decode(t)
	want := map[string]string{
		"datasource": "prometheus",
		"instance":   "label_values(sockscope_build_info, instance)",
		"netns":      "label_values(sockscope_sockets, netns)",
	}
	seen := map[string]bool{}
	for _, v := range d.Templ.List {
		seen[v.Name] = true
		q, _ := v.Query.(string)
		if w, ok := want[v.Name]; ok && q != w {
			t.Errorf("variable %s: query %q, want %q", v.Name, q, w)
		}
		if v.Name == "netns" && v.AllValue != ".*" {
			// .* also matches series without a netns label, which is
			// every series of an exporter run without --all-netns.
			t.Errorf("variable netns: allValue %q, want .*", v.AllValue)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("no variable %s", name)
		}
	}
}

// TestPanels checks the panels the dashboard promises, that each has a
// unique id and queries with refIds, through the datasource variable.
func TestPanels(t *testing.T) {
	d := decode(t)
	if d.UID != grafana.UID {
		t.Errorf("uid %q, want %q", d.UID, grafana.UID)
	}
	ids := map[int]string{}
	titles := map[string]bool{}
	for _, p := range d.Panels {
		if other, dup := ids[p.ID]; dup || p.ID == 0 {
			t.Errorf("panel %q: id %d, also %q's", p.Title, p.ID, other)
		}
		ids[p.ID] = p.Title
		titles[p.Title] = true
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q does not use the datasource variable", p.Title)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for i, q := range p.Targets {
			if want := string(rune('A' + i)); q.RefID != want {
				t.Errorf("panel %q query %d: refId %q, want %q", p.Title, i, q.RefID, want)
			}
		}
	}
	for _, title := range []string{
		"TCP sockets by state", "TIME_WAIT and CLOSE_WAIT", "Top programs by sockets",
		"CLOSE_WAIT by program", "Accept queue and backlog", "Listen overflows and drops",
		"Retransmission ratio", "Resets", "Orphans and tcp_max_orphans",
		"TIME_WAIT and tcp_max_tw_buckets", "Ephemeral ports used and the range",
		"TCP memory and tcp_mem", "Scrape duration by part", "Scrape success by part",
	} {
		if !titles[title] {
			t.Errorf("no panel %q", title)
		}
	}
}

var (
	metricName = regexp.MustCompile(`\b(sockscope_[A-Za-z0-9_]+|up)\b`)
	rangeVec   = regexp.MustCompile(`\[([^\]]*)\]`)
	families   = []*regexp.Regexp{
		regexp.MustCompile(`^sockscope_netstat_[a-z0-9]+(_[a-z0-9]+)+$`),
		regexp.MustCompile(`^sockscope_sockstat_[a-z0-9]+(_[a-z0-9]+)+$`),
	}
)

// TestQueries checks every query against the exporter's contract
// (docs/serve.md), that rates use $__rate_interval, and that every query
// selects by the instance variable.
func TestQueries(t *testing.T) {
	doc, err := os.ReadFile(serveDoc)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range decode(t).Panels {
		for _, q := range p.Targets {
			for _, n := range metricName.FindAllString(q.Expr, -1) {
				if n == "up" {
					continue
				}
				documented := strings.Contains(string(doc), "`"+n+"`")
				for _, f := range families {
					documented = documented || f.MatchString(n)
				}
				if !documented {
					t.Errorf("panel %q: %s is not a metric of %s", p.Title, n, serveDoc)
				}
			}
			for _, m := range rangeVec.FindAllStringSubmatch(q.Expr, -1) {
				if m[1] != "$__rate_interval" {
					t.Errorf("panel %q: range [%s], want [$__rate_interval]: %s", p.Title, m[1], q.Expr)
				}
			}
			if !strings.Contains(q.Expr, `instance=~"$instance"`) {
				t.Errorf("panel %q: the query ignores the instance variable: %s", p.Title, q.Expr)
			}
		}
	}
}

// TestQueriesParse has promtool parse every query, with the variables
// replaced by what Grafana would put there, as the expression of a
// recording rule: a typo in PromQL fails here, not on a user's screen.
func TestQueriesParse(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("SOCKSCOPE_PROMETHEUS") == "require" {
			t.Fatalf("promtool is not in PATH and SOCKSCOPE_PROMETHEUS=require (install the Debian package prometheus)")
		}
		t.Skip("needs promtool (Debian package prometheus) to parse the queries; SOCKSCOPE_PROMETHEUS=require makes this a failure")
	}
	vars := strings.NewReplacer("$__rate_interval", "1m", "$instance", ".+", "$netns", ".*")
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	n := 0
	for _, p := range decode(t).Panels {
		for _, q := range p.Targets {
			n++
			expr, err := json.Marshal(vars.Replace(q.Expr))
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&rules, "      - record: dashboard:query%d\n        expr: %s\n", n, expr)
		}
	}
	file := filepath.Join(t.TempDir(), "queries.yml")
	if err := os.WriteFile(file, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, promtool, "check", "rules", file).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules on the dashboard's queries: %v\n%s\n%s", err, out, rules.String())
	}
}

// TestQueriesUseExportedMetrics checks every metric the dashboard reads
// against what the exporter publishes (its golden pages).
func TestQueriesUseExportedMetrics(t *testing.T) {
	names := map[string]bool{"up": true}
	for _, page := range exportedPages {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatalf("the exporter's golden metrics, to check the dashboard's names against: %v", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if name, _, ok := strings.Cut(line, " "); ok && strings.HasPrefix(name, "sockscope_") {
				name, _, _ = strings.Cut(name, "{")
				names[name] = true
			}
		}
	}
	for _, p := range decode(t).Panels {
		for _, q := range p.Targets {
			for _, n := range metricName.FindAllString(q.Expr, -1) {
				if !names[n] {
					t.Errorf("panel %q reads %s, which the exporter does not publish", p.Title, n)
				}
			}
		}
	}
}
