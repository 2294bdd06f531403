package names

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func parseFixture(t testing.TB) *Services {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "services"))
	if err != nil {
		t.Fatal(err)
	}
	return ParseServices(bytes.NewReader(data))
}

func TestParseServices(t *testing.T) {
	s := parseFixture(t)
	for _, tt := range []struct {
		port  uint16
		proto string
		want  string // "" for no name
	}{
		{22, "tcp", "ssh"},
		{22, "udp", ""}, // only 22/tcp is listed
		{25, "tcp", "smtp"},
		{53, "tcp", "domain"},
		{53, "udp", "domain"},
		{80, "tcp", "http"}, // not www-alt: the first entry wins
		{443, "tcp", "https"},
		{8443, "tcp", "https"},
		{512, "tcp", "exec"},
		{512, "udp", "biff"},
		{9999, "tcp", ""}, // sctp is not kept
		{4, "tcp", ""},    // ddp neither
		{70, "tcp", "glued"},
		{119, "tcp", "nntp"},
		{143, "tcp", "crlf"},
		{21, "tcp", ""}, // every line naming 21 is malformed
		{23, "tcp", ""}, // the name holds an escape sequence
		{0, "udp", "zero"},
		{7, "tcp", "padded"},
		{65535, "udp", "top"},
		{6000, "tcp", "last"},
		// protocol mapping
		{22, "mptcp", "ssh"},
		{512, "udplite", "biff"},
		{22, "raw", ""},
		{22, "unix", ""},
		{22, "TCP", ""}, // names are matched exactly
		{22, "", ""},
	} {
		got, ok := s.Lookup(tt.port, tt.proto)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Lookup(%d, %q) = %q, %v; want %q", tt.port, tt.proto, got, ok, tt.want)
		}
	}
	if got, want := s.Len(), 16; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
}

func TestServicesPort(t *testing.T) {
	s := parseFixture(t)
	for _, tt := range []struct {
		name, proto string
		want        int // -1 for unknown
	}{
		{"ssh", "tcp", 22},
		{"ssh", "mptcp", 22},
		{"ssh", "udp", -1},
		{"mail", "tcp", 25}, // alias
		{"www", "tcp", 80},
		{"web", "tcp", 80},      // alias on a line whose port was taken
		{"www-alt", "tcp", 80},  // so is the name itself
		{"https", "tcp", 443},   // not 8443: the first port for a name wins
		{"comsat", "udp", 512},  // alias
		{"comsat", "tcp", -1},   // only on udp
		{"untp", "tcp", 119},    // alias among trailing blanks
		{"imap2", "tcp", 143},   // alias before a CR
		{"gopher", "tcp", -1},   // inside a comment
		{"readnews", "raw", -1}, // raw has no services
		{"last", "tcp", 6000},
		{"x11", "tcp", 6000},
	} {
		got, ok := s.Port(tt.name, tt.proto)
		if tt.want < 0 && ok || tt.want >= 0 && (!ok || int(got) != tt.want) {
			t.Errorf("Port(%q, %q) = %d, %v; want %d", tt.name, tt.proto, got, ok, tt.want)
		}
	}
}

func TestNilServices(t *testing.T) {
	var s *Services
	if name, ok := s.Lookup(22, "tcp"); ok || name != "" {
		t.Errorf("nil Lookup = %q, %v", name, ok)
	}
	if port, ok := s.Port("ssh", "tcp"); ok || port != 0 {
		t.Errorf("nil Port = %d, %v", port, ok)
	}
	if s.Len() != 0 {
		t.Errorf("nil Len = %d", s.Len())
	}
}

func TestParseServicesLongLine(t *testing.T) {
	in := "ssh 22/tcp\n" +
		"long 23/tcp " + strings.Repeat("x", maxLine) + "\n" + // skipped whole
		"fits 24/tcp " + strings.Repeat("y", maxLine-20) + "\n" +
		"smtp 25/tcp"
	s := ParseServices(strings.NewReader(in))
	for port, want := range map[uint16]string{22: "ssh", 23: "", 24: "fits", 25: "smtp"} {
		if got, _ := s.Lookup(port, "tcp"); got != want {
			t.Errorf("Lookup(%d) = %q, want %q", port, got, want)
		}
	}
}

func TestParseServicesReadError(t *testing.T) {
	// What was read before the error counts.
	r := &errReader{data: []byte("ssh 22/tcp\nsmtp 25/tcp\ntel")}
	s := ParseServices(r)
	if got, _ := s.Lookup(25, "tcp"); got != "smtp" {
		t.Errorf("Lookup(25) = %q, want smtp", got)
	}
}

type errReader struct{ data []byte }

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, os.ErrDeadlineExceeded
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestLoadServicesMissing(t *testing.T) {
	for _, path := range []string{
		filepath.Join(t.TempDir(), "no-such-file"),
		t.TempDir(), // a directory: unreadable as a file
		writeTemp(t, ""),
		writeTemp(t, "# only comments\nsctp 9/sctp\n"),
	} {
		s := LoadServices(path)
		if s != Builtin() {
			t.Errorf("LoadServices(%q) is not the built-in table", path)
		}
	}
	s := LoadServices(filepath.Join(t.TempDir(), "no-such-file"))
	for _, tt := range []struct {
		port  uint16
		proto string
		want  string
	}{
		{22, "tcp", "ssh"},
		{443, "tcp", "https"},
		{53, "udp", "domain"},
		{53, "tcp", "domain"},
		{3389, "tcp", "ms-wbt-server"},
		{445, "tcp", "microsoft-ds"},
	} {
		if got, ok := s.Lookup(tt.port, tt.proto); got != tt.want || !ok {
			t.Errorf("builtin Lookup(%d, %q) = %q, %v; want %q", tt.port, tt.proto, got, ok, tt.want)
		}
	}
}

func TestLoadServicesFile(t *testing.T) {
	s := LoadServices(filepath.Join("testdata", "services"))
	if s == Builtin() {
		t.Fatal("LoadServices returned the built-in table for a readable file")
	}
	if got, _ := s.Lookup(6000, "tcp"); got != "last" {
		t.Errorf("Lookup(6000) = %q, want last", got)
	}
	if _, ok := s.Lookup(3389, "tcp"); ok {
		t.Error("the file's table was merged with the built-in one")
	}
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "services")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBuiltinTable(t *testing.T) {
	type key struct {
		port  uint16
		proto uint8
	}
	seen := make(map[key]bool)
	for i, e := range builtinServices {
		if i > 0 && e.port < builtinServices[i-1].port {
			t.Errorf("%d/%s: not sorted by port", e.port, e.name)
		}
		if e.protos == 0 || e.protos&^onBoth != 0 {
			t.Errorf("%d/%s: bad protos %b", e.port, e.name, e.protos)
		}
		if !validName([]byte(e.name)) || strings.ContainsAny(e.name, " #/") {
			t.Errorf("%d: bad name %q", e.port, e.name)
		}
		for _, p := range []uint8{onTCP, onUDP} {
			if e.protos&p == 0 {
				continue
			}
			if seen[key{e.port, p}] {
				t.Errorf("%d/%s: port listed twice for one protocol", e.port, e.name)
			}
			seen[key{e.port, p}] = true
		}
	}
	if n := len(builtinServices); n < 120 || n > 250 {
		t.Errorf("%d built-in services; the table is meant to be ~150", n)
	}
}

// TestBuiltinRoundTrip writes the built-in table as a services file and
// parses it back: the two paths must agree.
func TestBuiltinRoundTrip(t *testing.T) {
	var b strings.Builder
	for _, e := range builtinServices {
		if e.protos&onTCP != 0 {
			fmt.Fprintf(&b, "%s\t%d/tcp\n", e.name, e.port)
		}
		if e.protos&onUDP != 0 {
			fmt.Fprintf(&b, "%s\t%d/udp\n", e.name, e.port)
		}
	}
	parsed, builtin := ParseServices(strings.NewReader(b.String())), Builtin()
	if parsed.Len() != builtin.Len() {
		t.Fatalf("parsed %d entries, built-in has %d", parsed.Len(), builtin.Len())
	}
	for k, name := range builtin.byPort {
		if parsed.byPort[k] != name {
			t.Errorf("port key %d: parsed %q, built-in %q", k, parsed.byPort[k], name)
		}
	}
}

// refParse is a second, deliberately naive implementation of ParseServices
// (whole input, strings.Split, strings.FieldsFunc) for FuzzParseServices to
// compare with.
func refParse(in string) (byPort map[uint32]string, byName map[nameKey]uint16) {
	byPort, byName = make(map[uint32]string), make(map[nameKey]uint16)
	for _, line := range strings.Split(in, "\n") {
		if len(line) >= maxLine {
			continue
		}
		line, _, _ = strings.Cut(line, "#")
		f := strings.FieldsFunc(line, func(r rune) bool { return r < 0x80 && isBlank(byte(r)) })
		if len(f) < 2 || !validName([]byte(f[0])) {
			continue
		}
		portText, proto, ok := strings.Cut(f[1], "/")
		if !ok || proto != "tcp" && proto != "udp" || len(portText) > 5 ||
			strings.TrimLeft(portText, "0123456789") != "" {
			continue
		}
		port, err := strconv.Atoi(portText)
		if err != nil || port > 65535 {
			continue
		}
		udp := proto == "udp"
		if _, dup := byPort[portKey(uint16(port), udp)]; !dup {
			byPort[portKey(uint16(port), udp)] = f[0]
		}
		for i, n := range f {
			if i == 1 || !validName([]byte(n)) {
				continue
			}
			if _, dup := byName[nameKey{n, udp}]; !dup {
				byName[nameKey{n, udp}] = uint16(port)
			}
		}
	}
	return byPort, byName
}

func FuzzParseServices(f *testing.F) {
	for _, seed := range []string{
		"ssh 22/tcp\n",                       // the simplest entry
		"http\t80/tcp\twww www-http # web\n", // aliases and a comment
		"a 1/tcp\na 1/tcp\nb 1/tcp\n",        // duplicates: first wins
		"a 1/tcp\nb 1/udp\n",                 // same port, two protocols
		"x 65535/udp\ny 65536/tcp\n",         // the largest port and one past it
		"x 00022/tcp\ny 000022/tcp\n",        // leading zeros, too many digits
		"x +1/tcp\ny -1/tcp\nz 0x1/tcp\n",    // signs and hex are not ports
		"x 1/\ny /tcp\nz 1\n",                // missing halves
		"x 1/sctp\ny 1/TCP\n",                // protocols we do not keep
		"x 1/tcp#c\n#y 2/tcp\n",              // comments glued to fields
		"x\r1/tcp\r\n",                       // CR as a blank
		"\xff 1/tcp\n\x1b[0m 2/tcp\n",        // invalid UTF-8, escape sequences
		"é 1/tcp ü\u0085 ok\n",               // non-ASCII names; U+0085 is a C1 control
		"last 6000/tcp",                      // no final newline
		"",                                   // nothing at all
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s := ParseServices(strings.NewReader(in))
		wantPort, wantName := refParse(in)
		if len(s.byPort) != len(wantPort) || len(s.byName) != len(wantName) {
			t.Fatalf("parsed %d ports and %d names, reference %d and %d",
				len(s.byPort), len(s.byName), len(wantPort), len(wantName))
		}
		for k, name := range wantPort {
			if s.byPort[k] != name {
				t.Fatalf("port key %d: %q, reference %q", k, s.byPort[k], name)
			}
			if !validName([]byte(name)) || strings.ContainsAny(name, " \t\r\n#") {
				t.Fatalf("unprintable name %q", name)
			}
		}
		for k, port := range wantName {
			if got, ok := s.byName[k]; !ok || got != port {
				t.Fatalf("name %q: %d, %v; reference %d", k.name, got, ok, port)
			}
		}
	})
}

func BenchmarkServicesLookup(b *testing.B) {
	s := parseFixture(b)
	ports := []uint16{22, 80, 443, 53, 54321, 8443, 119, 6000}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Lookup(ports[i%len(ports)], "tcp")
	}
}

func BenchmarkServicesLookupBuiltin(b *testing.B) {
	s := Builtin()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Lookup(uint16(i), "udp")
	}
}

func BenchmarkParseServices(b *testing.B) {
	var buf bytes.Buffer
	for i := range 2000 { // ~/etc/services is 350 lines; IANA's full list ~14k
		fmt.Fprintf(&buf, "svc-%d\t%d/tcp\talias-%d\t# comment\n", i, i, i)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		ParseServices(bytes.NewReader(data))
	}
}
