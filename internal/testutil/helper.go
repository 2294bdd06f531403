package testutil

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// StartHelper starts cmd (a helper process, often the test binary run
// for one test of its own) with a pipe to its stdin, and returns that
// pipe and the first line the helper writes on stdout (its "ready",
// or what it made), without the newline. It fails the test where the
// helper cannot start or ends without a line. Ending the helper is the
// caller's: closing stdin, or killing it.
func StartHelper(tb testing.TB, cmd *exec.Cmd) (stdin io.WriteCloser, line string) {
	tb.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	line, err = bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		tb.Fatalf("the helper %s said nothing: %v", cmd.Path, err)
	}
	return stdin, line[:len(line)-1]
}

// CopyExecutable copies the executable src as name into a directory of
// its own that every user may enter, and returns its path: a program
// under a name and path of its own (which a test then looks for), that
// another user may run too. The directory goes when the test ends.
func CopyExecutable(tb testing.TB, src, name string) string {
	tb.Helper()
	path := filepath.Join(SharedTempDir(tb), name)
	if err := copyExecutable(src, path); err != nil {
		tb.Fatal(err)
	}
	return path
}

// SharedTempDir returns a new temporary directory every user may enter
// (tb.TempDir is root's alone when root runs the tests), for programs
// another user runs; it goes when the test ends.
func SharedTempDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "sockscope-shared-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// copyExecutable copies the file src to a new file path, executable by
// all.
func copyExecutable(src, path string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
