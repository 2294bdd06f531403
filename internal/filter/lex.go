package filter

import (
	"fmt"
	"strings"
)

// token is one word of the input: Text with its escapes resolved, Pos
// the byte offset of its first character in the input, Quoted set if a
// backslash escaped any character of it (it is then never a keyword).
type token struct {
	Text   string
	Pos    int
	Quoted bool
}

// Error is a malformed expression: the offending token, its byte offset in
// the input, and what is wrong, in one line.
type Error struct {
	Input string // the whole input, as the positions count it
	Pos   int    // byte offset of Token in Input; len(Input) at the end
	Token string // the offending token, "" at the end of the input
	Msg   string
}

// Error returns "filter: MSG at TOKEN (position N)", or "... at the end".
func (e *Error) Error() string {
	if e.Token == "" {
		return fmt.Sprintf("filter: %s at the end of the expression", e.Msg)
	}
	return fmt.Sprintf("filter: %s at %q (position %d)", e.Msg, e.Token, e.Pos)
}

// Caret returns the input and a line with a caret under the offending
// token, for a terminal. Tabs in the input are kept under the caret so
// that it lines up.
func (e *Error) Caret() string {
	var b strings.Builder
	b.WriteString(e.Input)
	b.WriteByte('\n')
	for i := 0; i < e.Pos && i < len(e.Input); i++ {
		if e.Input[i] == '\t' {
			b.WriteByte('\t')
		} else if e.Input[i]&0xC0 != 0x80 { // one column per rune
			b.WriteByte(' ')
		}
	}
	b.WriteByte('^')
	if n := len([]rune(e.Token)); n > 1 {
		b.WriteString(strings.Repeat("~", n-1))
	}
	return b.String()
}

// lex splits input into tokens as ss does (words separated by spaces and
// tabs, a backslash escaping the next character), and also splits '(' off
// the front and ')' off the back of a word and '!' off the front of a
// word that goes on with a letter or '(', which ss does not: "(dport" is
// "(" "dport" here, and an error in ss.
func lex(input string) []token {
	var toks []token
	i := 0
	for i < len(input) {
		c := input[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		start := i
		var b strings.Builder
		quoted := false
		// escaped[k] tells whether b's byte k came from an escape.
		var escaped []bool
		for i < len(input) {
			c := input[i]
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				break
			}
			if c == '\\' && i+1 < len(input) {
				quoted = true
				b.WriteByte(input[i+1])
				escaped = append(escaped, true)
				i += 2
				continue
			}
			b.WriteByte(c)
			escaped = append(escaped, false)
			i++
		}
		word := b.String()
		pos := start
		// Split unescaped '(' and '!' off the front.
		for len(word) > 1 && !escaped[0] && (word[0] == '(' || word[0] == '!' && (word[1] == '(' || isLetter(word[1]))) {
			toks = append(toks, token{Text: word[:1], Pos: pos})
			word, escaped = word[1:], escaped[1:]
			pos = nextPos(input, pos)
		}
		// Split unescaped ')' off the back.
		var tail []token
		for len(word) > 1 && !escaped[len(word)-1] && word[len(word)-1] == ')' {
			tail = append(tail, token{Text: ")", Pos: endPos(input, pos, len(word)-1)})
			word, escaped = word[:len(word)-1], escaped[:len(escaped)-1]
		}
		toks = append(toks, token{Text: word, Pos: pos, Quoted: quoted})
		for k := len(tail) - 1; k >= 0; k-- {
			toks = append(toks, tail[k])
		}
	}
	return toks
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// nextPos returns the input offset after the character at pos, stepping
// over an escape.
func nextPos(input string, pos int) int {
	if input[pos] == '\\' {
		return pos + 2
	}
	return pos + 1
}

// endPos returns the input offset of the k-th character of the word that
// starts at pos.
func endPos(input string, pos, k int) int {
	for ; k > 0; k-- {
		pos = nextPos(input, pos)
	}
	return pos
}
