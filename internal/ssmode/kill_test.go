package ssmode

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// refuseDestroyer is the destroyer of runFake: it refuses to open, so
// that no test reaches the kernel with fake sockets.
func refuseDestroyer() (sockets.Destroyer, error) {
	return nil, errors.New("tests do not close sockets")
}

// scriptedDestroyer answers Destroy by local port: a port in answers
// gets its error, any other is closed; it records the ports asked.
type scriptedDestroyer struct {
	answers map[uint16]error
	asked   *[]uint16
}

func (d scriptedDestroyer) Destroy(_ context.Context, s *sockets.Socket) error {
	*d.asked = append(*d.asked, s.Local.Port())
	return d.answers[s.Local.Port()]
}

func (d scriptedDestroyer) Close() error { return nil }

func runKill(t *testing.T, answers map[uint16]error, args ...string) (stdout, stderr string, code int, asked []uint16) {
	t.Helper()
	var out, errOut bytes.Buffer
	src := &fakeSource{socks: population()}
	env := &Env{Stdout: &out, Stderr: &errOut, Screen: -1,
		Source:       func(sockets.SourceOptions) (sockets.Source, error) { return src, nil },
		NewDestroyer: func() (sockets.Destroyer, error) { return scriptedDestroyer{answers, &asked}, nil },
	}
	code = Run(context.Background(), env, args)
	return out.String(), errOut.String(), code, asked
}

func TestKill(t *testing.T) {
	gone := &sockets.DestroyError{Op: "SOCK_DESTROY", Reason: sockets.DestroyGone, Err: syscall.ENOENT}
	// What was closed is listed, what is gone is left out silently.
	out, errOut, code, asked := runKill(t, map[uint16]error{80: gone}, "-tanK")
	if code != 0 || errOut != "" || len(asked) != 3 {
		t.Errorf("-tanK: exit %d, %q, asked %v", code, errOut, asked)
	}
	if !strings.Contains(out, "[::]:22") || !strings.Contains(out, "10.0.0.1:22") || strings.Contains(out, ":80 ") {
		t.Errorf("-tanK listed\n%s", out)
	}

	// Any other refusal: perror's line, once, and that protocol's
	// other sockets are neither closed nor listed; exit 0 as ss.
	perm := &sockets.DestroyError{Op: "SOCK_DESTROY", Reason: sockets.DestroyPermission, Err: syscall.EPERM}
	out, errOut, code, asked = runKill(t, map[uint16]error{22: perm}, "-tuanK")
	if code != 0 || errOut != "SOCK_DESTROY answers: Operation not permitted\n" {
		t.Errorf("-tuanK without permission: exit %d, %q", code, errOut)
	}
	if strings.Contains(out, "tcp ") || !strings.Contains(out, "udp ") || len(asked) != 2 {
		t.Errorf("-tuanK without permission: asked %v, listed\n%s", asked, out)
	}

	// Unix sockets are listed as they are: ss never closes them.
	out, _, _, asked = runKill(t, nil, "-xaK")
	if len(asked) != 0 || !strings.Contains(out, "/run/x.sock") {
		t.Errorf("-xaK: asked %v, listed\n%s", asked, out)
	}

	// A destroyer that cannot be opened: every socket is left out, as ss
	// whose SOCK_DESTROY socket cannot be opened lists nothing.
	out, errOut, code = runFake(t, &fakeSource{socks: population()}, "-tanKH")
	if code != 0 || out != "" || !strings.Contains(errOut, "SOCK_DESTROY answers: Tests do not close sockets") {
		t.Errorf("no destroyer: exit %d, %q\n%s", code, errOut, out)
	}
}
