package filter

import "testing"

const servicesFile = `# comment
tcpmux		1/tcp				# TCP port service multiplexer
http		80/tcp		www		# WorldWideWeb HTTP
https		443/tcp
https		443/udp
bootps		67/udp
odd		99999/tcp
bad		x/tcp
short
mine		7777/sctp
`

func TestServicesLookup(t *testing.T) {
	look := ServicesLookup([]byte(servicesFile))
	for name, want := range map[string]int{"http": 80, "www": 80, "https": 443, "bootps": 67, "tcpmux": 1,
		"ssh": 22, // from the built-in table
		"odd": -1, "bad": -1, "mine": -1, "short": -1, "nosuch": -1} {
		p, ok := look(name)
		if want < 0 {
			if ok {
				t.Errorf("%s: %d, want none", name, p)
			}
			continue
		}
		if !ok || int(p) != want {
			t.Errorf("%s: %d %v, want %d", name, p, ok, want)
		}
	}
	e, err := Parse("dport = :www", &Options{Service: look})
	if err != nil || e.String() != "dport = :80" {
		t.Errorf("dport = :www: %v %v", e, err)
	}
}

func FuzzServicesLookup(f *testing.F) {
	f.Add([]byte(servicesFile), "http")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		ServicesLookup(data)(name)
	})
}
