package cli

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// dpkgInfoDir holds dpkg's lists of the files each package installed;
// tests replace it.
var dpkgInfoDir = "/var/lib/dpkg/info"

// dpkgOwner returns a function telling whether a package installed a
// file, reading dpkg's lists once, when first asked; it knows nothing
// (false, false) where there is no dpkg database. A file is found under
// either spelling of a merged /usr (/bin/x and /usr/bin/x are one file).
func dpkgOwner() func(string) (owned, known bool) {
	if _, err := os.Stat(dpkgInfoDir); err != nil {
		return nil
	}
	load := sync.OnceValue(func() map[string]bool {
		files := make(map[string]bool)
		lists, _ := filepath.Glob(filepath.Join(dpkgInfoDir, "*.list"))
		for _, l := range lists {
			fh, err := os.Open(l)
			if err != nil {
				continue
			}
			sc := bufio.NewScanner(fh)
			for sc.Scan() {
				files[sc.Text()] = true
			}
			fh.Close()
		}
		return files
	})
	return func(exe string) (bool, bool) {
		files := load()
		if len(files) == 0 {
			return false, false
		}
		for _, p := range usrMerged(exe) {
			if files[p] {
				return true, true
			}
		}
		return false, true
	}
}

// usrMerged returns path and its other spelling where /usr is merged
// (/bin, /sbin, /lib* are links into /usr).
func usrMerged(path string) []string {
	for _, d := range []string{"/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"} {
		if rest, ok := strings.CutPrefix(path, "/usr"+d); ok {
			return []string{path, d + rest}
		}
		if rest, ok := strings.CutPrefix(path, d); ok {
			return []string{path, "/usr" + d + rest}
		}
	}
	return []string{path}
}
