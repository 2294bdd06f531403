package names

import (
	"os"
	"path/filepath"
)

// DefaultServicesPath returns the system's services file,
// %SystemRoot%\System32\drivers\etc\services (C:\Windows when SystemRoot is
// unset). Windows ships one in the services(5) format.
func DefaultServicesPath() string {
	root := os.Getenv("SystemRoot")
	if root == "" {
		root = `C:\Windows`
	}
	return filepath.Join(root, "System32", "drivers", "etc", "services")
}
