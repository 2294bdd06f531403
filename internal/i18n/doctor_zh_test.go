package i18n

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// isDoctorKey reports whether key belongs to the doctor command's part of
// the catalogs.
func isDoctorKey(key string) bool {
	if strings.HasPrefix(key, "doctor.") || strings.HasPrefix(key, "cli.doctor") ||
		strings.HasPrefix(key, "cli.err.doctor.") {
		return true
	}
	switch key {
	case "cli.view.doctor", "cli.flag.window", "cli.flag.nagios", "cli.flag.format.doctor":
		return true
	}
	return false
}

var (
	// placeholderRE finds the backquoted argument names of flag help, which
	// the help output shows as they are in every language.
	placeholderRE = regexp.MustCompile("`[^`]*`")
	// keptRE finds what a translation must keep untranslated: sysctls,
	// state and constant names, kernel counter names and sockscope
	// command lines.
	keptRE = regexp.MustCompile(`net\.[a-z0-9_.]*[a-z0-9_]|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\bTCP[A-Z][A-Za-z]+\b|\b[A-Z][a-z]+[A-Z][A-Za-z]*\b|\bE[A-Z]{4,}\b|sockscope [a-z]+( -[a-z]+)?`)
)

// TestDoctorZh fails when a doctor message of the English catalog has no
// Chinese one, or one whose fmt verbs differ in kind or order (they are
// not indexed, so their order is the arguments' order), whose
// backquoted flag argument names differ, or which translated a name that
// is the same in every language.
func TestDoctorZh(t *testing.T) {
	n := 0
	for k, e := range en {
		if !isDoctorKey(k) {
			continue
		}
		n++
		z, ok := zh[k]
		if !ok {
			t.Errorf("key %q: no zh message", k)
			continue
		}
		if ev, zv := verbRE.FindAllString(e, -1), verbRE.FindAllString(z, -1); !slices.Equal(ev, zv) {
			t.Errorf("key %q: verbs %q in en, %q in zh (same order wanted)", k, ev, zv)
		}
		if ep, zp := placeholderRE.FindAllString(e, -1), placeholderRE.FindAllString(z, -1); !slices.Equal(ep, zp) {
			t.Errorf("key %q: argument names %q in en, %q in zh", k, ep, zp)
		}
		for _, w := range keptRE.FindAllString(e, -1) {
			if !strings.Contains(z, w) {
				t.Errorf("key %q: zh lacks %q, which stays untranslated", k, w)
			}
		}
	}
	for k := range zh {
		if isDoctorKey(k) {
			if _, ok := en[k]; !ok {
				t.Errorf("key %q: in zh but not in en", k)
			}
		}
	}
	if n == 0 {
		t.Fatal("no doctor messages in the English catalog")
	}
}
