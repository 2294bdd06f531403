package netstats

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

// addFixtures seeds f with the captured and handmade files called name.
func addFixtures(f *testing.F, names ...string) {
	for _, dir := range []string{"testdata/live", "testdata/future"} {
		for _, name := range names {
			if data, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				f.Add(data)
			}
		}
	}
}

// checkParse is the property every parser must hold on any input: no
// panic, errors wrap errs.ErrMalformed, and the counters kept never outnumber the
// input's fields.
func checkParse(t *testing.T, parse func([]byte) ([]Group, error), data []byte) {
	groups, err := parse(data)
	if err != nil && !errors.Is(err, errs.ErrMalformed) {
		t.Fatalf("error %v does not wrap errs.ErrMalformed", err)
	}
	if n := count(groups); n > len(data) {
		t.Fatalf("%d counters from %d bytes", n, len(data))
	}
}

func FuzzParseSNMP(f *testing.F) {
	addFixtures(f, "snmp", "netstat")
	f.Add([]byte("Tcp: A B\nTcp: 1\n"))                   // count mismatch
	f.Add([]byte("Tcp: A\nTcp: -1\nUdp: B\n"))            // trailing header
	f.Add([]byte("Ip: A\nIp: 18446744073709551615\n"))    // above MaxInt64
	f.Add([]byte("Ip: A\nIp: 99999999999999999999999\n")) // above MaxUint64
	f.Add([]byte(":\n:\n\n\x00: \xff\n"))                 // empty prefix, junk
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, ParseSNMP, data) })
}

func FuzzParseSNMP6(f *testing.F) {
	addFixtures(f, "snmp6")
	f.Add([]byte("Icmp6InType255 3\nIcmp6OutType 4\n")) // type counter, and one without a number
	f.Add([]byte("6 1\nX6 2\n66 3\n"))                  // digit-only and prefix-only names
	f.Add([]byte("Ip6InReceives\t\t1 2\n"))             // three fields
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, ParseSNMP6, data) })
}

func FuzzParseSockstat(f *testing.F) {
	addFixtures(f, "sockstat", "sockstat6")
	f.Add([]byte("TCP: inuse\n"))         // name without value
	f.Add([]byte("TCP:\nUDP: a b c d\n")) // empty group, bad values
	f.Add([]byte("::::\n"))               // colons only
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, ParseSockstat, data) })
}

func FuzzParseSCTP(f *testing.F) {
	addFixtures(f, "sctp/snmp")
	f.Add([]byte("Sctp 1\nSctpX\t-1 2\nSctpY 18446744073709551615\n"))
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, ParseSCTP, data) })
}
