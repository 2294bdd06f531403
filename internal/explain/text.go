package explain

import (
	"strings"
	"unicode/utf8"

	"github.com/sockscope/sockscope/internal/textwidth"
)

const lineWidth = 78

// wrap breaks text into lines of at most width columns, each prefixed by
// indent. Words (runs of non-space, non-wide runes) are never split; wide
// (CJK) characters may break anywhere, except before closing punctuation.
func wrap(text, indent string, width int) string {
	var out strings.Builder
	var line strings.Builder
	lineW := 0
	avail := width - textwidth.String(indent)
	flush := func() {
		out.WriteString(indent)
		out.WriteString(strings.TrimRight(line.String(), " "))
		out.WriteByte('\n')
		line.Reset()
		lineW = 0
	}
	for _, tok := range tokens(text) {
		if tok == " " {
			if lineW > 0 {
				line.WriteByte(' ')
				lineW++
			}
			continue
		}
		w := textwidth.String(tok)
		if lineW > 0 && lineW+w > avail && !noBreakBefore(tok) {
			flush()
		}
		line.WriteString(tok)
		lineW += w
	}
	if lineW > 0 {
		flush()
	}
	return out.String()
}

// tokens splits text into words, single spaces and single wide runes. An
// opening bracket stays with the token after it, so that no line ends
// with one.
func tokens(text string) []string {
	var toks []string
	start := -1
	add := func(tok string) {
		if n := len(toks); n > 0 && isOpening(toks[n-1]) && tok != " " {
			toks[n-1] += tok
			return
		}
		toks = append(toks, tok)
	}
	for i, r := range text {
		wide := textwidth.Rune(r) == 2
		if r == ' ' || wide {
			if start >= 0 {
				add(text[start:i])
				start = -1
			}
			add(string(r))
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		add(text[start:])
	}
	return toks
}

// isOpening reports whether tok is a single full-width opening bracket.
func isOpening(tok string) bool {
	switch tok {
	case "（", "「", "『", "“":
		return true
	}
	return false
}

func noBreakBefore(tok string) bool {
	r, _ := utf8.DecodeRuneInString(tok)
	return strings.ContainsRune("，。、；：）」』！？", r)
}

// pad returns s padded with spaces to width display columns.
func pad(s string, width int) string {
	if w := textwidth.String(s); w < width {
		return s + strings.Repeat(" ", width-w)
	}
	return s
}
