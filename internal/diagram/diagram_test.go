package diagram

import (
	"bytes"
	"flag"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/sockscope/sockscope/internal/testutil/golden"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/textwidth"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

var liveCounts = map[string]int{
	"LISTEN": 12, "SYN_SENT": 1, "SYN_RECV": 0, "ESTABLISHED": 1203, "FIN_WAIT1": 3,
	"FIN_WAIT2": 7, "CLOSE_WAIT": 9999999, "CLOSING": 0, "LAST_ACK": 2, "TIME_WAIT": 451, "CLOSE": 5,
}

type goldenCase struct {
	name string
	o    Options
}

// goldenCases: each view × {unicode, ascii} × {en, zh} × {no counts,
// counts}, and dot for the full view.
func goldenCases() []goldenCase {
	var cs []goldenCase
	for _, view := range Views {
		for _, ascii := range []bool{false, true} {
			for _, lang := range []string{"en", "zh"} {
				for _, live := range []bool{false, true} {
					name := view
					if name == "" {
						name = "full"
					}
					o := Options{View: view, ASCII: ascii, Lang: lang}
					if ascii {
						name += "-ascii"
					}
					name += "-" + lang
					if live {
						o.Counts = liveCounts
						name += "-live"
					}
					cs = append(cs, goldenCase{name, o})
				}
			}
		}
	}
	for _, ascii := range []bool{false, true} {
		for _, lang := range []string{"en", "zh"} {
			for _, live := range []bool{false, true} {
				o := Options{ASCII: ascii, Lang: lang, Width: NarrowWidth}
				name := "full-narrow"
				if ascii {
					name += "-ascii"
				}
				name += "-" + lang
				if live {
					o.Counts = liveCounts
					name += "-live"
				}
				cs = append(cs, goldenCase{name, o})
			}
		}
	}
	return append(cs,
		goldenCase{"full-dot", Options{Format: "dot"}},
		goldenCase{"full-dot-zh-live", Options{Format: "dot", Lang: "zh-CN", Counts: liveCounts}},
		goldenCase{"open-dot", Options{View: "open", Format: "dot"}},
		goldenCase{"close-dot-zh", Options{View: "close", Format: "dot", Lang: "zh"}})
}

func render(t *testing.T, o Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.o)
			golden.Check(t, filepath.Join("testdata", tc.name+".golden"), []byte(got), *update)
		})
	}
}

// TestWidth checks every text line fits in 100 columns, and that the
// ASCII variants draw with ASCII only: English entirely ASCII, Chinese
// with no character outside ASCII but the CJK text.
func TestWidth(t *testing.T) {
	for _, tc := range goldenCases() {
		if tc.o.Format == "dot" {
			continue
		}
		out := render(t, tc.o)
		for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if w := textwidth.String(l); w > maxWidth {
				t.Errorf("%s line %d is %d columns wide: %q", tc.name, i+1, w, l)
			}
		}
		if !tc.o.ASCII {
			continue
		}
		for _, r := range out {
			if r > unicode.MaxASCII && (tc.o.Lang == "en" || textwidth.Rune(r) != 2) {
				t.Errorf("%s: non-ASCII %q in the ASCII variant", tc.name, r)
				break
			}
		}
	}
}

// TestBoxesAligned checks that Chinese labels and live counts move no
// box: every line has its box corners in the same columns as the
// English layout without counts.
func TestBoxesAligned(t *testing.T) {
	cols := func(s string) []int {
		var out []int
		x := 0
		for _, r := range s {
			if strings.ContainsRune("┌┐└┘", r) {
				out = append(out, x)
			}
			x += textwidth.Rune(r)
		}
		return out
	}
	for _, ref0 := range []Options{{View: ""}, {View: "open"}, {View: "close"}, {Width: NarrowWidth}} {
		view := ref0.View
		ref := strings.Split(render(t, ref0), "\n")
		for _, o := range []Options{{View: view, Lang: "zh", Width: ref0.Width}, {View: view, Counts: liveCounts, Width: ref0.Width}, {View: view, Lang: "zh", Counts: liveCounts, Width: ref0.Width}} {
			got := strings.Split(render(t, o), "\n")
			for i := range min(len(ref), len(got)) {
				if a, b := cols(ref[i]), cols(got[i]); !slices.Equal(a, b) {
					t.Errorf("view %q lang %q counts %v line %d: corners at %v, want %v", view, o.Lang, o.Counts != nil, i+1, b, a)
				}
			}
		}
	}
}

// TestDot parses the dot output as a digraph and checks it holds the
// 11 states and 20 transitions of RFC 9293 Figure 5.
func TestDot(t *testing.T) {
	out := render(t, Options{Format: "dot", Counts: liveCounts})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[0], "digraph ") || !strings.HasSuffix(lines[0], "{") || lines[len(lines)-1] != "}" {
		t.Fatalf("not a digraph:\n%s", out)
	}
	node := regexp.MustCompile(`^\t([A-Z_0-9]+) \[label="([^"]*)"\];$`)
	edge := regexp.MustCompile(`^\t([A-Z_0-9]+) -> ([A-Z_0-9]+) \[label="([^"]+ / [^"]+)"\];$`)
	nodes := map[string]bool{}
	edges := map[[2]string]bool{}
	for _, l := range lines[1 : len(lines)-1] {
		if m := node.FindStringSubmatch(l); m != nil {
			nodes[m[1]] = true
			if !strings.HasPrefix(m[2], m[1]+" (") {
				t.Errorf("node %s has no count in its label %q", m[1], m[2])
			}
			continue
		}
		if m := edge.FindStringSubmatch(l); m != nil {
			if !nodes[m[1]] || !nodes[m[2]] {
				t.Errorf("edge %s -> %s names an undeclared node", m[1], m[2])
			}
			edges[[2]string{m[1], m[2]}] = true
			continue
		}
		if strings.Contains(l, "->") || !strings.HasSuffix(l, ";") {
			t.Errorf("unparsed line %q", l)
		}
	}
	if len(nodes) != 11 {
		t.Errorf("%d nodes, want the 11 states of RFC 9293", len(nodes))
	}
	if len(edges) != 20 {
		t.Errorf("%d edges, want the 20 transitions of RFC 9293 Figure 5", len(edges))
	}
	for _, e := range [][2]string{{"LISTEN", "SYN_RECV"}, {"TIME_WAIT", "CLOSED"}, {"SYN_RECV", "LISTEN"}, {"FIN_WAIT1", "CLOSING"}} {
		if !edges[e] {
			t.Errorf("missing transition %s -> %s", e[0], e[1])
		}
	}
}

func TestParseView(t *testing.T) {
	for _, v := range []string{"", "open", "close", "OPEN"} {
		if _, err := ParseView(v); err != nil {
			t.Errorf("ParseView(%q): %v", v, err)
		}
	}
	_, err := ParseView("teardown")
	if err == nil || !strings.Contains(err.Error(), "open") || !strings.Contains(err.Error(), "close") {
		t.Errorf("ParseView(teardown) = %v, want an error listing the views", err)
	}
	if err := Write(&bytes.Buffer{}, Options{Format: "svg"}); err == nil {
		t.Error("Write with format svg: no error")
	}
}

// TestPhrasesInCatalog fails when an event or action phrase of transitions
// has no catalog key, which would print the key itself.
func TestPhrasesInCatalog(t *testing.T) {
	for _, tr := range transitions {
		for _, p := range []string{tr.ev, tr.act} {
			if p != "" && !i18n.Has(phraseKey(p)) {
				t.Errorf("phrase %q: no catalog key %q", p, phraseKey(p))
			}
		}
	}
}

// TestNarrow: at a terminal narrower than the wide drawing, every view in
// every language and drawing set fits NarrowWidth columns; the halves do
// at any width; only the whole diagram without a limit is wider.
func TestNarrow(t *testing.T) {
	for _, view := range Views {
		for _, lang := range []string{"en", "zh"} {
			for _, ascii := range []bool{false, true} {
				for _, width := range []int{0, NarrowWidth, 98, 120} {
					o := Options{View: view, Lang: lang, ASCII: ascii, Counts: liveCounts, Width: width}
					most := 0
					for _, l := range strings.Split(render(t, o), "\n") {
						most = max(most, textwidth.String(l))
					}
					limit := NarrowWidth
					if view == "" && (width == 0 || width >= wideWidth) {
						limit = wideWidth
					}
					if most > limit {
						t.Errorf("view %q %s ascii=%v width %d: %d columns, want at most %d", view, lang, ascii, width, most, limit)
					}
					if !Fits(o) {
						t.Errorf("Fits(%+v) = false", o)
					}
				}
			}
		}
	}
	if Fits(Options{Width: 60}) {
		t.Error("Fits(width 60) = true")
	}
	if !Fits(Options{Width: 60, Format: "dot"}) {
		t.Error("dot does not fit a terminal?")
	}
}

// TestCountsOnce: each state's live count is written once per drawing,
// even where a view draws the state twice (ESTABLISHED and CLOSED on
// both sides of the halves, CLOSED twice in the whole diagram, the
// simultaneous open and close repeating states), and a state drawn on
// both sides is counted on neither side but in a labelled legend line.
func TestCountsOnce(t *testing.T) {
	counts := map[string]int{}
	for i, s := range []string{"LISTEN", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2",
		"CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT", "CLOSE"} {
		counts[s] = 1001 + i*111
	}
	for _, o := range []Options{{}, {Width: NarrowWidth}, {View: "open"}, {View: "close"}, {View: "close", Lang: "zh"}} {
		o.Counts = counts
		out := render(t, o)
		for _, s := range viewStates[o.View] {
			if s == sClosed {
				s = "CLOSE"
			}
			n := strings.Count(out, "("+strconv.Itoa(counts[s])+")")
			if n != 1 {
				t.Errorf("view %q lang %q: count of %s shown %d times, want once", o.View, o.Lang, s, n)
			}
		}
		if o.View == "" {
			continue
		}
		lines := strings.Split(out, "\n")
		for _, s := range []string{"ESTABLISHED", "CLOSE"} {
			want := "(" + strconv.Itoa(counts[s]) + ")"
			for _, l := range lines {
				if strings.Contains(l, want) && !strings.Contains(l, textsFor(o.Lang).sharedCounts("")) {
					t.Errorf("view %q: %s counted in a box of one side: %q", o.View, s, l)
				}
			}
		}
	}
}

// TestDotNote: an edge labelled "(note 1)" comes with the note.
func TestDotNote(t *testing.T) {
	for _, o := range []Options{{Format: "dot"}, {Format: "dot", View: "open"}, {Format: "dot", Lang: "zh"}} {
		out := render(t, o)
		tx := textsFor(o.Lang)
		ref := tx.tr("rcv RST (note 1)")
		if !strings.Contains(out, ref) {
			t.Fatalf("%+v: no edge refers to note 1:\n%s", o, out)
		}
		if !strings.Contains(out, tx.note()) {
			t.Errorf("%+v: the note is missing:\n%s", o, out)
		}
	}
}

// TestSimultaneousOpen: SYN_SENT's exit on a SYN without ACK (to
// SYN_RECV) is drawn in the whole diagram, the open view and dot, and the
// open view follows it on to ESTABLISHED.
func TestSimultaneousOpen(t *testing.T) {
	lbl := english.label(sSynSent, sSynRecv)
	for _, o := range []Options{{}, {Width: NarrowWidth}} {
		if !strings.Contains(render(t, o), lbl) {
			t.Errorf("%+v: no %q", o, lbl)
		}
	}
	open := render(t, Options{View: "open"})
	ev, _ := english.parts(sSynSent, sSynRecv)
	ev2, _ := english.parts(sSynRecv, sEstab)
	sim := open[strings.Index(open, english.simOpen):]
	for _, w := range []string{ev, ev2, "SYN_SENT", "SYN_RECV", "ESTABLISHED"} {
		if !strings.Contains(sim, w) {
			t.Errorf("simultaneous open lacks %q:\n%s", w, sim)
		}
	}
	if !strings.Contains(render(t, Options{Format: "dot"}), "SYN_SENT -> SYN_RECV") {
		t.Error("dot lacks SYN_SENT -> SYN_RECV")
	}
}
