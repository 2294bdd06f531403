package sockets

import (
	"errors"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

func TestParseStateSpellings(t *testing.T) {
	one := func(s State) StateSet { return StateSet(0).With(s) }
	tests := map[string]StateSet{
		"time-wait": one(TimeWait), "TIME_WAIT": one(TimeWait), "timewait": one(TimeWait), "Time Wait": one(TimeWait),
		"SYN_RECEIVED": one(SynRecv), "syn-recv": one(SynRecv), "SYNC_RECEIVED": one(SynRecv),
		"SYNC_SEND": one(SynSent), "syn_sent": one(SynSent),
		"LISTENING": one(Listen), "listen": one(Listen),
		"ESTAB": one(Established), "established": one(Established),
		"FIN_WAIT_1": one(FinWait1), "fin-wait-2": one(FinWait2), "FIN_WAIT2": one(FinWait2),
		"CLOSE_WAIT": one(CloseWait), "close-wait": one(CloseWait), "LAST_ACK": one(LastAck),
		"CLOSING": one(Closing), "CLOSED": one(Close), "UNCONN": one(Close),
		"all": AllStates,
	}
	for in, want := range tests {
		got, err := ParseState(in)
		if err != nil || got != want {
			t.Errorf("ParseState(%q) = %b, %v; want %b", in, got, err, want)
		}
	}
}

func TestParseStateUnknown(t *testing.T) {
	for in, hint := range map[string]string{"establised": "ESTABLISHED", "TIME_WAT": "TIME_WAIT", "listn": "LISTEN", "xyzzy": ""} {
		_, err := ParseState(in)
		if !errors.Is(err, errs.ErrInvalid) {
			t.Fatalf("ParseState(%q) error %v does not wrap errs.ErrInvalid", in, err)
		}
		if hint != "" && !strings.Contains(err.Error(), hint) {
			t.Errorf("ParseState(%q) = %v, want a hint %s", in, err, hint)
		}
		if hint == "" && strings.Contains(err.Error(), "did you mean") {
			t.Errorf("ParseState(%q) = %v, want no hint", in, err)
		}
	}
	if _, err := ParseState(""); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("empty: %v", err)
	}
}

func TestStateNames(t *testing.T) {
	for s := Established; s < maxState; s++ {
		if !s.Valid() || strings.HasPrefix(s.String(), "STATE(") {
			t.Errorf("state %d has no name", s)
		}
		set, err := ParseState(s.String())
		if err != nil || !set.Has(s) {
			t.Errorf("ParseState(%s) = %b, %v", s, set, err)
		}
	}
	if State(0).Valid() || State(99).String() != "STATE(99)" {
		t.Error("invalid states")
	}
	udp := Socket{Proto: UDP, State: Close}
	if udp.StateName() != "UNCONN" {
		t.Errorf("udp close = %s", udp.StateName())
	}
	tcp := Socket{Proto: TCP, State: Close}
	if tcp.StateName() != "CLOSE" {
		t.Errorf("tcp close = %s", tcp.StateName())
	}
}

func FuzzParseState(f *testing.F) {
	for _, s := range []string{"time-wait", "SYNC_RECEIVED", "", "é", "LISTENING", strings.Repeat("x", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, err := ParseState(s)
		if err == nil && set == 0 {
			t.Errorf("ParseState(%q) = empty set without error", s)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("multi-line error %q", err)
		}
	})
}
