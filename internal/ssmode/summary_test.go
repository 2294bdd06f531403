package ssmode

import "testing"

func TestSummary(t *testing.T) {
	var s sockstat
	parseSockstat([]byte("sockets: used 11\nTCP: inuse 1 orphan 0 tw 16 alloc 97211 mem 393\nUDP: inuse 2 mem 0\nUDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 3 memory 7\n"), &s)
	parseSockstat([]byte("TCP6: inuse 4\nUDP6: inuse 1\nUDPLITE6: inuse 0\nRAW6: inuse 1\nFRAG6: inuse 0 memory 0\nbogus\nTCP6: x\n"), &s)
	estab, ok := snmpValue([]byte("Ip: Forwarding DefaultTTL\nIp: 1 64\nTcp: RtoAlgorithm RtoMin CurrEstab\nTcp: 1 200 5\n"), "Tcp:", "CurrEstab")
	if !ok || estab != 5 {
		t.Fatalf("CurrEstab %d %v", estab, ok)
	}
	got := string(appendSummary(nil, &s, estab))
	want := "Total: 11\n" +
		"TCP:   97227 (estab 5, closed 97222, orphaned 0, timewait 16)\n" +
		"\n" +
		"Transport Total     IP        IPv6\n" +
		"RAW\t  1         0         1        \n" +
		"UDP\t  3         2         1        \n" +
		"TCP\t  5         1         4        \n" +
		"INET\t  9         3         6        \n" +
		"FRAG\t  3         3         0        \n" +
		"\n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if _, ok := snmpValue([]byte("Tcp: A\n"), "Tcp:", "CurrEstab"); ok {
		t.Error("a missing key found")
	}
}
