package netview

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/textwidth"
)

// Options says how to render a view.
type Options struct {
	Style  render.Style
	Format render.Format
	// Lang is the language of headings: "" or "en" English, any "zh" tag
	// ("zh-CN", "zh_CN.UTF-8") Simplified Chinese. The linux style is
	// always English, as net-tools is.
	Lang string
	// Numeric prints addresses as numbers. Without it the linux and
	// windows route tables print a default route's destination as
	// "default", as net-tools does, and the linux style prints the names
	// of Names; nothing is ever looked up in DNS.
	Numeric bool
	// Families selects the address families of routes and groups:
	// FamilyDefault (0), Family4, Family6 or FamilyBoth. Interfaces have no
	// family. FamilyDefault is each layout's default: both families, except
	// in the linux style's route table, which shows IPv4 only as net-tools'
	// netstat -r does (its -6 or -A inet6 shows IPv6, -4 -6 both).
	Families int
	// All lists interfaces that are down too (net-tools' -a with -i);
	// without it the linux style's interface table shows only those up.
	// The other styles always list every interface.
	All bool
	// Names are the host and network names the linux style prints without
	// Numeric, as net-tools prints them (ReadNames); nil prints numbers
	// only, except "default" and "[::]".
	Names *Names
	// Extended asks for net-tools' -e: with the interface view in the
	// linux style, the ifconfig-style block per interface instead of the
	// table (WriteDevices).
	Extended bool
	// MoreExtended is net-tools' -ee: with the routing table in the linux
	// style, the MSS, Window and irtt columns after Extended's Metric, Ref
	// and Use.
	MoreExtended bool
}

// Address family selections of Options.Families.
const (
	// FamilyDefault is the layout's default (see Options.Families).
	FamilyDefault = 0
	// Family4 selects IPv4 only.
	Family4 = 4
	// Family6 selects IPv6 only.
	Family6 = 6
	// FamilyBoth selects IPv4 and IPv6, also where the default is one.
	FamilyBoth = 46
)

// wants reports whether o selects the address family fam (4 or 6) in a
// view whose default is both families.
func (o *Options) wants(fam int) bool {
	return o.Families == FamilyDefault || o.Families == FamilyBoth || o.Families == fam
}

// t returns the message key of the i18n catalog in o's language.
func (o *Options) t(key string) string { return i18n.T(o.Lang, key) }

// output wraps w in a buffer and runs write on it, returning the first
// error of write or of writing to w.
func output(w io.Writer, write func(bw *bufio.Writer) error) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	if err := write(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// padRight pads s with spaces to n columns; a longer s is left whole.
func padRight(s string, n int) string {
	if w := textwidth.String(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}

// padLeft right-aligns s in n columns; a longer s is left whole.
func padLeft(s string, n int) string {
	if w := textwidth.String(s); w < n {
		return strings.Repeat(" ", n-w) + s
	}
	return s
}

// table is a modern table: a header row and rows of cells, aligned to the
// widest cell of each column, two spaces apart. Columns whose index is in
// right are right-aligned (numbers); the last column is never padded.
type table struct {
	head  []string
	rows  [][]string
	right map[int]bool
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(bw *bufio.Writer) {
	ws := make([]int, len(t.head))
	for _, r := range append([][]string{t.head}, t.rows...) {
		for i, c := range r {
			ws[i] = max(ws[i], textwidth.String(c))
		}
	}
	for _, r := range append([][]string{t.head}, t.rows...) {
		var b strings.Builder
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			switch {
			case t.right[i]:
				b.WriteString(padLeft(c, ws[i]))
			case i < len(r)-1:
				b.WriteString(padRight(c, ws[i]))
			default:
				b.WriteString(c)
			}
		}
		bw.WriteString(strings.TrimRight(b.String(), " "))
		bw.WriteByte('\n')
	}
}

// writeJSON writes v as one indented JSON document, or, for NDJSON, each
// of items as one compact line.
func writeJSON[T any](bw *bufio.Writer, f render.Format, key string, items []T) error {
	if f == render.NDJSON {
		enc := json.NewEncoder(bw)
		for _, it := range items {
			if err := enc.Encode(it); err != nil {
				return err
			}
		}
		return nil
	}
	if items == nil {
		items = []T{}
	}
	enc := json.NewEncoder(bw)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{key: items})
}

// writeCSV writes a header row and rows, RFC 4180.
func writeCSV(bw *bufio.Writer, head []string, rows [][]string) error {
	cw := csv.NewWriter(bw)
	cw.Write(head)
	cw.WriteAll(rows)
	return cw.Error()
}
