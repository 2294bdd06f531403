package cli

import (
	"errors"
	"slices"
	"strings"

	"github.com/sockscope/sockscope/internal/filter"
	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/sockets"
)

// addressFamilies reads net-tools' -A FAMILY[,FAMILY] into the flags it
// means: inet is -4, inet6 -6, unix -x.
func addressFamilies(f *listFlags, lang string) error {
	for _, fam := range splitList(f.families) {
		switch strings.ToLower(fam) {
		case "inet", "ipv4", "4":
			f.v4 = true
		case "inet6", "ipv6", "6":
			f.v6 = true
		case "unix", "local":
			f.unix = true
		default:
			return flagErrorf(lang, "cli.err.family", fam)
		}
	}
	return nil
}

// splitFilterWords splits the listing's positional words into those for
// -p and INTERVAL (returned first) and those of a filter expression. After
// a bare -p, leading words that are not filter keywords are its protocols
// ("-anop tcp"). A last word that is a number is the INTERVAL unless the
// expression needs it ("dev 2"): the expression is then parsed without it
// first.
func splitFilterWords(args []string, pGiven bool) (rest, words []string) {
	i := 0
	if pGiven {
		for i < len(args) && !isInterval(args[i]) && !startsFilter(args[i]) {
			rest = append(rest, args[i])
			i++
		}
	}
	words = args[i:]
	if len(words) == 0 {
		return rest, nil
	}
	last := words[len(words)-1]
	if !slices.ContainsFunc(words, func(w string) bool { return !isInterval(w) }) {
		return append(rest, words...), nil // numbers only: INTERVALs
	}
	if isInterval(last) {
		if _, err := filter.ParseArgs(words[:len(words)-1], nil); err == nil {
			return append(rest, last), words[:len(words)-1]
		}
	}
	return rest, words
}

// startsFilter reports whether word begins a filter expression.
func startsFilter(word string) bool {
	word = strings.TrimSpace(word)
	if strings.HasPrefix(word, "(") || strings.HasPrefix(word, "!") {
		return true
	}
	first, _, _ := strings.Cut(word, " ")
	return filter.IsKeyword(first)
}

// listExpression compiles the filter expression (the words after the
// flags, then -F's file) into req: the kernel's part joins req.Filter, the
// rest runs after the dump and after attribution (collect.Query).
func listExpression(in requestInput, req *listRequest, lang string) error {
	req.baseFilter = req.Filter
	words := req.filterWords
	if file := in.flags.filterFile; file != "" {
		text, err := filter.ReadFilterPath(file, in.stdin)
		if err != nil {
			return flagErrorf(lang, "cli.err.filterfile", file, err)
		}
		words = append(words, text)
	}
	var opts filter.Options
	if in.filterOpts != nil {
		opts = *in.filterOpts
	}
	req.filterOpts = &opts
	if len(words) == 0 {
		return nil
	}
	req.exprText = strings.Join(words, " ")
	if in.ephemeral != nil {
		if r := in.ephemeral(); r.Known() {
			opts.PortLo, opts.PortHi = int(r.Low), int(r.High)
		}
	}
	e, err := filter.ParseArgs(words, &opts)
	if err != nil {
		return filterError(lang, err)
	}
	plan, err := e.Plan()
	if err != nil {
		return filterError(lang, err)
	}
	req.applyPlan(plan)
	return nil
}

// applyPlan makes the filter expression compiled to plan select what req
// lists, on top of req.baseFilter, what the flags chose.
func (req *listRequest) applyPlan(plan *filter.Plan) {
	req.plan = plan
	req.Filter = req.baseFilter
	if !plan.StatesGiven && req.Filter.States == 0 {
		// -a with an expression means ss's -a, which never lists TCP
		// sockets bound and not listening (the filter's state clauses
		// name them when wanted).
		req.Filter.States = sockets.AllStates &^ (1 << sockets.BoundInactive)
	}
	req.Filter = plan.Filter(req.Filter)
	switch fams := plan.Families; {
	case fams == 0:
	case fams.Has(sockets.Local) && !fams.Has(sockets.Inet) && !fams.Has(sockets.Inet6):
		req.Filter.Protos &= sockets.ProtoSet(0).With(sockets.Unix)
	default:
		req.Filter.Families = fams
		req.Filter.Protos &^= sockets.ProtoSet(0).With(sockets.Unix)
	}
	req.Render.Protos = req.Filter.Protos
}

// filterError is the usage error of a malformed expression: one line
// naming the token and its position, and the expression with a caret under
// the token for a terminal.
func filterError(lang string, err error) error {
	var fe *filter.Error
	if !errors.As(err, &fe) {
		return &FlagError{Err: err}
	}
	if i18n.Lang(lang) == "en" {
		return &FlagError{Err: err, Detail: fe.Caret()}
	}
	msg := filterMessage(lang, fe.Msg)
	if fe.Token == "" {
		return &FlagError{Err: &translatedError{msg: i18n.T(lang, "cli.filter.err.end", msg), Err: err}, Detail: fe.Caret()}
	}
	return &FlagError{Err: &translatedError{msg: i18n.T(lang, "cli.filter.err", msg, fe.Token, fe.Pos), Err: err}, Detail: fe.Caret()}
}

// filterMessages are the filter package's messages, by catalog key; the
// ones built around a word (a keyword, what was expected) are matched by
// their fixed part in filterMessage.
var filterMessages = map[string]string{
	"expected a condition":                      "cli.filter.msg.condition",
	"unknown condition":                         "cli.filter.msg.unknown",
	"unbalanced )":                              "cli.filter.msg.unbalanced",
	"expected )":                                "cli.filter.msg.rparen",
	"expression nested too deep":                "cli.filter.msg.deep",
	"no such interface":                         "cli.filter.msg.iface",
	"no such cgroup":                            "cli.filter.msg.cgroup",
	"cannot resolve cgroup paths here":          "cli.filter.msg.cgroups",
	"cannot parse the mark (MARK or MARK/MASK)": "cli.filter.msg.mark",
	"expected a number":                         "cli.filter.msg.number",
	"expected a duration (100ms, 1.5s, 250us; a plain number is milliseconds)": "cli.filter.msg.duration",
	"expected a rate in bits per second (10M, 1.5Gbps, 800kbps)":               "cli.filter.msg.rate",
}

// filterMessage returns the filter package's message msg in language
// lang, or msg itself when the catalog has no translation of it.
func filterMessage(lang, msg string) string {
	if key, ok := filterMessages[msg]; ok {
		return i18n.T(lang, key)
	}
	if kw, ok := strings.CutSuffix(msg, " takes = or !="); ok {
		return i18n.T(lang, "cli.filter.msg.op", kw)
	}
	if kw, ok := strings.CutSuffix(msg, " may only come before the expression"); ok {
		return i18n.T(lang, "cli.filter.msg.first", kw)
	}
	if kw, ok := strings.CutPrefix(msg, "expected a state name after "); ok {
		return i18n.T(lang, "cli.filter.msg.state", kw)
	}
	if rest, ok := strings.CutPrefix(msg, "unknown state "); ok {
		return i18n.T(lang, "cli.filter.msg.ustate", rest)
	}
	if what, ok := strings.CutPrefix(msg, "expected "); ok {
		return i18n.T(lang, "cli.filter.msg.expected", what)
	}
	return msg
}
