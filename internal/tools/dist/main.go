// Command dist writes sockscope's man pages (one per command: sockscope.1,
// sockscope-list.1, ...) and its bash, zsh and fish completion scripts,
// all generated from the command tree that the binary itself runs, so that
// they are never out of date. It is a build tool, not part of the binary:
//
//	SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) go run ./internal/tools/dist -o DIR
//
// writes DIR/man/man1/*.1 and DIR/completion/{sockscope.bash,_sockscope,sockscope.fish}.
// The pages carry a date; for the same bytes on every run it comes from
// -date, SOURCE_DATE_EPOCH, or the VCS commit time recorded in the build,
// never from the clock.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"

	"github.com/sockscope/sockscope/internal/cli"
	"github.com/sockscope/sockscope/internal/iostreams"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("dist", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "dist", "output `directory`")
	dateFlag := fs.String("date", "", "date in the pages' header, `YYYY-MM-DD` (default: SOURCE_DATE_EPOCH, else the VCS commit time)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	date, err := pageDate(*dateFlag, os.Getenv("SOURCE_DATE_EPOCH"), buildSetting("vcs.time"))
	if err != nil {
		return err
	}
	return Generate(*out, date)
}

// pageDate picks the date printed in the man pages: flagVal (YYYY-MM-DD),
// else epoch (SOURCE_DATE_EPOCH, seconds), else vcsTime (RFC 3339, as the
// go command records it). Without any of them it fails rather than use
// the clock, which would make each build's pages differ.
func pageDate(flagVal, epoch, vcsTime string) (time.Time, error) {
	switch {
	case flagVal != "":
		t, err := time.Parse(time.DateOnly, flagVal)
		if err != nil {
			return time.Time{}, fmt.Errorf("-date %q: want YYYY-MM-DD", flagVal)
		}
		return t, nil
	case epoch != "":
		sec, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: want seconds since 1970", epoch)
		}
		return time.Unix(sec, 0).UTC(), nil
	case vcsTime != "":
		t, err := time.Parse(time.RFC3339, vcsTime)
		if err != nil {
			return time.Time{}, fmt.Errorf("build's vcs.time %q: %v", vcsTime, err)
		}
		return t.UTC(), nil
	}
	return time.Time{}, errors.New("no date for the man pages: set SOURCE_DATE_EPOCH (e.g. $(git log -1 --format=%ct)) or -date YYYY-MM-DD")
}

// buildSetting returns a setting of this program's build info ("" if none).
func buildSetting(key string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// NewTree returns sockscope's command tree as the binary builds it under
// the name "sockscope" in English. The factory holds only what building
// the tree needs: no command runs here.
func NewTree() *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	root := cli.NewRootCmd(&cli.Factory{IO: ios}, nil)
	// What Execute would add: the completion command and the help and
	// version flags, so that the pages list what a user can type.
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.InitDefaultHelpFlag()
		c.InitDefaultVersionFlag()
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	// The pages' HISTORY line would only credit the generator.
	root.DisableAutoGenTag = true
	return root
}

// Completion shells and the file each script is written to, named as
// the shells look them up (bash-completion by command name, zsh by
// "_" + name, fish by name + ".fish").
var completions = []struct {
	file string
	gen  func(*cobra.Command, io.Writer) error
}{
	{"sockscope.bash", func(c *cobra.Command, w io.Writer) error { return c.GenBashCompletionV2(w, true) }},
	{"_sockscope", func(c *cobra.Command, w io.Writer) error { return c.GenZshCompletion(w) }},
	{"sockscope.fish", func(c *cobra.Command, w io.Writer) error { return c.GenFishCompletion(w, true) }},
}

// Generate writes the man pages to dir/man/man1 and the completion
// scripts to dir/completion, dated date.
func Generate(dir string, date time.Time) error {
	manDir := filepath.Join(dir, "man", "man1")
	compDir := filepath.Join(dir, "completion")
	for _, d := range []string{manDir, compDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := writeManTree(NewTree(), manDir, date); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	for _, c := range completions {
		var buf bytes.Buffer
		// A fresh tree per script: generation adds hidden commands to it.
		if err := c.gen(NewTree(), &buf); err != nil {
			return fmt.Errorf("%s: %w", c.file, err)
		}
		if err := os.WriteFile(filepath.Join(compDir, c.file), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeManTree writes the page of cmd and of every command under it that
// a user can type, named as cobra/doc's GenManTree names them
// (sockscope-list.1), so that "man sockscope-list" finds it.
func writeManTree(cmd *cobra.Command, dir string, date time.Time) error {
	for _, c := range cmd.Commands() {
		if !c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand() {
			continue
		}
		if err := writeManTree(c, dir, date); err != nil {
			return err
		}
	}
	header := &doc.GenManHeader{
		Section: "1",
		Date:    &date,
		Source:  "sockscope",
		Manual:  "User Commands",
	}
	var buf bytes.Buffer
	if err := doc.GenMan(cmd, header, &buf); err != nil {
		return err
	}
	page := replaceOptions(buf.Bytes(), cmd)
	if !cmd.HasParent() {
		page = addRootSections(page)
	}
	name := strings.ReplaceAll(cmd.CommandPath(), " ", "-") + ".1"
	return os.WriteFile(filepath.Join(dir, name), page, 0o644)
}

// rootSections are the sections of sockscope(1) that the command tree
// does not hold: how to get the netstat name without replacing net-tools,
// what the environment changes, and the exit status.
const rootSections = `.SH THE NETSTAT NAME
Run through a link named \fBnetstat\fR, sockscope takes netstat's flags and
prints the layouts of this system's own netstat (net\-tools' on Linux), so
that scripts which read netstat's output keep working. The Debian package
installs such a link as \fI/usr/lib/sockscope/bin/netstat\fR and leaves
net\-tools' \fI/usr/bin/netstat\fR alone; to use it, put that directory
first in \fBPATH\fR:
.PP
.RS
.nf
export PATH=/usr/lib/sockscope/bin:$PATH
.fi
.RE
.SH ENVIRONMENT
.TP
\fBLC_ALL\fR, \fBLC_MESSAGES\fR, \fBLANG\fR
the language of headings and messages (English or Chinese) and the
character set of the output; \fB\-\-lang\fR overrides the language.
.TP
\fBNO_COLOR\fR
set and not empty (no\-color.org): no colour unless \fB\-\-color=always\fR.
.TP
\fBTERM\fR
\fBdumb\fR: no colour unless \fB\-\-color=always\fR.
.SH EXIT STATUS
.TP
0
success.
.TP
1
a failure at run time, such as data the system would not give or could
not be read.
.TP
2
a command line that is wrong: an unknown flag, a bad value, a flag that
does not apply to the command.
`

// addRootSections adds rootSections before SEE ALSO (or at the end) of
// the root command's page, and net-tools' and iproute2's pages to SEE ALSO.
func addRootSections(page []byte) []byte {
	const seeAlso = "\n.SH SEE ALSO\n"
	i := bytes.Index(page, []byte(seeAlso))
	if i < 0 {
		return append(append(page, rootSections...), ".SH SEE ALSO\n\\fBnetstat\\fR(8), \\fBss\\fR(8)\n"...)
	}
	var b bytes.Buffer
	b.Write(page[:i+1])
	b.WriteString(rootSections)
	rest := page[i+1:]
	// The list is one line after the heading.
	j := len(".SH SEE ALSO\n")
	if k := bytes.IndexByte(rest[j:], '\n'); k >= 0 {
		b.Write(rest[:j+k])
		b.WriteString(", \\fBnetstat\\fR(8), \\fBss\\fR(8)")
		b.Write(rest[j+k:])
	} else {
		b.Write(rest)
	}
	return b.Bytes()
}

// replaceOptions replaces the OPTIONS sections that cobra/doc writes
// ("--all[=false]" for a boolean, a tab inside the paragraph) with a
// tagged list that reads as the help does: "-a, --all", "--state STATE",
// "-p, --protocol [PROTO]" for an optional value, and the default only
// where it says something.
func replaceOptions(page []byte, cmd *cobra.Command) []byte {
	const heading = "\n.SH OPTIONS\n"
	start := bytes.Index(page, []byte(heading))
	if start < 0 {
		return page
	}
	start++ // keep the newline before the heading
	end := len(page)
	rest := page[start+len(heading)-1:]
	for off := 0; ; {
		i := bytes.Index(rest[off:], []byte("\n.SH "))
		if i < 0 {
			break
		}
		line := rest[off+i+1:]
		if !bytes.HasPrefix(line, []byte(".SH OPTIONS INHERITED FROM PARENT COMMANDS\n")) {
			end = start + len(heading) - 1 + off + i + 1
			break
		}
		off += i + 1
	}
	var b bytes.Buffer
	b.Write(page[:start])
	writeOptions(&b, "OPTIONS", cmd.NonInheritedFlags())
	writeOptions(&b, "OPTIONS INHERITED FROM PARENT COMMANDS", cmd.InheritedFlags())
	b.Write(page[end:])
	return b.Bytes()
}

// writeOptions writes one OPTIONS section of the flags of fs (nothing if
// none is visible).
func writeOptions(b *bytes.Buffer, title string, fs *pflag.FlagSet) {
	if !fs.HasAvailableFlags() {
		return
	}
	b.WriteString(".SH " + title + "\n")
	fs.VisitAll(func(fl *pflag.Flag) {
		if fl.Hidden || fl.Deprecated != "" {
			return
		}
		varname, _ := pflag.UnquoteUsage(fl)
		usage := fl.Usage
		b.WriteString(".TP\n")
		if fl.Shorthand != "" && fl.ShorthandDeprecated == "" {
			b.WriteString(`\fB` + roffEscape("-"+fl.Shorthand) + `\fR, `)
		}
		b.WriteString(`\fB` + roffEscape("--"+fl.Name) + `\fR`)
		if fl.Value.Type() != "bool" {
			switch varname {
			case "", "string", "strings", "int", "uint", "duration", "stringSlice":
				varname = strings.ToUpper(fl.Name)
			}
			arg := `\fI` + roffEscape(varname) + `\fR`
			if fl.NoOptDefVal != "" {
				arg = "[" + arg + "]"
			}
			b.WriteString(" " + arg)
		}
		b.WriteString("\n")
		if d := fl.DefValue; d != "" && d != "false" && d != "[]" && d != "0" && fl.NoOptDefVal == "" && !strings.Contains(usage, "(default") {
			usage += " (default: " + d + ")"
		}
		for _, line := range strings.Split(roffLine(usage), "\n") {
			b.WriteString(line + "\n")
		}
	})
}

// roffEscape makes s print as itself in roff: a backslash is \e, and a
// hyphen is \- so that an option copied from the page is typed with
// ASCII minus signs.
func roffEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	return strings.ReplaceAll(s, "-", `\-`)
}

// roffLine escapes text for roff: a `name` in backquotes (pflag's mark
// of the value's name) is set in italics, and a line that starts with a
// dot or quote would be read as a request.
func roffLine(s string) string {
	s = roffEscape(s)
	if i := strings.IndexByte(s, '`'); i >= 0 {
		if j := strings.IndexByte(s[i+1:], '`'); j >= 0 {
			s = s[:i] + `\fI` + s[i+1:i+1+j] + `\fR` + s[i+1+j+1:]
		}
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = `\&` + l
		}
	}
	return strings.Join(lines, "\n")
}
