package netstats

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sockscope/sockscope/internal/summary"
)

// TestReadLimits reads a /proc/sys of the test's making: values as the
// kernel writes them, a missing file left zero, a bad one an error with
// the rest still read.
func TestReadLimits(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(dir, "net/ipv4", name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("tcp_max_orphans", "131072\n")
	write("tcp_mem", "188037\t250717\t376074\n")
	write("ip_local_port_range", "32768\t60999\n")
	write("tcp_syncookies", "1\n")
	l, err := ReadLimits(dir, 4096)
	if err != nil {
		t.Fatal(err)
	}
	want := Limits{MaxOrphans: 131072, TCPMem: [3]int64{188037 * 4096, 250717 * 4096, 376074 * 4096},
		Ephemeral: summary.PortRange{Low: 32768, High: 60999}, SynCookies: 1, TWReuse: NoSetting}
	if l != want {
		t.Errorf("%+v, want %+v", l, want)
	}
	write("tcp_max_tw_buckets", "lots\n")
	l, err = ReadLimits(dir, 4096)
	if err == nil || l.MaxOrphans != 131072 || l.MaxTWBuckets != 0 {
		t.Errorf("a bad tcp_max_tw_buckets: %+v, %v", l, err)
	}
	if _, err := ReadLimits(filepath.Join(dir, "nonexistent"), 4096); err == nil {
		t.Error("no error where there is no /proc/sys")
	}
}

func FuzzParseTCPMem(f *testing.F) {
	f.Add([]byte("188037\t250717\t376074\n"))
	f.Add([]byte("1 2"))
	f.Add([]byte("-1 2 3"))
	f.Add([]byte("99999999999999999999 1 1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		mem, err := ParseTCPMem(b, 4096)
		if err == nil && (mem[0] < 0 || mem[1] < 0 || mem[2] < 0) {
			t.Errorf("%q: negative %v", b, mem)
		}
	})
}
