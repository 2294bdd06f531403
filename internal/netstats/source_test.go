package netstats

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/procfs"
)

func TestReadFixtures(t *testing.T) {
	s, err := Read("testdata/live")
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, n := range liveCounts {
		want += n
	}
	if s.Len() != want || s.Time.IsZero() {
		t.Errorf("Read: %d counters at %v, want %d", s.Len(), s.Time, want)
	}
	files := map[string]string{"Ip": "snmp", "TcpExt": "netstat", "Ip6": "snmp6", "TCP": "sockstat", "TCP6": "sockstat6"}
	for _, g := range s.Groups {
		if w, ok := files[g.Name]; ok && g.File != w {
			t.Errorf("group %s: File %q, want %q", g.Name, g.File, w)
		}
	}
	s, err = Read("testdata/future")
	if err != nil {
		t.Fatal(err)
	}
	var sctp []string
	for _, g := range s.Groups {
		if g.Name == "Sctp" {
			sctp = append(sctp, g.File)
		}
	}
	// The future snmp has an Sctp group too: the two stay apart.
	if len(sctp) != 2 || sctp[0] != "snmp" || sctp[1] != "sctp/snmp" {
		t.Errorf("Sctp groups from %q, want [snmp sctp/snmp]", sctp)
	}
}

func TestReadMissingAndBad(t *testing.T) {
	dir := t.TempDir()
	// No snmp6, sockstat6 or netstat: IPv6 off, old kernel. A bad snmp.
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("snmp", "Ip: A B\nIp: 1\nTcp: ActiveOpens\nTcp: 5\n")
	write("sockstat", "TCP: inuse 3\n")
	s, err := Read(dir)
	var pe *PathError
	if !errors.Is(err, errs.ErrMalformed) || !errors.As(err, &pe) || pe.Path != filepath.Join(dir, "snmp") {
		t.Fatalf("err = %v, want a PathError on snmp wrapping errs.ErrMalformed", err)
	}
	if v, ok := s.Get("Tcp", "ActiveOpens"); !ok || v != 5 {
		t.Errorf("partial result lost Tcp ActiveOpens: %d, %v", v, ok)
	}
	if v, ok := s.Get("TCP", "inuse"); !ok || v != 3 {
		t.Errorf("partial result lost TCP inuse: %d, %v", v, ok)
	}

	s, err = Read(t.TempDir()) // nothing at all: not an error
	if err != nil || s.Len() != 0 {
		t.Errorf("empty dir: %d counters, %v", s.Len(), err)
	}
}

// TestReadLive reads the running kernel twice: counters never go down.
func TestReadLive(t *testing.T) {
	if _, err := os.Stat(filepath.Join(procfs.Default().Net(), "snmp")); err != nil {
		t.Skipf("no %s: %v", procfs.Default().Net(), err)
	}
	a, err := Read("")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Read("")
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() < 300 {
		t.Errorf("only %d counters on the live kernel", a.Len())
	}
	for _, c := range [][2]string{
		{"Tcp", "ActiveOpens"}, {"Tcp", "PassiveOpens"}, {"Tcp", "InSegs"}, {"Tcp", "OutSegs"},
		{"Udp", "InDatagrams"}, {"Ip", "InReceives"}, {"TcpExt", "ListenDrops"},
	} {
		va, oka := a.Get(c[0], c[1])
		vb, okb := b.Get(c[0], c[1])
		if !oka || !okb {
			t.Errorf("%s %s missing", c[0], c[1])
		} else if vb < va {
			t.Errorf("%s %s went down: %d then %d", c[0], c[1], va, vb)
		}
	}
	if v, ok := a.Get("Tcp", "MaxConn"); !ok || v != -1 {
		t.Errorf("Tcp MaxConn = %d, %v; want -1", v, ok)
	}
	if b.Time.Before(a.Time) {
		t.Errorf("times %v then %v", a.Time, b.Time)
	}
}

// BenchmarkRead reads all five files of the live kernel (LIBRARIES.md
// floor: 0.2 ms for the ~400 counters of snmp, netstat and snmp6).
func BenchmarkRead(b *testing.B) {
	if _, err := os.Stat(filepath.Join(procfs.Default().Net(), "snmp")); err != nil {
		b.Skipf("no %s: %v", procfs.Default().Net(), err)
	}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		s, err := Read("")
		if err != nil {
			b.Fatal(err)
		}
		n = s.Len()
	}
	b.ReportMetric(float64(n), "counters")
}

// BenchmarkParse decodes the captured fixtures, without the I/O.
func BenchmarkParse(b *testing.B) {
	var data [][]byte
	for _, f := range files {
		d, err := os.ReadFile(filepath.Join("testdata/live", f.name))
		if err != nil {
			b.Fatal(err)
		}
		data = append(data, d)
	}
	b.ReportAllocs()
	for b.Loop() {
		for i, f := range files {
			if _, err := f.parse(data[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}
