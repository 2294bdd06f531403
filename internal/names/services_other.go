//go:build !windows

package names

// DefaultServicesPath returns the system's services(5) file,
// /etc/services.
func DefaultServicesPath() string { return "/etc/services" }
