package cli

import (
	"regexp"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sockscope/sockscope/internal/i18n"
)

// ArgsLang returns the language the command line asks for with --lang
// (valid values only; the last one wins, as when pflag parses it), or
// locale. The command tree is built before pflag parses --lang, so the
// caller passes this as Factory.Lang: help and pflag's own errors then
// follow --lang wherever it is on the command line, as everything else
// does.
func ArgsLang(args []string, locale string) string {
	lang := locale
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		v, ok := strings.CutPrefix(a, "--lang=")
		if !ok && a == "--lang" && i+1 < len(args) {
			i++
			v, ok = args[i], true
		}
		if ok && validLang(v) {
			lang = v
		}
	}
	return lang
}

var (
	pflagShorthand = regexp.MustCompile(`^unknown shorthand flag: '(.+)' in (\S+)$`)
	pflagInvalid   = regexp.MustCompile(`^invalid argument ("(?:[^"\\]|\\.)*") for "((?:[^"\\]|\\.)*)" flag: (.*)$`)
)

// flagErrorFunc returns the cobra flag error function of f's commands:
// pflag's errors become usage errors, the common ones (unknown flag,
// unknown shorthand, missing argument, invalid argument) in f.Lang. A flag
// sockscope has, but not on this command, is named as one that does not
// apply; a negative number is a bad INTERVAL, not a cluster of flags. The
// reason of an invalid argument (a strconv error, or the flag's own) stays
// as pflag gives it.
func flagErrorFunc(f *Factory) func(*cobra.Command, error) error {
	return func(cmd *cobra.Command, err error) error {
		msg := err.Error()
		if m := pflagShorthand.FindStringSubmatch(msg); m != nil {
			if isInterval(strings.TrimPrefix(m[2], "-")) {
				return flagErrorf(f.Lang, "cli.err.interval.neg", m[2])
			}
			// pflag panics on a lookup of anything but one ASCII byte
			// (its message quotes the shorthand: "'\\''").
			if len(m[1]) == 1 && m[1][0] < 0x80 {
				if fl := knownFlags().ShorthandLookup(m[1]); fl != nil {
					return notHere(f, cmd, "-"+m[1], fl.Name)
				}
			}
			return flagErrorf(f.Lang, "cli.pflag.shorthand", m[1], m[2])
		}
		if v, ok := strings.CutPrefix(msg, "unknown flag: "); ok {
			name, _, _ := strings.Cut(strings.TrimPrefix(v, "--"), "=")
			if knownFlags().Lookup(name) != nil {
				return notHere(f, cmd, "--"+name, name)
			}
			return flagErrorf(f.Lang, "cli.pflag.unknown", v)
		}
		if i18n.Lang(f.Lang) == "en" {
			return &FlagError{Err: err}
		}
		if v, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
			return flagErrorf(f.Lang, "cli.pflag.needsarg", v)
		}
		if m := pflagInvalid.FindStringSubmatch(msg); m != nil {
			return flagErrorf(f.Lang, "cli.pflag.invalid", m[1], m[2], m[3])
		}
		return &FlagError{Err: err}
	}
}

// notHere is the usage error of a flag sockscope has, given to a command
// that does not take it: it names the commands that do when the flag is
// no listing flag (those the root command takes).
func notHere(f *Factory, cmd *cobra.Command, given, name string) error {
	if sc := flagScope(name); sc&inRoot == 0 {
		return flagErrorf(f.Lang, "cli.err.notapply.owner", given, cmd.CommandPath(), verbsOf(sc))
	}
	return flagErrorf(f.Lang, "cli.err.notapply.verb", given, cmd.CommandPath())
}

// knownFlags returns every flag of every command that shows sockets or a
// view, to tell a flag that does not apply from one that does not exist.
var knownFlags = sync.OnceValue(func() *pflag.FlagSet {
	fs := pflag.NewFlagSet("all", pflag.ContinueOnError)
	addFlags(fs, &listFlags{}, "en", inRoot|inSummary, protoNetstat)
	return fs
})
