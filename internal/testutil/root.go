package testutil

import (
	"os"
	"testing"
)

// RequireRoot skips the test unless it runs with effective uid 0. On
// systems without uids (Windows) it always skips.
func RequireRoot(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("needs root: creates network namespaces; run as root or with sudo")
	}
}
