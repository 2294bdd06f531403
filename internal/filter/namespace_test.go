package filter

import (
	"errors"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/containers"
	"github.com/sockscope/sockscope/internal/sockets"
)

func TestNamespaceFieldsCanonical(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"netns = 4026531840", "netns = 4026531840"},
		{"netns >= 4026531840", "netns >= 4026531840"},
		{"netns web*", "netns = web*"},
		{"netns != pid:1*", "netns != pid:1*"},
		{"netns eq default/web", "netns = default/web"},
		{"netns = \\123", "netns = \\123"},
		{"netns = 12\\3", "netns = \\123"},
		{"netns = 0x10", "netns = 0x10"},
		{"netns = \\pod", "netns = \\pod"},
		{"container = web", "container = web"},
		{"container ne 0123456789ab*", "container != 0123456789ab*"},
		{"pod = web-*", "pod = web-*"},
		{"not pod = web-*", "pod != web-*"},
		{"k8s_namespace == kube-system", "k8s_namespace = kube-system"},
		{"image = docker.io/library/nginx:*", "image = docker.io/library/nginx:*"},
		{"image != *\\ x", "image != *\\ x"},
		{"program = \\image", "program = \\image"},
		{"pod = a or k8s_namespace = b and image = c", "( pod = a or k8s_namespace = b ) and image = c"},
	} {
		e := mustParse(t, c.in)
		got := e.String()
		if got != c.want {
			t.Errorf("Parse(%q).String() = %q, want %q", c.in, got, c.want)
			continue
		}
		if e2 := mustParse(t, got); e2.String() != got {
			t.Errorf("%q prints back as %q", got, e2.String())
		}
	}
	// Digits are the inode; escaped, or with anything else, a name.
	if n, ok := mustParse(t, "netns = 42").Root.(*Num); !ok || n.Value != 42 {
		t.Errorf("netns = 42 is %#v, want a Num", mustParse(t, "netns = 42").Root)
	}
	if n, ok := mustParse(t, "netns = \\42").Root.(*Str); !ok || n.Glob != "42" || n.Field != FieldNetNS {
		t.Errorf("netns = \\42 is %#v, want a Str", mustParse(t, "netns = \\42").Root)
	}
}

func TestNamespaceFieldsErrors(t *testing.T) {
	for _, c := range []struct {
		in, tok, msg string
		pos          int
	}{
		{"netns < web", "<", "netns takes = or != with a name", 6},
		{"netns >= \\1", ">=", "netns takes = or != with a name", 6},
		{"netns = 99999999999999999999", "99999999999999999999", "expected a number", 8},
		{"netns =", "", "expected a value", 7},
		{"pod < a", "<", "pod takes = or !=", 4},
		{"k8s_namespace > a", ">", "k8s_namespace takes = or !=", 14},
		{"image <= a", "<=", "image takes = or !=", 6},
		{"container >= a", ">=", "container takes = or !=", 10},
		{"pod = image", "image", "expected a value", 6},
		{"image", "", "expected a value", 5},
		{"pod = and", "and", "expected a value", 6},
	} {
		_, err := Parse(c.in, testOpts)
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("Parse(%q) = %v, want an *Error", c.in, err)
			continue
		}
		if fe.Token != c.tok || fe.Pos != c.pos || !strings.Contains(fe.Msg, c.msg) {
			t.Errorf("Parse(%q): %q at %q (%d), want %q at %q (%d)", c.in, fe.Msg, fe.Token, fe.Pos, c.msg, c.tok, c.pos)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%q): error %q is not one line", c.in, err)
		}
	}
}

const (
	webID   = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	sideID  = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
	inodeK8 = 4026532001 // a pod's namespace
	inodeWB = 4026532002 // a named namespace of no container
	inodeNo = 4026532003 // a namespace the hook does not know
	inodeHo = 4026531840 // the host's
)

// nsFixture is a caller's view of four namespaces.
func nsFixture(inode uint64) *Namespace {
	switch inode {
	case inodeK8:
		return &Namespace{Name: "shop/web-0", Container: containers.Container{
			Runtime: containers.RuntimeContainerd, ID: webID, Name: "web", Image: "registry.local/web:1.2",
			Pod: containers.Pod{UID: "u-1", Name: "web-0", Namespace: "shop"},
		}}
	case inodeWB:
		return &Namespace{Name: "blue"}
	case inodeHo:
		return &Namespace{Name: "host"}
	}
	return nil
}

// nsSockets are, by index: 0 in the pod's namespace; 1 in the named
// one, held by a process of a host-network container; 2 in an unknown
// namespace; 3 in the host's, held by a process in no container; 4 of a
// source that does not know its namespace.
func nsSockets() []sockets.Socket {
	socks := []sockets.Socket{
		tcp(sockets.Listen, "0.0.0.0:80", "0.0.0.0:0"),
		tcp(sockets.Listen, "0.0.0.0:81", "0.0.0.0:0"),
		tcp(sockets.Listen, "0.0.0.0:82", "0.0.0.0:0"),
		tcp(sockets.Listen, "0.0.0.0:83", "0.0.0.0:0"),
		tcp(sockets.Listen, "0.0.0.0:84", "0.0.0.0:0"),
	}
	for i, ino := range []uint64{inodeK8, inodeWB, inodeNo, inodeHo, 0} {
		socks[i].NetNS = ino
	}
	socks[1].Processes = []sockets.Process{{Info: &sockets.ProcessInfo{PID: 7, Name: "side", Container: sideID}}}
	socks[3].Processes = []sockets.Process{{Info: &sockets.ProcessInfo{PID: 1, Name: "init"}}, {Info: nil}}
	return socks
}

func TestNamespaceFieldsEval(t *testing.T) {
	socks := nsSockets()
	idx := func(filter string, ns NamespaceFunc) string {
		e := mustParse(t, filter)
		var out []string
		for i := range socks {
			if e.EvalWith(&socks[i], ns) {
				out = append(out, string(rune('0'+i)))
			}
		}
		return strings.Join(out, "")
	}
	for _, c := range []struct{ filter, hook, nohook string }{
		// netns: numbers compare the inode, with or without a hook.
		{"netns = 4026532002", "1", "1"},
		{"netns > 4026532001", "12", "12"},
		{"netns = 0", "4", "4"},
		// netns = NAME: the namespace's name; unknown names match nothing.
		{"netns = blue", "1", ""},
		{"netns = shop/*", "0", ""},
		{"netns = *", "013", ""},
		{"netns != blue", "0234", "01234"},
		{"netns = pid:*", "", ""},
		// container: the namespace's container by name, id, short id, or
		// a holder's container by id or short id.
		{"container = web", "0", ""},
		{"container = w?b", "0", ""},
		{"container = " + webID, "0", ""},
		{"container = 0123456789ab", "0", ""},
		{"container = 0123456789a", "", ""},
		{"container = 01234*", "0", ""},
		{"container = fedcba987654", "1", "1"},
		{"container = " + sideID, "1", "1"},
		{"container = *", "01", "1"},
		{"container != *", "234", "0234"},
		{"container = side", "", ""},
		// pod, k8s_namespace, image: the namespace's container's.
		{"pod = web-0", "0", ""},
		{"pod = *", "0", ""},
		{"pod != web-*", "1234", "01234"},
		{"k8s_namespace = shop", "0", ""},
		{"k8s_namespace = *", "0", ""},
		{"image = registry.local/web:*", "0", ""},
		{"image = *", "0", ""},
		// Mixed with the rest of the language.
		{"sport = :80 or netns = blue", "01", "0"},
		{"pod = web-0 or program = side", "01", "1"},
		{"not ( netns = blue or netns = host )", "024", "01234"},
	} {
		if got := idx(c.filter, nsFixture); got != c.hook {
			t.Errorf("%q with the hook selects %q, want %q", c.filter, got, c.hook)
		}
		if got := idx(c.filter, nil); got != c.nohook {
			t.Errorf("%q without a hook selects %q, want %q", c.filter, got, c.nohook)
		}
		if got := idx(c.filter, func(uint64) *Namespace { return nil }); got != c.nohook {
			t.Errorf("%q with a hook that knows nothing selects %q, want %q", c.filter, got, c.nohook)
		}
		e := mustParse(t, c.filter)
		for i := range socks {
			if e.Eval(&socks[i]) != e.EvalWith(&socks[i], nil) {
				t.Errorf("%q: Eval and EvalWith(nil) differ on socket %d", c.filter, i)
			}
		}
	}
}

// TestNamespacePlan checks where each field runs, NeedsNamespaces, that
// the plan selects what EvalWith does, and that the hook is read when the
// plan runs, not when it is made.
func TestNamespacePlan(t *testing.T) {
	for _, c := range []struct {
		filter                string
		dump, owners, needsNS bool
	}{
		{"netns = 4026532002", true, false, false},
		{"netns = blue", true, false, true},
		{"netns != pid:1*", true, false, true},
		{"pod = web-0", true, false, true},
		{"k8s_namespace = shop", true, false, true},
		{"image = nginx*", true, false, true},
		{"container = web", false, true, true},
		{"program = x", false, true, false},
		{"dport = :80 or pod = x", true, false, true},
		{"pid = 1 or pod = x", false, true, true},
		{"pod = x and container = y", true, true, true},
		{"dport = :80", true, false, false},
	} {
		e := mustParse(t, c.filter)
		p, err := e.Plan()
		if err != nil {
			t.Fatalf("%q: %v", c.filter, err)
		}
		if (p.AfterDump != nil) != c.dump || (p.AfterOwners != nil) != c.owners ||
			p.NeedsOwners != c.owners || p.NeedsNamespaces != c.needsNS {
			t.Errorf("%q: AfterDump %v, AfterOwners %v, NeedsOwners %v, NeedsNamespaces %v; want %v, %v, %v, %v",
				c.filter, p.AfterDump != nil, p.AfterOwners != nil, p.NeedsOwners, p.NeedsNamespaces,
				c.dump, c.owners, c.owners, c.needsNS)
		}
		if !strings.Contains(c.filter, "dport") && p.Bytecode != nil {
			t.Errorf("%q: bytecode for a field the kernel cannot tell", c.filter)
		}
		run := func(s *sockets.Socket) bool {
			return (p.AfterDump == nil || p.AfterDump(s)) && (p.AfterOwners == nil || p.AfterOwners(s))
		}
		socks := nsSockets()
		for _, hook := range []NamespaceFunc{nil, nsFixture} {
			p.Namespace = hook
			for i := range socks {
				if got, want := run(&socks[i]), e.EvalWith(&socks[i], hook); got != want {
					t.Errorf("%q on socket %d (hook %v): plan %v, EvalWith %v", c.filter, i, hook != nil, got, want)
				}
			}
		}
	}

	// The closures read the hook on each call: set after Plan, changed
	// between calls.
	p, err := mustParse(t, "netns = blue and container = 0123456789ab").Plan()
	if err != nil {
		t.Fatal(err)
	}
	s := tcp(sockets.Listen, "0.0.0.0:80", "0.0.0.0:0")
	s.NetNS = 7
	if p.AfterDump(&s) || p.AfterOwners(&s) {
		t.Error("matches with no hook")
	}
	p.Namespace = func(inode uint64) *Namespace {
		if inode != 7 {
			return nil
		}
		return &Namespace{Name: "blue", Container: containers.Container{ID: webID}}
	}
	if !p.AfterDump(&s) || !p.AfterOwners(&s) {
		t.Error("does not match with the hook set after Plan")
	}
	p.Namespace = nil
	if p.AfterDump(&s) || p.AfterOwners(&s) {
		t.Error("still matches once the hook is gone")
	}
}
