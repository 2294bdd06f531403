package sockets

// The dumps a listing asks the kernel for: which protocols and families,
// in which states, in what order, and how their sockets become the
// listing's parts.

import (
	"fmt"
	"slices"
	"sync"

	"golang.org/x/sys/unix"
)

// dumpJob is one dump: an inet protocol and family, or (Unix, Local).
// part is its place in the listing, the part a Sink is given its sockets
// as. A job of both is TCP's of both families in one dump
// (TCPDIAG_GETSOCK): its IPv4 sockets are part, its IPv6 ones part+1, as
// if they were a dump of each. states is the kernel's state mask to ask
// for (inet jobs).
type dumpJob struct {
	p      Proto
	fam    Family
	part   int
	both   bool
	states StateSet
}

// name is the job's name in errors: "tcp", "tcp6", "tcp+tcp6", "unix",
// and "tcp bound-inactive" for a job of those alone.
func (j dumpJob) name() string {
	name := j.p.String()
	switch {
	case j.both:
		name += "+" + name + "6"
	case j.fam == Inet6:
		name += "6"
	}
	if j.states == 1<<BoundInactive {
		name += " bound-inactive"
	}
	return name
}

func (j dumpJob) op() string {
	if j.p == Unix {
		return "unix_diag dump"
	}
	return "inet_diag dump"
}

// jobs lists the dumps a filter needs, in a fixed order.
//   - With both, TCP of both families is one job: the kernel walks its
//     TCP hash tables once, where a dump of each family walks them twice
//     (at 100,000 IPv4 sockets the IPv6 dump that finds none took some
//     15% of the listing's CPU);
//   - With bound (where the dumps run two at a time), TCP's
//     bound-inactive sockets are a job of their own, after TCP's others:
//     the kernel finds them by a walk of the machine-wide bind table, a
//     fifth of a dump of 100,000 sockets, which then runs on the other
//     CPU (runConcurrently) instead of in the middle of the dump. A dump
//     of them alone also walks the connections, finding none: some 10 ms
//     of CPU more at 100,000 sockets, on the other CPU. They come after
//     TCP's other sockets in the listing, where one dump gives them
//     between the listeners and the connections.
//
// Where the kernel is older than bound-inactive sockets (6.7), none is
// asked for: such a kernel has none, and would walk its tables for them.
func jobs(f Filter, both, bound bool) []dumpJob {
	var js []dumpJob
	part := 0
	add := func(j dumpJob) {
		j.part = part
		js = append(js, j)
		part++
		if j.both {
			part++
		}
	}
	for _, p := range [...]Proto{TCP, UDP, UDPLite, MPTCP, Raw} {
		if !f.Protos.Has(p) {
			continue
		}
		tcpBound := false
		states := kernelStates(f.States)
		if p == TCP && !boundInactiveKnown() {
			states &^= 1 << BoundInactive
		}
		if p == TCP && bound && states.Has(BoundInactive) && states != 1<<BoundInactive {
			states &^= 1 << BoundInactive
			tcpBound = true
		}
		if p == TCP && both && f.Families.Has(Inet) && f.Families.Has(Inet6) {
			add(dumpJob{p: p, fam: Inet, both: true, states: states})
			if tcpBound {
				add(dumpJob{p: p, fam: Inet, both: true, states: 1 << BoundInactive})
			}
			continue
		}
		for _, fam := range [...]Family{Inet, Inet6} {
			if f.Families.Has(fam) {
				add(dumpJob{p: p, fam: fam, states: states})
			}
		}
		if tcpBound {
			for _, fam := range [...]Family{Inet, Inet6} {
				if f.Families.Has(fam) {
					add(dumpJob{p: p, fam: fam, states: 1 << BoundInactive})
				}
			}
		}
	}
	if f.Protos.Has(Unix) {
		add(dumpJob{p: Unix, fam: Local})
	}
	return js
}

// boundInactiveKnown reports whether the kernel reports bound-inactive
// TCP sockets (Linux 6.7+), from its release; true where it cannot tell.
var boundInactiveKnown = sync.OnceValue(func() bool {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return true
	}
	return kernelAtLeast(unix.ByteSliceToString(u.Release[:]), 6, 7)
})

// kernelAtLeast reports whether the kernel release (uname -r: "6.18.44-fc")
// is major.minor or later; true where it cannot be read.
func kernelAtLeast(release string, major, minor int) bool {
	var maj, min int
	if _, err := fmt.Sscanf(release, "%d.%d", &maj, &min); err != nil {
		return true
	}
	return maj > major || maj == major && min >= minor
}

// split is a job of both as a job of each family.
func (j dumpJob) split() []dumpJob {
	return []dumpJob{{p: j.p, fam: Inet, part: j.part, states: j.states},
		{p: j.p, fam: Inet6, part: j.part + 1, states: j.states}}
}

// nextPart is the part after the last of js's.
func nextPart(js []dumpJob) int {
	if len(js) == 0 {
		return 0
	}
	j := js[len(js)-1]
	if j.both {
		return j.part + 2
	}
	return j.part + 1
}

// inetFirst moves the IPv6 sockets of ss, a dump of both families, after
// its IPv4 ones, keeping each family's order: the order of a dump of
// each, one after the other. One walk of the kernel's tables gives each
// family's sockets in the order a walk for that family alone does. It
// holds the IPv6 sockets in v6, empty, and returns it for the next call.
func inetFirst(ss, v6 []Socket) []Socket {
	i := slices.IndexFunc(ss, func(s Socket) bool { return s.Family == Inet6 })
	if i < 0 {
		return v6
	}
	w := i
	for _, s := range ss[i:] {
		if s.Family == Inet6 {
			v6 = append(v6, s)
		} else {
			ss[w] = s
			w++
		}
	}
	copy(ss[w:], v6)
	clear(v6) // no pointers kept past the snapshot
	return v6[:0]
}
