package cli

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/sockscope/sockscope/internal/render"
)

// emptyChecked are the flags whose value may not be empty or look like
// flags: "--port ”" is not "no filter", and in "--program -tln" the user
// forgot NAME.
var emptyChecked = []string{"filter-file", "address-family", "state", "port", "pid", "program", "iface", "format", "style", "lang", "source", "color", "sort", "protocol", "netns"}

// checkValues refuses an empty value, or one that starts with "-", of the
// flags in emptyChecked that set holds.
func checkValues(set *pflag.FlagSet, lang string) error {
	for _, name := range emptyChecked {
		fl := set.Lookup(name)
		if fl == nil || !set.Changed(name) {
			continue
		}
		v := fl.Value.String()
		meta, _ := pflag.UnquoteUsage(fl)
		if meta == "" || meta == "string" || meta == "strings" {
			meta = strings.ToUpper(name)
		}
		// A sort field may start with "-" (descending): --sort=-recv-q.
		dashOK := name == "sort"
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			vals := sv.GetSlice()
			v = strings.Join(vals, ",")
			for _, e := range vals {
				if strings.HasPrefix(strings.TrimSpace(e), "-") && !(name == "pid" && isInterval(e)) {
					return flagErrorf(lang, "cli.err.value.dash", "--"+name, e, meta)
				}
			}
		} else if strings.HasPrefix(v, "-") && !dashOK {
			return flagErrorf(lang, "cli.err.value.dash", "--"+name, v, meta)
		}
		if strings.Trim(v, ", ") == "" && v != programSentinel {
			return flagErrorf(lang, "cli.err.value.empty", "--"+name, meta)
		}
	}
	return nil
}

// outputOptions sets the format, style and colour of r from the flags.
func outputOptions(in requestInput, r *render.Options, lang string) error {
	f := in.flags
	format := f.format
	if format == "" && in.set.Lookup("format") == nil {
		format = "table" // a command without --format (serve)
	}
	if f.json {
		if in.set.Changed("format") && format != "json" {
			return flagErrorf(lang, "cli.err.json.conflict", format)
		}
		format = "json"
	}
	var err error
	if r.Format, err = render.ParseFormat(format); err != nil {
		return enumError(lang, err)
	}
	switch {
	case in.set.Changed("style"):
		if r.Style, err = render.ParseStyle(f.style); err != nil {
			return enumError(lang, err)
		}
	case in.netstat || in.native == render.Windows:
		// As netstat, and on Windows (the reference document's own
		// platform), the native netstat layout is the default.
		r.Style = in.native
	}
	r.Color, err = colorOn(f.color, in.stdoutTTY, *r, in.getenv, lang)
	return err
}

// colorOn decides whether tables are coloured: --color=always or never
// decide; auto colours the modern table at a terminal, unless NO_COLOR is
// set and not empty (no-color.org) or TERM is "dumb". The netstat and
// Windows layouts reproduce tools that print no colour, so auto leaves
// them plain; --color=always colours them too.
func colorOn(mode string, tty bool, r render.Options, getenv func(string) string, lang string) (bool, error) {
	switch strings.ToLower(mode) {
	case "always", "yes", "force":
		return r.Format == render.Table, nil
	case "never", "no", "none":
		return false, nil
	case "auto", "tty", "if-tty", "":
	default:
		return false, flagErrorf(lang, "cli.err.color", mode)
	}
	if !tty || r.Format != render.Table || r.Style != render.Modern {
		return false, nil
	}
	if getenv != nil && (getenv("NO_COLOR") != "" || getenv("TERM") == "dumb") {
		return false, nil
	}
	return true, nil
}
