package procfs_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sockscope/sockscope/internal/ifaces"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/procfs"
	"github.com/sockscope/sockscope/internal/routes"
	"github.com/sockscope/sockscope/internal/sockets"
)

// TestOneRoot points the default proc file system at a tree of the test's
// own and checks that the readers given no directory all read it.
func TestOneRoot(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"net/snmp": "Tcp: RtoAlgorithm ActiveOpens\nTcp: 1 4242\n",
		"net/dev": "Inter-|   Receive                                                |  Transmit\n" +
			" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
			"test0:     100       1    0    0    0     0          0         0      200       2    0    0    0     0       0          0\n",
		"net/route": "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
			"test0\t0000050A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
		"net/tcp": "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
			"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4711 1 0000000000000000 100 0 0 10 0\n",
	}
	for name, text := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := procfs.SetDefault(procfs.FS{Root: root})
	defer procfs.SetDefault(old)

	snap, _ := netstats.Read("")
	if v, ok := snap.Get("Tcp", "ActiveOpens"); !ok || v != 4242 {
		t.Errorf("netstats.Read: ActiveOpens %d, %v", v, ok)
	}
	ifs, err := ifaces.Interfaces("")
	if err != nil || len(ifs) != 1 || ifs[0].Name != "test0" {
		t.Errorf("ifaces.Interfaces: %v, %v", ifs, err)
	}
	krs, err := routes.ReadKernel("")
	if err != nil || len(krs) != 1 || krs[0].Iface != "test0" {
		t.Errorf("routes.ReadKernel: %v, %v", krs, err)
	}
	socks, err := sockets.NewProcSource("").Snapshot(t.Context(), sockets.Filter{Protos: sockets.ProtoSet(0).With(sockets.TCP)}, nil)
	if len(socks) != 1 || socks[0].Inode != 4711 {
		t.Errorf("proc source: %v, %v", socks, err)
	}
}
