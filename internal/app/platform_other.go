//go:build !windows

package app

import "os"

// privileged reports whether sockscope runs as root.
func privileged() bool { return os.Geteuid() == 0 }

// systemLang is the language when no locale variable is set: the C
// locale's, English.
func systemLang() string { return "" }
