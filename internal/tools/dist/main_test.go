package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

var testDate = time.Date(2026, time.March, 4, 5, 6, 7, 0, time.UTC)

// readTree returns every file under dir by its path relative to dir.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[rel] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// The packages are reproducible only if two generations give the same
// bytes: no clock, no map order, no state left in the tree.
func TestGenerateDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := Generate(a, testDate); err != nil {
		t.Fatal(err)
	}
	if err := Generate(b, testDate); err != nil {
		t.Fatal(err)
	}
	fa, fb := readTree(t, a), readTree(t, b)
	if len(fa) != len(fb) {
		t.Fatalf("%d files, then %d", len(fa), len(fb))
	}
	for name, content := range fa {
		if !bytes.Equal(content, fb[name]) {
			t.Errorf("%s differs between two generations", name)
		}
	}
}

// Every command a user can type has its page (man sockscope-list), whatever
// the tree holds, and each page is dated from the date given.
func TestManPagePerCommand(t *testing.T) {
	dir := t.TempDir()
	if err := Generate(dir, testDate); err != nil {
		t.Fatal(err)
	}
	files := readTree(t, dir)
	var want []string
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if !c.IsAvailableCommand() && c.HasParent() {
			return
		}
		want = append(want, strings.ReplaceAll(c.CommandPath(), " ", "-"))
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewTree())
	for _, must := range []string{"sockscope", "sockscope-list"} {
		if !strings.Contains(" "+strings.Join(want, " ")+" ", " "+must+" ") {
			t.Errorf("the tree has no command for page %s", must)
		}
	}
	pages := 0
	for name := range files {
		if strings.HasPrefix(name, filepath.Join("man", "man1")+string(filepath.Separator)) {
			pages++
		}
	}
	if pages != len(want) {
		t.Errorf("%d pages for %d commands (%v)", pages, len(want), want)
	}
	for _, name := range want {
		page, ok := files[filepath.Join("man", "man1", name+".1")]
		if !ok {
			t.Errorf("no page %s.1", name)
			continue
		}
		th := `.TH "` + strings.ToUpper(name) + `" "1" "Mar 2026" "sockscope" "User Commands"`
		if !bytes.Contains(page, []byte(th+"\n")) {
			t.Errorf("%s.1 has no header %s:\n%.300s", name, th, page)
		}
		for i, c := range page {
			if c < 0x20 && c != '\n' && c != '\t' {
				t.Errorf("%s.1: control byte %#x at offset %d", name, c, i)
				break
			}
		}
		if bytes.Contains(page, []byte("Auto generated")) {
			t.Errorf("%s.1 credits the generator", name)
		}
		if bytes.Contains(page, []byte("[=")) {
			t.Errorf("%s.1 shows a flag as --name[=default]", name)
		}
	}
	// Each flag a user can give is a tagged paragraph of its page.
	list := files[filepath.Join("man", "man1", "sockscope-list.1")]
	cmd, _, err := NewTree().Find([]string{"list"})
	if err != nil {
		t.Fatal(err)
	}
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.Hidden {
			return
		}
		if !bytes.Contains(list, []byte(".TP\n"+tag(fl))) {
			t.Errorf("sockscope-list.1 has no paragraph for --%s (%s)", fl.Name, tag(fl))
		}
	})
}

// tag is how a flag's paragraph starts: its names, escaped for roff.
func tag(fl *pflag.Flag) string {
	s := `\fB\-\-` + strings.ReplaceAll(fl.Name, "-", `\-`) + `\fR`
	if fl.Shorthand != "" {
		s = `\fB\-` + fl.Shorthand + `\fR, ` + s
	}
	return s
}

// groff, where installed, reads every page without a warning.
func TestManPagesFormat(t *testing.T) {
	if _, err := exec.LookPath("groff"); err != nil {
		t.Skip("groff is not installed: the pages' roff is not checked")
	}
	dir := t.TempDir()
	if err := Generate(dir, testDate); err != nil {
		t.Fatal(err)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "man", "man1", "*.1"))
	for _, p := range pages {
		out, err := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z", p).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("groff %s: %v\n%s", filepath.Base(p), err, out)
		}
	}
}

func TestRoffLine(t *testing.T) {
	for in, want := range map[string]string{
		"only `PROTO` (tcp)": `only \fIPROTO\fR (tcp)`,
		"net-tools -o":       `net\-tools \-o`,
		`C:\x`:               `C:\ex`,
		".hidden\n'quoted":   "\\&.hidden\n\\&'quoted",
		"one ` quote":        "one ` quote",
	} {
		if got := roffLine(in); got != want {
			t.Errorf("roffLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCompletionScripts(t *testing.T) {
	dir := t.TempDir()
	if err := Generate(dir, testDate); err != nil {
		t.Fatal(err)
	}
	for file, marker := range map[string]string{
		"sockscope.bash": "__start_sockscope",
		"_sockscope":     "#compdef sockscope",
		"sockscope.fish": "complete -c sockscope",
	} {
		b, err := os.ReadFile(filepath.Join(dir, "completion", file))
		if err != nil {
			t.Error(err)
			continue
		}
		if !bytes.Contains(b, []byte(marker)) {
			t.Errorf("%s lacks %q", file, marker)
		}
	}
}

func TestPageDate(t *testing.T) {
	for _, tc := range []struct {
		flag, epoch, vcs string
		want             time.Time
		err              bool
	}{
		{flag: "2026-03-04", epoch: "1", vcs: "2000-01-01T00:00:00Z", want: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)},
		{epoch: "1772600767", vcs: "2000-01-01T00:00:00Z", want: time.Unix(1772600767, 0).UTC()},
		{vcs: "2026-12-06T21:32:00Z", want: time.Date(2026, 12, 6, 21, 32, 0, 0, time.UTC)},
		{err: true},
		{flag: "March", err: true},
		{epoch: "yesterday", err: true},
		{vcs: "2026-12-06", err: true},
	} {
		got, err := pageDate(tc.flag, tc.epoch, tc.vcs)
		if (err != nil) != tc.err || !got.Equal(tc.want) {
			t.Errorf("pageDate(%q, %q, %q) = %v, %v; want %v (error %v)", tc.flag, tc.epoch, tc.vcs, got, err, tc.want, tc.err)
		}
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"-o", dir, "-date", "2026-03-04"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "man", "man1", "sockscope.1")); err != nil {
		t.Error(err)
	}
	if err := run([]string{"-o", dir, "extra"}, io.Discard); err == nil {
		t.Error("an extra argument is accepted")
	}
	if err := run([]string{"-bogus"}, io.Discard); err == nil {
		t.Error("an unknown flag is accepted")
	}
}

// sockscope(1) tells what the tree cannot: the netstat name's PATH entry,
// the environment and the exit status; the other pages do not repeat it.
func TestRootSections(t *testing.T) {
	dir := t.TempDir()
	if err := Generate(dir, testDate); err != nil {
		t.Fatal(err)
	}
	files := readTree(t, dir)
	root := string(files[filepath.Join("man", "man1", "sockscope.1")])
	for _, want := range []string{".SH THE NETSTAT NAME\n", "/usr/lib/sockscope/bin", ".SH ENVIRONMENT\n", ".SH EXIT STATUS\n", `\fBnetstat\fR(8), \fBss\fR(8)` + "\n"} {
		if !strings.Contains(root, want) {
			t.Errorf("sockscope.1 lacks %q", want)
		}
	}
	if i, j := strings.Index(root, ".SH EXIT STATUS"), strings.Index(root, ".SH SEE ALSO"); i > j {
		t.Error("SEE ALSO is not the last section of sockscope.1")
	}
	if list := string(files[filepath.Join("man", "man1", "sockscope-list.1")]); strings.Contains(list, "EXIT STATUS") {
		t.Error("sockscope-list.1 repeats the root's sections")
	}
	// Without SEE ALSO, the sections go at the end.
	if got := string(addRootSections([]byte(".TH X\n"))); !strings.HasPrefix(got, ".TH X\n.SH THE NETSTAT NAME") || !strings.HasSuffix(got, `\fBss\fR(8)`+"\n") {
		t.Errorf("addRootSections without SEE ALSO:\n%s", got)
	}
}
