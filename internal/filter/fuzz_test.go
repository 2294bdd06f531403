package filter

import (
	"reflect"
	"testing"
)

// FuzzParse checks that parsing never panics and that every accepted
// filter prints to a canonical form that parses to the same tree and
// prints the same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"state established ( dport = :443 or sport = :443 )",
		"exclude listening src 10.0.0.0/8:80 and not dst [fd00::1]/64",
		"sport gt 1024 || dport le :https && ! autobound",
		"dev lo fwmark 0x1/0xf cgroup /system.slice program = ss* pid >= 1",
		"src unix:/run/\\ x/*.sock or dst fd00::1 or cmdline = \\(x\\)",
		"((sport = 1)) not !(dport != 2)", "src inet6:*:22 dst inet:1.2.3.4/0",
		"user = \\and recvq > 0 sendq <= 5 netns = 4026531840 uid != 0",
		"state syn-rcv dport = *", "", "(", ")", "src [", "\\",
		"rtt > 100ms or rto >= 1.5s and not retrans_total = 0", "delivery_rate < 10Mbps pacing_rate > 1.25G",
		"minrtt <= 250us cwnd < 10 lastsnd > 2",
		"netns = web* or netns != pid:1* and netns >= 4026531840 netns = \\123",
		"container = 0123456789ab pod != web-? k8s_namespace = kube-* image = \\pod",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s, testOpts)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse(%q) returned %T, not *Error", s, err)
			}
			return
		}
		c := e.String()
		e2, err := Parse(c, testOpts)
		if err != nil {
			t.Fatalf("Parse(%q) ok, its canonical form %q fails: %v", s, c, err)
		}
		if !reflect.DeepEqual(e.Root, e2.Root) || !reflect.DeepEqual(e.Clauses, e2.Clauses) {
			t.Fatalf("Parse(%q): canonical form %q parses to another tree", s, c)
		}
		if c2 := e2.String(); c2 != c {
			t.Fatalf("canonical form not stable: %q then %q", c, c2)
		}
		p, err := e.Plan()
		if err != nil {
			return
		}
		// The namespace fields evaluate without panicking, known or not.
		socks := nsSockets()
		for _, hook := range []NamespaceFunc{nil, nsFixture} {
			p.Namespace = hook
			for i := range socks {
				_ = e.EvalWith(&socks[i], hook)
				if p.AfterDump != nil {
					_ = p.AfterDump(&socks[i])
				}
				if p.AfterOwners != nil {
					_ = p.AfterOwners(&socks[i])
				}
			}
		}
	})
}
