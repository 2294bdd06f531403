package cli

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionOf(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"},
		{Key: "vcs.time", Value: "2026-12-06T21:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	plat := runtime.GOOS + "/" + runtime.GOARCH
	tests := []struct {
		v    string
		bi   *debug.BuildInfo
		want string
	}{
		{"", bi, "v1.2.3 (revision 0123456789ab+modified, 2026-12-06T21:00:00Z, go1.26.8 " + plat + ")"},
		{"v9.9.9", bi, "v9.9.9 (revision 0123456789ab+modified, 2026-12-06T21:00:00Z, go1.26.8 " + plat + ")"},
		{"", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, "devel (go1.26.8 " + plat + ")"},
		{"", nil, "devel (" + runtime.Version() + " " + plat + ")"},
	}
	for _, tt := range tests {
		if got := versionOf(tt.v, tt.bi); got != tt.want {
			t.Errorf("versionOf(%q) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestVersionFlag(t *testing.T) {
	out, _, err := execRoot(t, false, "--version")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "sockscope ") || !strings.Contains(out, runtime.GOOS+"/"+runtime.GOARCH) || strings.Count(out, "\n") != 1 {
		t.Errorf("--version printed %q", out)
	}
}
