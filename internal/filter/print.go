package filter

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/sockets"
)

// String returns the canonical form of the filter: one space between
// tokens, parentheses around every and/or inside another, keywords in
// their word spelling. It parses back to the same tree.
func (e *Expr) String() string {
	var b strings.Builder
	for _, c := range e.Clauses {
		if c.Exclude {
			b.WriteString("exclude ")
		} else {
			b.WriteString("state ")
		}
		b.WriteString(quote(c.Name))
		b.WriteByte(' ')
	}
	if e.Root != nil {
		format(&b, e.Root)
	}
	return strings.TrimSuffix(b.String(), " ")
}

// Format returns the canonical form of one node.
func Format(n Node) string {
	var b strings.Builder
	format(&b, n)
	return b.String()
}

func isBinary(n Node) bool {
	switch n.(type) {
	case *And, *Or:
		return true
	}
	return false
}

func formatOperand(b *strings.Builder, n Node) {
	if isBinary(n) {
		b.WriteString("( ")
		format(b, n)
		b.WriteString(" )")
		return
	}
	format(b, n)
}

func dirWord(d Dir, port bool) string {
	switch {
	case d == Src && port:
		return "sport"
	case port:
		return "dport"
	case d == Src:
		return "src"
	}
	return "dst"
}

func format(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case *And:
		formatOperand(b, n.L)
		b.WriteString(" and ")
		formatOperand(b, n.R)
	case *Or:
		formatOperand(b, n.L)
		b.WriteString(" or ")
		formatOperand(b, n.R)
	case *Not:
		formatNot(b, n)
	case *Host:
		formatHost(b, n, "=")
	case *Port:
		fmt.Fprintf(b, "%s %s :%d", dirWord(n.Dir, true), n.Op, n.Port)
	case *Dev:
		b.WriteString("dev = " + quote(n.Name))
	case *Mark:
		fmt.Fprintf(b, "fwmark = 0x%x/0x%x", n.Mark, n.Mask)
	case *Cgroup:
		b.WriteString("cgroup = " + quote(n.Path))
	case *Auto:
		b.WriteString("autobound")
	case *State:
		b.WriteString("state = " + quote(n.Name))
	case *Num:
		if tf := n.Field.tcpInfo(); tf != nil {
			fmt.Fprintf(b, "%s %s %s", n.Field, n.Op, formatUnitValue(tf.unit, n.Value))
			break
		}
		fmt.Fprintf(b, "%s %s %d", n.Field, n.Op, n.Value)
	case *Str:
		b.WriteString(n.Field.String() + " = " + quoteStr(n))
	}
}

// formatNot prints a negated leaf with != (or < and > for port ranges),
// which parse back to the same Not.
func formatNot(b *strings.Builder, n *Not) {
	switch x := n.X.(type) {
	case *Port:
		op := OpLT
		if x.Op == OpLE {
			op = OpGT
		}
		fmt.Fprintf(b, "%s %s :%d", dirWord(x.Dir, true), op, x.Port)
		return
	case *Host:
		formatHost(b, x, "!=")
		return
	case *Dev:
		b.WriteString("dev != " + quote(x.Name))
		return
	case *Mark:
		fmt.Fprintf(b, "fwmark != 0x%x/0x%x", x.Mark, x.Mask)
		return
	case *Cgroup:
		b.WriteString("cgroup != " + quote(x.Path))
		return
	case *State:
		b.WriteString("state != " + quote(x.Name))
		return
	case *Str:
		b.WriteString(x.Field.String() + " != " + quoteStr(x))
		return
	}
	b.WriteString("not ")
	formatOperand(b, n.X)
}

func formatHost(b *strings.Builder, h *Host, op string) {
	if h.PortOnly {
		b.WriteString(dirWord(h.Dir, true) + " " + op + " ")
		if h.Port == -1 {
			b.WriteString("*")
		} else {
			b.WriteString(":" + strconv.Itoa(int(h.Port)))
		}
		return
	}
	b.WriteString(dirWord(h.Dir, false) + " " + op + " ")
	if h.Unix {
		b.WriteString(quote("unix:" + h.Glob))
		return
	}
	switch h.Family {
	case sockets.Inet:
		b.WriteString("inet:")
	case sockets.Inet6:
		b.WriteString("inet6:")
	}
	switch {
	case !h.Addr.IsValid():
		b.WriteString("*")
	case h.Addr.Addr().Is4():
		b.WriteString(h.Addr.Addr().String())
		if h.Addr.Bits() != 32 {
			b.WriteString("/" + strconv.Itoa(h.Addr.Bits()))
		}
	default:
		b.WriteString("[" + h.Addr.Addr().String())
		if h.Addr.Bits() != 128 {
			b.WriteString("/" + strconv.Itoa(h.Addr.Bits()))
		}
		b.WriteString("]")
	}
	if h.Port != -1 {
		b.WriteString(":" + strconv.Itoa(int(h.Port)))
	}
}

// quoteStr prints a Str's glob; a netns name of digits alone is escaped,
// as digits are the inode.
func quoteStr(n *Str) string {
	if n.Field == FieldNetNS && allDigits(n.Glob) {
		return "\\" + n.Glob
	}
	return quote(n.Glob)
}

// quote escapes a value so that it lexes back as one word that is not a
// keyword: spaces, backslashes, a leading '(' or '!', a trailing ')', and
// every keyword and operator word.
func quote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ', c == '\t', c == '\n', c == '\r', c == '\\',
			i == 0 && (c == '(' || c == '!'),
			i == len(s)-1 && c == ')':
			b.WriteByte('\\')
		case i == 0 && (keywords[s] || isOperatorWord(s)):
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isOperatorWord(s string) bool {
	k, _ := classify(token{Text: s})
	return k != kWord
}
