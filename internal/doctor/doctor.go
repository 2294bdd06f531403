package doctor

import (
	"cmp"
	"slices"
	"time"

	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/sockets"
)

// Severity orders findings: Info is worth knowing, Warning needs looking
// at, Critical is failing or about to.
type Severity uint8

// Severities, least first.
const (
	Info Severity = iota + 1
	Warning
	Critical
)

// String returns "info", "warning" or "critical".
func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Critical:
		return "critical"
	}
	return "none"
}

// Input is what the doctor examines.
type Input struct {
	// Before is the sockets at the start of the window (only those in
	// CLOSE_WAIT and SYN_SENT are looked at, by cookie or inode); After
	// every socket at its end, with owners and their details, and
	// tcp_info where the source has it.
	Before, After []sockets.Socket
	// Window is the time between the two readings.
	Window time.Duration
	// CountersBefore and CountersAfter are the protocol counters at both
	// ends; nil where they could not be read (the counter rules are then
	// skipped).
	CountersBefore, CountersAfter *netstats.Snapshot
	// Limits are the kernel's limits and settings (zero limits unknown;
	// tcp_syncookies and tcp_tw_reuse netstats.NoSetting when unknown).
	Limits netstats.Limits
	// PageSize turns sockstat's pages into bytes.
	PageSize int
	// Packaged reports whether a package owns the file exe, and whether
	// that can be known here (no package database: false, false); nil
	// knows nothing.
	Packaged func(exe string) (owned, known bool)
	// Namespace names the network namespace of an inode ("" for this
	// process's own, or when not listing several).
	Namespace func(inode uint64) string
}

// A Finding is one problem found, with its evidence.
type Finding struct {
	// Rule is the rule's id (docs/doctor.md lists them).
	Rule     string   `json:"rule"`
	Severity Severity `json:"-"`
	// Subject is what the finding is about, in the rule's terms: a
	// program and PID, a listener's address, a destination.
	Subject string `json:"subject"`
	// Facts are the numbers that made the rule fire, in order.
	Facts []Fact `json:"facts"`
	// Processes are the processes behind it, most involved first.
	Processes []*sockets.ProcessInfo `json:"-"`
	// Sockets are up to five of the sockets it is about.
	Sockets []*sockets.Socket `json:"-"`
	// Look are sockscope commands to look closer.
	Look []string `json:"look"`
	// NetNS names the namespace the finding is in, where several were
	// examined.
	NetNS string `json:"netns,omitempty"`
}

// A Fact is one named number of a finding's evidence. Keys are the
// catalog's (doctor.fact.KEY) and JSON's.
type Fact struct {
	Key   string  `json:"key"`
	Value float64 `json:"value"`
	// Of is what Value is measured against (a limit, a total); 0 if
	// none.
	Of float64 `json:"of,omitempty"`
}

// maxSockets is how many sockets a finding shows.
const maxSockets = 5

// Rules are the rules' ids, in the order docs/doctor.md explains them.
var Rules = []string{
	RuleCloseWait, RuleEphemeral, RuleTimeWait, RuleAcceptQueue, RuleListenDrops, RuleSynRecv,
	RuleSynSent, RuleRetrans, RuleOrphans, RuleTCPMemory, RuleResets, RuleConnectFails, RuleUDPDrops,
	RuleDeletedExe, RuleTempExe, RuleNameMismatch, RuleShellSocket, RuleRawSocket, RuleUnpackaged, RuleExposed,
}

// Rule ids.
const (
	RuleCloseWait    = "close-wait-leak"
	RuleEphemeral    = "ephemeral-ports"
	RuleTimeWait     = "time-wait-limit"
	RuleAcceptQueue  = "accept-queue-full"
	RuleListenDrops  = "listen-drops"
	RuleSynRecv      = "syn-recv-flood"
	RuleSynSent      = "syn-sent-stuck"
	RuleRetrans      = "retransmissions"
	RuleOrphans      = "orphans"
	RuleTCPMemory    = "tcp-memory"
	RuleResets       = "resets"
	RuleConnectFails = "connect-failures"
	RuleUDPDrops     = "udp-drops"
	RuleDeletedExe   = "deleted-exe"
	RuleTempExe      = "temp-exe"
	RuleNameMismatch = "name-mismatch"
	RuleShellSocket  = "shell-socket"
	RuleRawSocket    = "raw-socket"
	RuleUnpackaged   = "unpackaged-listener"
	RuleExposed      = "exposed-service"
)

// Examine applies every rule to in and returns the findings, worst
// first (then by rule, then by subject).
func Examine(in *Input) []Finding {
	var out []Finding
	for _, rule := range []func(*Input) []Finding{
		closeWait, ephemeral, timeWait, listenQueues, synSent, retrans, orphansAndMemory,
		resets, suspicious, exposed,
	} {
		out = append(out, rule(in)...)
	}
	Sort(out)
	return out
}

// ruleOrder is each rule's place in Rules.
var ruleOrder = func() map[string]int {
	m := make(map[string]int, len(Rules))
	for i, r := range Rules {
		m[r] = i
	}
	return m
}()

// Sort orders findings worst first, then by rule (in the order of
// Rules), then by subject: as Examine returns them, and as the findings
// of several namespaces are put together.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		if c := cmp.Compare(ruleOrder[a.Rule], ruleOrder[b.Rule]); c != 0 {
			return c
		}
		return cmp.Compare(a.Subject, b.Subject)
	})
}

// Worst returns the highest severity among fs, 0 if there is none.
func Worst(fs []Finding) Severity {
	var w Severity
	for _, f := range fs {
		w = max(w, f.Severity)
	}
	return w
}

// ns returns the name of socket s's namespace for a finding.
func (in *Input) ns(s *sockets.Socket) string {
	if in.Namespace == nil {
		return ""
	}
	return in.Namespace(s.NetNS)
}

// delta returns how much counter group/name rose over the window, and
// whether both readings have it.
func (in *Input) delta(group, name string) (float64, bool) {
	a, ok1 := in.CountersBefore.Get(group, name)
	b, ok2 := in.CountersAfter.Get(group, name)
	if !ok1 || !ok2 || b < a {
		return 0, false
	}
	return float64(b - a), true
}

// now returns a current value from the counters at the end.
func (in *Input) now(group, name string) (float64, bool) {
	v, ok := in.CountersAfter.Get(group, name)
	return float64(v), ok
}

// perSecond turns a rise over the window into a rate.
func (in *Input) perSecond(d float64) float64 {
	if in.Window <= 0 {
		return d
	}
	return d / in.Window.Seconds()
}

// top returns up to maxSockets of socks.
func top(socks []*sockets.Socket) []*sockets.Socket {
	if len(socks) > maxSockets {
		return socks[:maxSockets]
	}
	return socks
}
