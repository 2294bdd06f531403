package testutil

import (
	"bufio"
	"io"
	"os/exec"
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
