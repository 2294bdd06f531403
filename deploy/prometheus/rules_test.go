package prometheus_test

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const (
	rulesFile     = "sockscope.rules.yml"
	rulesTestFile = "sockscope.rules_test.yml"
	// The metric contract the rules are written against.
	serveDoc = "../../docs/serve.md"
)

// The exporter's golden /metrics pages, without and with --all-netns: what
// it really publishes from its test fixtures.
var exportedPages = []string{
	"../../internal/exporter/testdata/metrics.golden",
	"../../internal/exporter/testdata/metrics-netns.golden",
}

// promtoolPath finds promtool, or skips the test when it is not installed,
// unless SOCKSCOPE_PROMETHEUS=require (as in CI) makes that a failure.
func promtoolPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err == nil {
		return path
	}
	if os.Getenv("SOCKSCOPE_PROMETHEUS") == "require" {
		t.Fatalf("promtool is not in PATH and SOCKSCOPE_PROMETHEUS=require (install the Debian package prometheus)")
	}
	t.Skip("needs promtool (Debian package prometheus) to check the rules; SOCKSCOPE_PROMETHEUS=require makes this a failure")
	return ""
}

// promtool runs promtool with args in this directory and fails the test,
// with promtool's output, if it does not succeed within a minute.
func promtool(t *testing.T, args ...string) {
	t.Helper()
	path := promtoolPath(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("promtool %s: no answer within a minute\n%s", strings.Join(args, " "), out)
	}
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("promtool %s:\n%s", strings.Join(args, " "), out)
}

func TestPromtoolCheckRules(t *testing.T) {
	promtool(t, "check", "rules", rulesFile)
}

func TestPromtoolTestRules(t *testing.T) {
	promtool(t, "test", "rules", rulesTestFile)
}

type rule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type testFile struct {
	Tests []struct {
		Name          string `yaml:"name"`
		AlertRuleTest []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []struct {
				ExpLabels map[string]string `yaml:"exp_labels"`
			} `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

func readYAML(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func alertRules(t *testing.T) []rule {
	t.Helper()
	var rf ruleFile
	readYAML(t, rulesFile, &rf)
	var alerts []rule
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				alerts = append(alerts, r)
			}
		}
	}
	if len(alerts) == 0 {
		t.Fatalf("%s has no alerts", rulesFile)
	}
	return alerts
}

// TestEveryAlertFiresInATest checks that each alert, at each of its
// severities, is expected to fire in some promtool test case, and that
// each alert name also has a case where it is expected to stay quiet or
// a test whose input holds series it must not fire for. promtool itself
// only checks the cases that exist.
func TestEveryAlertFiresInATest(t *testing.T) {
	var tf testFile
	readYAML(t, rulesTestFile, &tf)
	fired := map[string]bool{}
	tested := map[string]bool{}
	for _, tc := range tf.Tests {
		for _, at := range tc.AlertRuleTest {
			tested[at.Alertname] = true
			for _, a := range at.ExpAlerts {
				fired[at.Alertname+"/"+a.ExpLabels["severity"]] = true
			}
		}
	}
	for _, r := range alertRules(t) {
		key := r.Alert + "/" + r.Labels["severity"]
		if !fired[key] {
			t.Errorf("%s (severity %s) never fires in %s", r.Alert, r.Labels["severity"], rulesTestFile)
		}
		if !tested[r.Alert] {
			t.Errorf("%s has no alert_rule_test in %s", r.Alert, rulesTestFile)
		}
	}
}

// TestAlertsAreComplete checks what every alert must carry for the person it
// wakes: a severity Alertmanager can route, a summary, and a description
// that names a sockscope command to look closer.
func TestAlertsAreComplete(t *testing.T) {
	for _, r := range alertRules(t) {
		switch r.Labels["severity"] {
		case "warning", "critical":
		default:
			t.Errorf("%s: severity %q, want warning or critical", r.Alert, r.Labels["severity"])
		}
		if r.Annotations["summary"] == "" {
			t.Errorf("%s: no summary annotation", r.Alert)
		}
		if !strings.Contains(r.Annotations["description"], "`sockscope ") {
			t.Errorf("%s: the description names no `sockscope ...` command", r.Alert)
		}
		if !strings.HasPrefix(r.Alert, "Sockscope") {
			t.Errorf("%s: alert names start with Sockscope, so they group together", r.Alert)
		}
	}
}

var metricName = regexp.MustCompile(`\bsockscope_[A-Za-z0-9_]+`)

// TestRulesUseDocumentedMetrics checks the rules against the exporter's
// contract, docs/serve.md: a metric name it does not promise would make an
// alert that can never fire. The kernel counters and sockstat fields are
// families there (sockscope_netstat_<group>_<counter>_total), so only their
// shape is checked: snake case, as the exporter spells them.
func TestRulesUseDocumentedMetrics(t *testing.T) {
	doc, err := os.ReadFile(serveDoc)
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	readYAML(t, rulesFile, &rf)
	families := []*regexp.Regexp{
		regexp.MustCompile(`^sockscope_netstat_[a-z0-9]+(_[a-z0-9]+)+$`),
		regexp.MustCompile(`^sockscope_sockstat_[a-z0-9]+(_[a-z0-9]+)+$`),
	}
	names := map[string]bool{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			for _, n := range metricName.FindAllString(r.Expr, -1) {
				names[n] = true
			}
		}
	}
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		if strings.HasPrefix(n, "sockscope_netstat_") || strings.HasPrefix(n, "sockscope_sockstat_") {
			ok := false
			for _, f := range families {
				ok = ok || f.MatchString(n)
			}
			if !ok {
				t.Errorf("%s does not have the shape of a kernel counter or sockstat metric of %s", n, serveDoc)
			}
			continue
		}
		if !strings.Contains(string(doc), "`"+n+"`") {
			t.Errorf("%s is not a metric of %s", n, serveDoc)
		}
	}
}

// exported returns the metric names on the exporter's golden pages.
func exported(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, page := range exportedPages {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatalf("the exporter's golden metrics, to check the rules' names against: %v", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if name, _, ok := strings.Cut(line, " "); ok && strings.HasPrefix(name, "sockscope_") {
				name, _, _ = strings.Cut(name, "{")
				names[name] = true
			}
		}
	}
	return names
}

// TestRulesUseExportedMetrics checks every metric the rules read against
// what the exporter publishes (its golden pages), not only against the
// documentation: a name spelled differently in either place fails here.
func TestRulesUseExportedMetrics(t *testing.T) {
	names := exported(t)
	var rf ruleFile
	readYAML(t, rulesFile, &rf)
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			for _, n := range metricName.FindAllString(r.Expr, -1) {
				if !names[n] {
					t.Errorf("%s%s reads %s, which the exporter does not publish (%s)", r.Alert, r.Record, n, strings.Join(exportedPages, ", "))
				}
			}
		}
	}
}
