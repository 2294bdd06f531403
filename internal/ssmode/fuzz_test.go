package ssmode

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse: any command line is read or refused with a usage error,
// never a panic, and what is read is within ss's sets.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"-tanp", "-tulpn state established", "-A tcp,!udp -a", "--fam=inet6 -H", "-F - -O", "-- -x", "-f", "--q=unix_dgram", "-Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, " ")
		o, err := Parse(args)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Parse(%q): %v is not a usage error", args, err)
			}
			return
		}
		if o.Tables&^allTables != 0 || o.States&^ssAll != 0 {
			t.Fatalf("Parse(%q): tables %#x states %#x out of range", args, o.Tables, o.States)
		}
	})
}
