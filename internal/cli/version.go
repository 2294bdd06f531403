package cli

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// version is the release version, set at link time by a release build
// (-ldflags "-X github.com/sockscope/sockscope/internal/cli.version=v1.2.3");
// empty, the module version from the build information is used.
var version string

// versionString is what --version prints after the program's name: the
// version, the VCS revision the binary was built from (marked when the
// tree had changes), and the Go version and platform.
func versionString() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return versionOf(version, nil)
	}
	return versionOf(version, bi)
}

// versionOf formats versionString from a link-time version v (may be
// empty) and the build information bi (may be nil).
func versionOf(v string, bi *debug.BuildInfo) string {
	var rev, when string
	modified := false
	goVersion := runtime.Version()
	if bi != nil {
		if v == "" {
			v = bi.Main.Version
		}
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var b strings.Builder
	b.WriteString(v)
	b.WriteString(" (")
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		b.WriteString("revision " + rev)
		if modified {
			b.WriteString("+modified")
		}
		if when != "" {
			b.WriteString(", " + when)
		}
		b.WriteString(", ")
	}
	b.WriteString(goVersion + " " + runtime.GOOS + "/" + runtime.GOARCH + ")")
	return b.String()
}
