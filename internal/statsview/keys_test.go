package statsview

import (
	"testing"

	"github.com/sockscope/sockscope/internal/i18n"
)

// TestKeysInCatalog fails when a label key of the tables is not in the
// i18n catalog, which would print the key itself.
func TestKeysInCatalog(t *testing.T) {
	var keys []string
	for _, ls := range [][]winLine{ipLines, tcpLines, udpLines} {
		for _, l := range ls {
			keys = append(keys, l.key)
		}
	}
	for _, rs := range [][]winRow{icmp4Rows, icmp6Rows} {
		for _, r := range rs {
			keys = append(keys, r.key)
		}
	}
	for _, k := range winTitles {
		keys = append(keys, k)
	}
	for _, r := range ratios {
		keys = append(keys, r.key)
	}
	for _, k := range keys {
		if !i18n.Has(k) {
			t.Errorf("key %q not in the i18n catalog", k)
		}
	}
}
