package packaging

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// unitFile is the unit the .deb installs, relative to this package.
const unitFile = "sockscope.service"

// serviceDoc is the document whose capability table the unit must match.
const serviceDoc = "../docs/service.md"

// entry is one "Key=Value" line of a unit file.
type entry struct {
	Section string
	Key     string
	Value   string
	Line    int
}

// unit is a parsed unit file: its entries in file order.
type unit []entry

// parseUnit reads a systemd unit file as systemd.syntax(7) describes it:
// [Section] headers, Key=Value lines, comments starting with # or ;, and
// lines continued by a trailing backslash. A line that is none of those is
// an error, as is an entry outside any section.
func parseUnit(r io.Reader) (unit, error) {
	var u unit
	section := ""
	sc := bufio.NewScanner(r)
	n, pending, start := 0, "", 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if pending == "" {
			start = n
			trimmed := strings.TrimSpace(line)
			if trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';' {
				continue
			}
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			pending += cont + " "
			continue
		}
		line = strings.TrimSpace(pending + line)
		pending = ""
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") || len(line) < 3 {
				return nil, fmt.Errorf("line %d: bad section header %q", start, line)
			}
			section = line[1 : len(line)-1]
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: not Key=Value: %q", start, line)
		}
		if section == "" {
			return nil, fmt.Errorf("line %d: %q before any section", start, line)
		}
		u = append(u, entry{Section: section, Key: strings.TrimSpace(key), Value: strings.TrimSpace(value), Line: start})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if pending != "" {
		return nil, errors.New("file ends inside a continued line")
	}
	return u, nil
}

// values returns every value assigned to key in section, in order.
func (u unit) values(section, key string) []string {
	var vs []string
	for _, e := range u {
		if e.Section == section && e.Key == key {
			vs = append(vs, e.Value)
		}
	}
	return vs
}

// last returns the value that wins for a single-valued key (the last
// assignment), and whether the key is assigned at all.
func (u unit) last(section, key string) (string, bool) {
	vs := u.values(section, key)
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// capabilitySet returns the capabilities a list-valued capability key
// grants: the union of its assignments, where an empty assignment resets
// the list. A "~" (inverted) assignment is reported as an error, since the
// unit is meant to name what it keeps, not what it drops.
func (u unit) capabilitySet(key string) ([]string, error) {
	var set []string
	for _, v := range u.values("Service", key) {
		if v == "" {
			set = nil
			continue
		}
		if strings.HasPrefix(v, "~") {
			return nil, fmt.Errorf("%s=%s: an inverted list grants every capability it does not name", key, v)
		}
		for _, c := range strings.Fields(v) {
			if !slices.Contains(set, c) {
				set = append(set, c)
			}
		}
	}
	slices.Sort(set)
	return set, nil
}

// loadUnit parses the unit the package ships.
func loadUnit(tb testing.TB) unit {
	tb.Helper()
	f, err := os.Open(unitFile)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	u, err := parseUnit(f)
	if err != nil {
		tb.Fatalf("%s: %v", unitFile, err)
	}
	return u
}

// documentedCapabilities returns the capabilities in the first table of the
// "## Capabilities" section of docs/service.md: the rows whose first cell
// is a `CAP_...` name.
func documentedCapabilities(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	in, inTable := false, false
	var caps []string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "## ") {
			if inTable {
				break
			}
			in = line == "## Capabilities"
			continue
		}
		if !in {
			continue
		}
		if strings.HasPrefix(line, "|") {
			inTable = true
			cells := strings.Split(strings.Trim(line, "|"), "|")
			if name := strings.Trim(strings.TrimSpace(cells[0]), "`"); strings.HasPrefix(name, "CAP_") {
				caps = append(caps, name)
			}
			continue
		}
		if inTable {
			// The first table ended: later ones list what the unit
			// does not grant.
			break
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(caps) == 0 {
		return nil, errors.New(`no table of CAP_ names under "## Capabilities"`)
	}
	slices.Sort(caps)
	return caps, nil
}

// TestParseUnit checks the parser on the syntax it must accept and reject.
func TestParseUnit(t *testing.T) {
	u, err := parseUnit(strings.NewReader("# comment\n; also\n[Unit]\nDescription=a b\n\n[Service]\nExecStart=/bin/x \\\n  --flag\nAmbientCapabilities=CAP_A\nAmbientCapabilities=CAP_B CAP_A\nCapabilityBoundingSet=CAP_C\nCapabilityBoundingSet=\nCapabilityBoundingSet=CAP_D\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := u.last("Unit", "Description"); got != "a b" {
		t.Errorf("Description = %q", got)
	}
	if got, _ := u.last("Service", "ExecStart"); got != "/bin/x    --flag" {
		t.Errorf("continued ExecStart = %q", got)
	}
	if got, _ := u.capabilitySet("AmbientCapabilities"); !slices.Equal(got, []string{"CAP_A", "CAP_B"}) {
		t.Errorf("merged AmbientCapabilities = %q", got)
	}
	if got, _ := u.capabilitySet("CapabilityBoundingSet"); !slices.Equal(got, []string{"CAP_D"}) {
		t.Errorf("CapabilityBoundingSet after a reset = %q", got)
	}
	inverted, err := parseUnit(strings.NewReader("[Service]\nCapabilityBoundingSet=~CAP_SYS_ADMIN\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inverted.capabilitySet("CapabilityBoundingSet"); err == nil {
		t.Error("an inverted capability list is accepted")
	}
	for _, bad := range []string{"Key=Value\n", "[Service]\njunk\n", "[Service\n", "[Service]\nA=b \\\n"} {
		if _, err := parseUnit(strings.NewReader(bad)); err == nil {
			t.Errorf("parseUnit(%q) accepted it", bad)
		}
	}
}

// TestDocumentedCapabilities checks that only the first table of the
// section counts.
func TestDocumentedCapabilities(t *testing.T) {
	doc := "# T\n\n## Capabilities\n\ntext `CAP_X`\n\n| capability | gives |\n|---|---|\n| `CAP_B` | b |\n| `CAP_A` | a |\n\n| not granted | why |\n|---|---|\n| `CAP_SYS_ADMIN` | no |\n\n## Other\n| `CAP_Z` | z |\n"
	got, err := documentedCapabilities(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"CAP_A", "CAP_B"}) {
		t.Errorf("got %q, want CAP_A CAP_B", got)
	}
	if _, err := documentedCapabilities(strings.NewReader("## Capabilities\nnone\n")); err == nil {
		t.Error("a section without a table is accepted")
	}
}

// TestUnitHardening checks that the unit keeps every hardening line the
// service relies on, runs "sockscope serve" from the package, and leaves
// alone what would break attribution.
func TestUnitHardening(t *testing.T) {
	u := loadUnit(t)
	want := []struct{ key, value string }{
		{"ExecStart", "/usr/bin/sockscope serve"},
		{"Restart", "on-failure"},
		{"NoNewPrivileges", "yes"},
		{"ProtectSystem", "strict"},
		{"ProtectHome", "yes"},
		{"PrivateTmp", "yes"},
		{"ProtectKernelModules", "yes"},
		{"ProtectKernelTunables", "yes"},
		{"ProtectControlGroups", "yes"},
		{"RestrictNamespaces", "yes"},
		{"DynamicUser", "yes"},
		{"RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6 AF_NETLINK"},
	}
	for _, w := range want {
		got, ok := u.last("Service", w.key)
		if !ok || got != w.value {
			t.Errorf("[Service] %s = %q (set: %v), want %q", w.key, got, ok, w.value)
		}
	}
	if got := u.values("Service", "RestrictAddressFamilies"); len(got) != 1 {
		t.Errorf("RestrictAddressFamilies is assigned %d times (%q): the families are one list", len(got), got)
	}
	if got, _ := u.last("Install", "WantedBy"); got != "multi-user.target" {
		t.Errorf("[Install] WantedBy = %q, want multi-user.target", got)
	}
	// Hiding processes makes their sockets look unowned without a
	// warning; a subset /proc has no /proc/sys or /proc/net.
	for key, allowed := range map[string]string{"ProtectProc": "default", "ProcSubset": "all"} {
		if got, ok := u.last("Service", key); ok && got != allowed {
			t.Errorf("%s=%s hides what attribution or the counters read; want it unset or %s", key, got, allowed)
		}
	}
	// A private user namespace leaves the capabilities without effect on
	// other users' processes, a private network shows no host socket.
	for _, key := range []string{"PrivateUsers", "PrivateNetwork"} {
		if got, ok := u.last("Service", key); ok && got != "" && got != "no" {
			t.Errorf("%s=%s: the service must see the host's processes and sockets", key, got)
		}
	}
}

// TestUnitCapabilities checks that the unit grants exactly the capabilities
// docs/service.md documents, as ambient capabilities and as the bounding
// set, so that neither more nor fewer can be in effect.
func TestUnitCapabilities(t *testing.T) {
	u := loadUnit(t)
	f, err := os.Open(serviceDoc)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	documented, err := documentedCapabilities(f)
	if err != nil {
		t.Fatalf("%s: %v", serviceDoc, err)
	}
	for _, key := range []string{"AmbientCapabilities", "CapabilityBoundingSet"} {
		got, err := u.capabilitySet(key)
		if err != nil {
			t.Error(err)
			continue
		}
		if !slices.Equal(got, documented) {
			t.Errorf("%s grants %q; %s documents %q", key, got, serviceDoc, documented)
		}
	}
}

// TestPackageShipsUnit checks that nfpm.yaml puts the unit where systemd
// looks for a package's units, as a plain file (a unit under /usr/lib is
// not a conffile: changes go into drop-ins in /etc).
func TestPackageShipsUnit(t *testing.T) {
	data, err := os.ReadFile("nfpm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	i := slices.IndexFunc(lines, func(l string) bool {
		return strings.TrimSpace(l) == "- src: packaging/"+unitFile
	})
	if i < 0 {
		t.Fatalf("nfpm.yaml has no content entry with src: packaging/%s", unitFile)
	}
	var item []string
	for _, l := range lines[i+1:] {
		if strings.HasPrefix(strings.TrimSpace(l), "- ") || !strings.HasPrefix(l, "    ") {
			break
		}
		item = append(item, strings.TrimSpace(l))
	}
	for _, want := range []string{"dst: /usr/lib/systemd/system/" + unitFile, "mode: 0644"} {
		if !slices.Contains(item, want) {
			t.Errorf("the unit's nfpm entry lacks %q: %q", want, item)
		}
	}
	for _, l := range item {
		if strings.HasPrefix(l, "type:") {
			t.Errorf("the unit's nfpm entry has %q: it is a plain file", l)
		}
	}
}

// TestUnitVerifies runs systemd-analyze verify on the unit, where systemd
// is installed, and fails on anything it says: an unknown or misspelled
// key is only a warning to systemd, which would silently drop a hardening
// line. ExecStart is pointed at an executable that exists here (verify
// checks that), and man pages are not looked up.
func TestUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the unit's syntax is checked by parseUnit only")
	}
	data, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "ExecStart=/usr/bin/sockscope", "ExecStart="+self, 1)
	path := filepath.Join(t.TempDir(), unitFile)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
