package explain

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/sockscope/sockscope/internal/procfs"
)

// Settings are the kernel settings that govern state durations, keyed by
// their short name (tcp_fin_timeout, somaxconn, ...), as ReadSettings
// reads them; missing ones are absent.
type Settings map[string]string

// settingPaths maps each setting's short name to its path under /proc/sys.
var settingPaths = map[string]string{
	"tcp_fin_timeout":     "net/ipv4/tcp_fin_timeout",
	"tcp_syn_retries":     "net/ipv4/tcp_syn_retries",
	"tcp_synack_retries":  "net/ipv4/tcp_synack_retries",
	"tcp_orphan_retries":  "net/ipv4/tcp_orphan_retries",
	"tcp_max_tw_buckets":  "net/ipv4/tcp_max_tw_buckets",
	"tcp_tw_reuse":        "net/ipv4/tcp_tw_reuse",
	"tcp_max_syn_backlog": "net/ipv4/tcp_max_syn_backlog",
	"somaxconn":           "net/core/somaxconn",
}

// ReadSettings reads the settings from procSys ("" means the default
// proc file system's, procfs.FS.Sys).
func ReadSettings(procSys string) Settings {
	if procSys == "" {
		procSys = procfs.Default().Sys()
	}
	s := Settings{}
	for name, rel := range settingPaths {
		b, err := os.ReadFile(filepath.Join(procSys, rel))
		if err != nil {
			continue
		}
		s[name] = strings.TrimSpace(string(b))
	}
	return s
}

// sysctlName returns the sysctl name of a setting (net.ipv4.tcp_fin_timeout).
func sysctlName(name string) string {
	if rel, ok := settingPaths[name]; ok {
		return strings.ReplaceAll(rel, "/", ".")
	}
	return name
}
