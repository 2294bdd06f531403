package collect

import (
	"runtime/debug"
	"testing"
)

// gcPercent returns the current GOGC.
func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// TestPauseGC: overlapping pauses keep the collector off until the last
// one ends, then restore GOGC.
func TestPauseGC(t *testing.T) {
	old := debug.SetGCPercent(150)
	defer debug.SetGCPercent(old)
	r1 := PauseGC()
	r2 := PauseGC()
	if p := gcPercent(); p != -1 {
		t.Fatalf("GOGC = %d during two pauses, want -1", p)
	}
	r1()
	if p := gcPercent(); p != -1 {
		t.Fatalf("GOGC = %d during one pause, want -1", p)
	}
	r2()
	if p := gcPercent(); p != 150 {
		t.Fatalf("GOGC = %d after the pauses, want 150", p)
	}
}
