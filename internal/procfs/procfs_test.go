package procfs

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPaths(t *testing.T) {
	root := t.TempDir()
	fs := FS{Root: root}
	if got := fs.Net(); got != filepath.Join(root, "net") {
		t.Errorf("Net() without thread-self = %q", got)
	}
	if err := os.MkdirAll(filepath.Join(root, "thread-self", "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := fs.Net(); got != filepath.Join(root, "thread-self", "net") {
		t.Errorf("Net() = %q, want thread-self/net", got)
	}
	if got := fs.Sys(); got != filepath.Join(root, "sys") {
		t.Errorf("Sys() = %q", got)
	}
	if got := (FS{}).Path("1", "fd"); got != "/proc/1/fd" {
		t.Errorf("default Path = %q", got)
	}
}
