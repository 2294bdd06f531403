package cli

import (
	"net"
	"slices"
	"strings"
	"testing"
)

// TestHelpIsText checks that help is plain text (no NUL from -p's
// sentinel), without pflag's "[=true|false]" marks, and that each verb's
// help lists only its own flags.
func TestHelpIsText(t *testing.T) {
	out, _, err := execRoot(t, false, "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"\x00", "[=true|false]", "[flags] [flags]", "string["} {
		if strings.Contains(out, bad) {
			t.Errorf("root help contains %q", bad)
		}
	}
	for _, want := range []string{"-p, --protocol [PROTO]", "--state STATE", "sockscope [flags] [FILTER] [INTERVAL]", "--version"} {
		if !strings.Contains(out, want) {
			t.Errorf("root help lacks %q", want)
		}
	}
	out, _, _ = execRoot(t, false, "routes", "--help")
	if strings.Contains(out, "--state") || strings.Contains(out, "--program") || !strings.Contains(out, "-n, --numeric") {
		t.Errorf("routes help lists the wrong flags:\n%s", out)
	}
	if !strings.Contains(out, "sockscope routes [flags] [INTERVAL]") {
		t.Errorf("routes usage line:\n%s", out)
	}
	out, _, _ = execRoot(t, false, "interfaces", "--help")
	if !strings.Contains(out, "all interfaces, down ones included") || strings.Contains(out, "all sockets") {
		t.Errorf("interfaces help speaks of sockets:\n%s", out)
	}
	out, _, _ = execRoot(t, false, "stats", "--help")
	if !strings.Contains(out, "TCP counters") {
		t.Errorf("stats help: -t is not TCP counters:\n%s", out)
	}
	if strings.Contains(out, "raw, raw6") || strings.Contains(out, "--state") {
		t.Errorf("stats help offers listing values:\n%s", out)
	}
}

// TestHelpTopic checks that "help list" shows list's help.
func TestHelpTopic(t *testing.T) {
	out, _, err := execRoot(t, false, "help", "list")
	if err != nil || !strings.Contains(out, "sockscope list [flags] [FILTER]") {
		t.Errorf("help list: %v\n%s", err, out)
	}
}

// TestCompletions checks that flag values complete from their valid values
// and never from file names.
func TestCompletions(t *testing.T) {
	f := &Factory{Processes: func() []ProcessName {
		return []ProcessName{{1, "init"}, {42, "nginx"}, {43, "nginx"}}
	}}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"list", "--state", "time"}, []string{"time-wait"}},
		{[]string{"list", "--state", "listen,est"}, []string{"listen,established"}},
		{[]string{"-p", "tcp"}, []string{"tcp", "tcp4", "tcp6", "tcpv6"}},
		{[]string{"stats", "-p", "icmp"}, []string{"icmp", "icmpv6"}},
		{[]string{"--format", ""}, []string{"table", "json", "ndjson", "csv"}},
		{[]string{"--style", "w"}, []string{"windows"}},
		{[]string{"--color", "a"}, []string{"auto", "always"}},
		{[]string{"--pid", "4"}, []string{"42\tnginx", "43\tnginx"}},
		{[]string{"interfaces", "--iface", "l"}, []string{"lo"}},
		{[]string{"--program", "n"}, []string{"nginx"}},
		{[]string{"help", "rou"}, []string{"routes\t"}},
	}
	real := interfaces
	t.Cleanup(func() { interfaces = real })
	for _, tt := range tests {
		args := append([]string{"__complete"}, tt.args...)
		interfaces = real
		if !slices.Contains(tt.args, "--iface") {
			// Only a completion of --iface reads the interfaces; every
			// command built, at every start, did before.
			interfaces = func() ([]net.Interface, error) {
				t.Errorf("%q: the interfaces were read", tt.args)
				return real()
			}
		}
		out, _, err := execList(t, f, args...)
		if err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		got := lines[:len(lines)-1] // the last line is the directive
		if !strings.Contains(lines[len(lines)-1], ":4") && !strings.Contains(lines[len(lines)-1], ":6") {
			t.Errorf("%q: directive %q allows file names", tt.args, lines[len(lines)-1])
		}
		for i, w := range tt.want {
			if i >= len(got) || !strings.HasPrefix(got[i], w) {
				t.Errorf("%q: completions %q, want %q", tt.args, got, tt.want)
				break
			}
		}
	}
}
