package ssmode

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse: any command line is read or refused with a usage error,
// never a panic, and what is read is within ss's sets.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"-tanp", "-tulpn state established", "-A tcp,!udp -a", "--fam=inet6 -H", "-F - -O", "-- -x", "-f", "--q=unix_dgram", "-Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, " ")
		o, err := Parse(args)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Parse(%q): %v is not a usage error", args, err)
			}
			return
		}
		if o.Tables&^allTables != 0 || o.States&^ssAll != 0 {
			t.Fatalf("Parse(%q): tables %#x states %#x out of range", args, o.Tables, o.States)
		}
	})
}

// FuzzProcFiles: sockstat, snmp, protocols(5) and mounts of any content
// are read without a panic.
func FuzzProcFiles(f *testing.F) {
	f.Add([]byte("sockets: used 11\nTCP: inuse 1 orphan 0 tw 16 alloc 97211 mem 393\nFRAG: inuse 0 memory 0\n"))
	f.Add([]byte("Tcp: RtoAlgorithm CurrEstab\nTcp: 1 5\n"))
	f.Add([]byte("icmp\t1\tICMP\t# internet control message protocol\nipv6-icmp 58 IPv6-ICMP\n"))
	f.Add([]byte("cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s sockstat
		parseSockstat(data, &s)
		appendSummary(nil, &s, 0)
		snmpValue(data, "Tcp:", "CurrEstab")
		ParseProtocols(data)
		CgroupMount(data)
		unixHosts(strings.Split(string(data), " "))
		ParseNetlinkNames(data)
		for _, s := range parseNetlink(data) {
			w := rowWriter{o: &Options{Details: 1}, names: &Names{}}
			w.format(&s)
		}
	})
}
