package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/sockets"
)

// TestFilterExpression checks that the words after the flags are a filter
// expression (ss's language) that joins the listing's query, with -p's
// protocols, an INTERVAL and -F's file around it.
func TestFilterExpression(t *testing.T) {
	r := mustParse(t, "-tan", "state", "established", "( dport = :443 or sport = :443 )")
	if r.plan == nil || r.Filter.States != sockets.StateSet(0).With(sockets.Established) || r.Filter.Bytecode == "" {
		t.Errorf("state established (...): plan %v, states %v, %d bytes of bytecode", r.plan != nil, r.Filter.States, len(r.Filter.Bytecode))
	}
	if r = mustParse(t, "-tanp", "state", "listening"); !r.Render.ShowProgram || r.plan == nil {
		t.Errorf("-tanp state listening: program column %v, plan %v", r.Render.ShowProgram, r.plan != nil)
	}
	r = mustParse(t, "-anop", "tcp", "sport", "=", ":22")
	if r.combos == nil || r.plan == nil || !r.Render.ShowPID {
		t.Errorf("-anop tcp sport = :22: combos %v, plan %v", r.combos, r.plan != nil)
	}
	if r = mustParse(t, "-tan", "dport", "=", ":443", "2"); r.Interval != 2*time.Second || r.plan == nil {
		t.Errorf("-tan dport = :443 2: interval %v, plan %v", r.Interval, r.plan != nil)
	}
	if r = mustParse(t, "list", "--tcp", "dev", "1"); r.Interval != 0 || r.plan == nil {
		t.Errorf("dev 1: interval %v, plan %v; want no interval (1 is the device)", r.Interval, r.plan != nil)
	}
	// Every field of the language starts an expression after a bare -p,
	// tcp_info's and the namespaces' too.
	for _, expr := range []string{"rtt > 0", "retrans > 0", "k8s_namespace = prod", "image = nginx*", "not sport = :22"} {
		if r = mustParse(t, "list", "-p", expr); !r.Render.ShowProgram || r.plan == nil {
			t.Errorf("-p %q: program column %v, plan %v", expr, r.Render.ShowProgram, r.plan != nil)
		}
	}
	if r = mustParse(t, "-tan", "program = nginx"); !r.Owners || !r.Details {
		t.Errorf("program = nginx: owners %v details %v", r.Owners, r.Details)
	}
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, []byte("# web\ndport = :443\n"), 0o644)
	if r = mustParse(t, "list", "--tcp", "-F", file); r.plan == nil || r.Filter.Bytecode == "" {
		t.Errorf("-F FILE: plan %v", r.plan != nil)
	}
	_, _, err := execRoot(t, false, "-tan", "sport", "=", ":22", "and", "and")
	var fe *FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), `at "and" (position 16)`) || !strings.HasSuffix(fe.Detail, "^~~") {
		t.Errorf("malformed: %v, detail %q", err, fe)
	}
	if _, _, err := execRoot(t, false, "-s", "state", "listening"); !IsUsageError(err) {
		t.Errorf("-s with a filter: %v, want a usage error", err)
	}
}

// TestFilterRuns checks that the expression selects the sockets in user
// space too (a source without bytecode, as the fake one is).
func TestFilterRuns(t *testing.T) {
	f := &Factory{Source: func(sockets.SourceOptions) (sockets.Source, error) {
		return &fakeSource{socks: tcpSocks(), started: make(chan struct{})}, nil
	}}
	out, _, err := execList(t, f, "-tan", "--format", "csv", "sport = :80")
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(out), "\n")[1:]
	for _, l := range rows {
		if strings.Split(l, ",")[4] != "80" {
			t.Errorf("sport = :80 kept %s", l)
		}
	}
	if len(rows) == 0 {
		t.Errorf("sport = :80 kept nothing:\n%s", out)
	}
}

// TestFilterErrorChinese checks that a malformed expression is reported in
// the user's language, with the same token and position.
func TestFilterErrorChinese(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-tan", "sport = :22 and and"}, `过滤表达式：这里应当是一个条件，位于 "and"（第 16 个字节）`},
		{[]string{"-tan", "( sport = :22"}, "过滤表达式：缺少 )，位于表达式末尾"},
		{[]string{"-tan", "dev > 2"}, `过滤表达式：dev 只能用 = 或 !=，位于 ">"（第 4 个字节）`},
		{[]string{"-tan", "state bogus"}, `过滤表达式：未知的状态 "bogus"`},
		{[]string{"-tan", "rtt > fast"}, `过滤表达式：这里应当是一个时长（100ms、1.5s、250us；不带单位的数字表示毫秒），位于 "fast"`},
		{[]string{"-tan", "delivery_rate > slow"}, `这里应当是以比特每秒计的速率`},
	} {
		_, _, err := execList(t, &Factory{Lang: "zh-CN"}, tc.args...)
		var fe *FlagError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) || fe.Detail == "" {
			t.Errorf("%q: %v, want %q and a caret", tc.args, err, tc.want)
		}
	}
}
