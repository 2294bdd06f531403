package testutil

import (
	"os"
	"testing"
)

// NetToolsPath is where Debian's net-tools installs netstat, the oracle of
// sockscope's net-tools layouts.
const NetToolsPath = "/usr/bin/netstat"

// NetToolsNetstat returns the path of net-tools' netstat. It skips the test
// when netstat is not there (or is a symlink, as sockscope's own netstat
// name may be), unless SOCKSCOPE_NETTOOLS=require (as in CI), which makes
// that a failure.
func NetToolsNetstat(tb testing.TB) string {
	tb.Helper()
	if fi, err := os.Lstat(NetToolsPath); err == nil && fi.Mode().IsRegular() {
		return NetToolsPath
	}
	if os.Getenv("SOCKSCOPE_NETTOOLS") == "require" {
		tb.Fatalf("net-tools' netstat is not at %s and SOCKSCOPE_NETTOOLS=require (install the Debian package net-tools)", NetToolsPath)
	}
	tb.Skipf("needs net-tools' netstat at %s (Debian package net-tools) to compare with; SOCKSCOPE_NETTOOLS=require makes this a failure", NetToolsPath)
	return ""
}
