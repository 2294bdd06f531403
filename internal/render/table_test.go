package render

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/textwidth"
)

// TestTablesAreSafe renders random sockets full of hostile text in every
// style with every column, and checks that no row can be broken or the
// terminal driven: valid UTF-8, no control characters but newlines (and
// the colours asked for), no bidirectional overrides, and exactly the
// lines the layout has.
func TestTablesAreSafe(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	all := Options{ShowPID: true, ShowProgram: true, ShowExe: true, Extended: true, All: true}
	for iter := range 300 {
		socks := make([]sockets.Socket, 1+r.IntN(6))
		for i := range socks {
			socks[i] = randSocket(r)
		}
		inet, unix := 0, 0
		for i := range socks {
			if socks[i].Family == sockets.Local {
				unix++
			} else {
				inet++
			}
		}
		for _, style := range []Style{Modern, Windows, Linux} {
			o := all
			o.Style = style
			o.Color = iter%2 == 0
			var buf bytes.Buffer
			if err := Write(&buf, socks, Meta{}, o); err != nil {
				t.Fatal(err)
			}
			out := buf.Bytes()
			if !utf8.Valid(out) {
				t.Fatalf("%v: invalid UTF-8:\n%q", style, out)
			}
			for _, c := range string(out) {
				bad := c < 0x20 && c != '\n' && !(c == 0x1b && o.Color) || c >= 0x7f && c < 0xa0 || isBidiControl(c)
				if bad {
					t.Fatalf("%v: unescaped %U in\n%q", style, c, out)
				}
			}
			lines := bytes.Count(out, []byte("\n"))
			var want int
			switch style {
			case Modern:
				want = 1 + len(socks)
			case Linux:
				want = len(socks)
				if inet > 0 {
					want += 2
				}
				if unix > 0 {
					want += 2
				}
			case Windows:
				want = 4 + inet
				if inet == 0 {
					want += unix
				}
				for i := range socks {
					s := &socks[i]
					if s.Family == sockets.Local && inet > 0 {
						continue
					}
					switch {
					case len(s.Processes) == 0 && s.Inode == 0:
					case len(s.Processes) > 0 && s.Processes[0].Info.Exe != "" && s.Processes[0].Info.Unit != "" &&
						!strings.HasSuffix(s.Processes[0].Info.Unit, ".scope") && !strings.HasSuffix(s.Processes[0].Info.Unit, ".slice"):
						want += 2
					default:
						want++
					}
				}
			}
			if lines != want {
				t.Fatalf("%v: %d lines, want %d:\n%s", style, lines, want, out)
			}
		}
	}
}

// TestModernAligned checks that every cell of a column starts at the same
// display column, CJK headings and names included.
func TestModernAligned(t *testing.T) {
	socks := fixture()
	socks[0].Processes = procs(sockets.Process{Info: &sockets.ProcessInfo{PID: 9, Name: "日本語のサーバ", Exe: "/opt/サーバ"}})
	var buf bytes.Buffer
	o := Options{ShowProgram: true, ShowExe: true, Extended: true, Lang: "zh-CN", Color: true}
	if err := Write(&buf, socks, Meta{}, o); err != nil {
		t.Fatal(err)
	}
	// Column starts, in display columns, of the heading line, which
	// follows the Chinese title and a blank line.
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if lines[0] != "活动连接" || lines[1] != "" {
		t.Fatalf("no title:\n%s", buf.Bytes())
	}
	lines = lines[2:]
	starts := columnStarts(lines[0])
	for _, line := range lines[1:] {
		got := columnStarts(stripANSI(line))
		// A right-aligned cell may start later; compare where cells end
		// for those, so check only the left-aligned ones here.
		for _, c := range []int{0, 3, 4, 5, 6, 7} {
			if got[c] != starts[c] {
				t.Fatalf("column %d starts at %d, heading at %d:\n%s\n%s", c, got[c], starts[c], lines[0], line)
			}
		}
	}
}

// columnStarts returns the display column where each two-space-separated
// cell starts.
func columnStarts(line string) []int {
	var starts []int
	col, prevSpace, inCell := 0, 0, false
	for _, r := range line {
		if r == ' ' {
			prevSpace++
			if inCell && prevSpace >= 2 {
				inCell = false
			}
		} else {
			if !inCell {
				starts = append(starts, col)
				inCell = true
			}
			prevSpace = 0
		}
		col += textwidth.Rune(r)
	}
	return starts
}

func stripANSI(s string) string {
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], 'm')
		s = s[:i] + s[i+j+1:]
	}
}

func TestAppendSafe(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		width   int
	}{
		{"/run/a.sock", "/run/a.sock", 11},
		{"a\nb", `a\x0ab`, 6},
		{"\x1b[31mred", `\x1b[31mred`, 11},
		{"x\xffy", `x\xffy`, 6},
		{"evil\u202egpj.exe", `evil\u202egpj.exe`, 17},
		{"\u0085", `\u0085`, 6},
		{"日本", "日本", 4},
		{"e\u0301", "e\u0301", 1},
	} {
		got, w := appendSafe(nil, tc.in)
		if string(got) != tc.out || w != tc.width {
			t.Errorf("appendSafe(%q) = %q, %d; want %q, %d", tc.in, got, w, tc.out, tc.width)
		}
	}
}

func TestFirstLabel(t *testing.T) {
	for in, want := range map[string]string{
		"host.example.com": "host", "host": "host", "10.0.0.1": "10.0.0.1", "::1": "::1", ".x": ".x",
	} {
		if got := firstLabel(in); got != want {
			t.Errorf("firstLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	if s, err := ParseStyle("Windows"); err != nil || s != Windows {
		t.Errorf("ParseStyle(Windows) = %v, %v", s, err)
	}
	if f, err := ParseFormat("NDJSON"); err != nil || f != NDJSON {
		t.Errorf("ParseFormat(NDJSON) = %v, %v", f, err)
	}
	_, err := ParseStyle("bsd")
	if err == nil || err.Error() != `unknown style "bsd" (valid: modern, windows, linux)` || !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("ParseStyle(bsd) error = %v", err)
	}
	_, err = ParseFormat("xml")
	if err == nil || err.Error() != `unknown format "xml" (valid: table, json, ndjson, csv)` || !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("ParseFormat(xml) error = %v", err)
	}
	for _, s := range []Style{Modern, Windows, Linux} {
		if got, err := ParseStyle(s.String()); err != nil || got != s {
			t.Errorf("round trip of %v: %v, %v", s, got, err)
		}
	}
}

// errWriter fails every write.
type errWriter struct{}

var errBroken = errors.New("broken pipe")

func (errWriter) Write([]byte) (int, error) { return 0, errBroken }

func TestWriteError(t *testing.T) {
	for _, f := range []Format{Table, JSON, NDJSON, CSV} {
		if err := Write(errWriter{}, fixture(), Meta{}, Options{Format: f}); !errors.Is(err, errBroken) {
			t.Errorf("%v: error %v, want %v", f, err, errBroken)
		}
	}
}
