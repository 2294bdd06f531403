package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/netns"
)

// TestNamespaceNotes: namespaces that could not be read make one line
// that names them, with the advice to run as root when not root; other
// errors stay as they are.
func TestNamespaceNotes(t *testing.T) {
	eperm := errors.New("setns: operation not permitted")
	var errs []error
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		errs = append(errs, &netns.Error{NS: netns.NetNS{Name: n, Inode: 1}, Err: eperm})
	}
	other := errors.New("inet_diag dump raw: no such file")
	hidden := &netns.HiddenError{PIDs: []int32{1, 2}, Err: errors.New("permission denied")}
	lines := (&Factory{}).namespaceNotes(append([]error{other, hidden}, errs...), "en")
	if len(lines) != 3 || lines[0] != other.Error() || !strings.HasSuffix(lines[1], "to see them)") ||
		!strings.HasPrefix(lines[2], "7 network namespaces could not be read (a, b, c, d, e, …): setns: operation not permitted") ||
		!strings.Contains(lines[2], "sudo") {
		t.Errorf("unprivileged:\n%s", strings.Join(lines, "\n"))
	}
	lines = (&Factory{Privileged: true}).namespaceNotes(errs[:1], "en")
	if len(lines) != 1 || lines[0] != errs[0].Error() {
		t.Errorf("root, one namespace: %q", lines)
	}
}
