package ssmode

import (
	"errors"
	"slices"
	"testing"
)

func TestParseTables(t *testing.T) {
	for _, c := range []struct {
		args          []string
		tables        tableSet
		states        uint32
		netid, state  bool
		filter        []string
		noSource      []string
		unsupported   []string
		preferred     family
		havePreferred bool
	}{
		{args: nil, tables: allTables &^ (1 << tblTIPC), states: ssConn, netid: true, state: true},
		{args: []string{"-tan"}, tables: 1 << tblTCP, states: ssAll, state: true},
		{args: []string{"-t"}, tables: 1 << tblTCP, states: ssConn, state: true},
		{args: []string{"-tulpn"}, tables: 1<<tblTCP | 1<<tblUDP, states: 1<<stListen | 1<<stClose, netid: true, state: true},
		{args: []string{"-uan"}, tables: 1 << tblUDP, states: ssAll, state: true},
		{args: []string{"-xa"}, tables: unixTables, states: ssAll, netid: true, state: true, preferred: famUnix, havePreferred: true},
		{args: []string{"-4"}, tables: inetTables, states: ssConn, netid: true, state: true, preferred: famInet, havePreferred: true},
		{args: []string{"-6", "-t"}, tables: 1 << tblTCP, states: ssConn, state: true, preferred: famInet6, havePreferred: true},
		{args: []string{"-w"}, tables: 1 << tblRaw, states: 1 << stEstablished},
		{args: []string{"-tn", "state", "established"}, tables: 1 << tblTCP, states: 1 << stEstablished},
		{args: []string{"state", "established", "-tn", "dport", "=", ":22"}, tables: 1 << tblTCP, states: 1 << stEstablished, filter: []string{"dport", "=", ":22"}},
		{args: []string{"-t", "exclude", "listening", "src", "1.2.3.4"}, tables: 1 << tblTCP, states: ssAll &^ (1 << stListen), state: true, filter: []string{"src", "1.2.3.4"}},
		{args: []string{"-A", "tcp,udp"}, tables: 1<<tblTCP | 1<<tblUDP, states: ssConn, netid: true, state: true},
		{args: []string{"-a", "-A", "unix_stream"}, tables: 1 << tblUnixStream, states: ssAll, state: true},
		{args: []string{"--query=tcp", "--all"}, tables: 1 << tblTCP, states: ssAll, state: true},
		{args: []string{"--tc", "--num", "--al"}, tables: 1 << tblTCP, states: ssAll, state: true},
		{args: []string{"-f", "inet6"}, tables: inetTables, states: ssConn, netid: true, state: true, preferred: famInet6, havePreferred: true},
		{args: []string{"-finet"}, tables: inetTables, states: ssConn, netid: true, state: true, preferred: famInet, havePreferred: true},
		{args: []string{"-tS"}, tables: 1<<tblTCP | 1<<tblSCTP, states: ssConn, netid: true, state: true, noSource: []string{"SCTP"}},
		{args: []string{"-0"}, tables: packetTables, states: 1 << stClose, netid: true, noSource: []string{"packet"}, preferred: famPacket, havePreferred: true},
		{args: []string{"-tK", "-E"}, tables: 1 << tblTCP, states: ssConn, state: true, unsupported: []string{"-E"}},
		{args: []string{"-t", "--", "-x"}, tables: 1 << tblTCP, states: ssConn, state: true, filter: []string{"-x"}},
	} {
		o, err := Parse(c.args)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.args, err)
			continue
		}
		if o.Tables != c.tables || o.States != c.states {
			t.Errorf("Parse(%q): tables %#x states %#x, want %#x %#x", c.args, o.Tables, o.States, c.tables, c.states)
		}
		if o.showNetid() != c.netid || o.showState() != c.state {
			t.Errorf("Parse(%q): Netid %v State %v, want %v %v", c.args, o.showNetid(), o.showState(), c.netid, c.state)
		}
		if !slices.Equal(o.Filter, c.filter) {
			t.Errorf("Parse(%q): filter %q, want %q", c.args, o.Filter, c.filter)
		}
		if !slices.Equal(o.noSource(), c.noSource) {
			t.Errorf("Parse(%q): no source %q, want %q", c.args, o.noSource(), c.noSource)
		}
		if !slices.Equal(o.Unsupported, c.unsupported) {
			t.Errorf("Parse(%q): unsupported %q, want %q", c.args, o.Unsupported, c.unsupported)
		}
		if o.HasPreferred != c.havePreferred || o.Preferred != c.preferred {
			t.Errorf("Parse(%q): preferred %v %v, want %v %v", c.args, o.Preferred, o.HasPreferred, c.preferred, c.havePreferred)
		}
	}
}

func TestParseFlags(t *testing.T) {
	o, err := Parse([]string{"-tanpeoHO", "--summary", "-F", "f.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if !o.Numeric || !o.Processes || o.Details != 1 || !o.Timers || !o.NoHeader || !o.OneLine || !o.Summary || o.FilterFile != "f.txt" {
		t.Errorf("flags not all set: %+v", o)
	}
	if o, err := Parse([]string{"-F-"}); err != nil || o.FilterFile != "-" {
		t.Errorf("-F-: %v %q", err, o.FilterFile)
	}
	// ss stops at -h, -V and -Z as it reads them.
	if o, err := Parse([]string{"-t", "-h", "--bogus"}); err != nil || !o.Help {
		t.Errorf("-h then a bad option: %v", err)
	}
	if o, err := Parse([]string{"-Z", "-q"}); err != nil || !o.NoSELinux {
		t.Errorf("-Z: %v", err)
	}
	if o, err := Parse([]string{"-N", "blue", "-t"}); err != nil || o.NetNS != "blue" {
		t.Errorf("-N: %v", err)
	}
	if o, err := Parse([]string{"--format=json", "-t"}); err != nil || o.Format != "json" {
		t.Errorf("--format=json: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-q"}, {"--bogus"}, {"-f"}, {"-f", "ipx"}, {"-A", "tcp,bogus"}, {"--numeric=1"},
		{"--family"}, {"state"}, {"state", "bogus"}, {"-F", "a", "-F", "b"}, {"--format=xml"},
		{"--t"}, // --tcp, --tipc, --tipcinfo, --tos
		{"-:"},
	} {
		_, err := Parse(args)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("Parse(%q): %v, want a usage error", args, err)
		}
	}
}

func TestScanState(t *testing.T) {
	for name, want := range map[string]uint32{
		"ESTABLISHED": 1 << stEstablished, "syn-rcv": 1 << stSynRecv, "closed": 1 << stClose,
		"unconnected": 1 << stClose, "bucket": 1<<stSynRecv | 1<<stTimeWait, "listening": 1 << stListen,
	} {
		if got, ok := scanState(name); !ok || got != want {
			t.Errorf("scanState(%q) = %#x, want %#x", name, got, want)
		}
	}
	if _, ok := scanState("listen"); ok {
		t.Error("ss does not know \"listen\"")
	}
}
