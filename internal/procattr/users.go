package procattr

import (
	"bytes"
	"os"
	"strconv"
	"sync"
)

// defaultPasswd is the user database read to name uids.
const defaultPasswd = "/etc/passwd"

// userDB names uids from a passwd file, read once on first use and then
// shared read-only by every worker. Only the file is consulted (no NSS,
// LDAP or systemd-userdb), as the binary is pure Go and static.
type userDB struct {
	path  string
	once  sync.Once
	names map[uint32]string
}

// name returns the user name of uid, or the uid in decimal when the file
// cannot be read or has no entry for it.
func (db *userDB) name(uid uint32) string {
	db.once.Do(func() {
		b, err := os.ReadFile(db.path)
		if err == nil {
			db.names = parsePasswd(b)
		}
	})
	if n, ok := db.names[uid]; ok {
		return n
	}
	return strconv.FormatUint(uint64(uid), 10)
}

// parsePasswd maps uid → user name from passwd(5) text
// ("name:password:UID:GID:gecos:home:shell"). Comments, blank, NIS ("+…",
// "-…") and malformed lines are skipped; the first entry for a uid wins,
// as getpwuid would return it.
func parsePasswd(b []byte) map[uint32]string {
	m := make(map[uint32]string, bytes.Count(b, []byte{'\n'})+1)
	for line := range lines(b) {
		if line[0] == '#' || line[0] == '+' || line[0] == '-' {
			continue
		}
		name, rest, ok := bytes.Cut(line, []byte{':'})
		if !ok || len(name) == 0 {
			continue
		}
		_, rest, ok = bytes.Cut(rest, []byte{':'}) // password
		if !ok {
			continue
		}
		uidField, _, ok := bytes.Cut(rest, []byte{':'})
		if !ok {
			continue
		}
		uid, ok := parseUint32(uidField)
		if !ok {
			continue
		}
		if _, dup := m[uid]; !dup {
			m[uid] = string(name)
		}
	}
	return m
}
