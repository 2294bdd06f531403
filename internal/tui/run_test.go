package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/sockets"
)

// runView runs Run on a simulation screen; polled receives each Poll's
// number, and Run's result comes on the returned channel.
func runView(t *testing.T, ctx context.Context, opts Options, polled chan<- int) (tcell.SimulationScreen, <-chan error) {
	t.Helper()
	scr := tcell.NewSimulationScreen("UTF-8")
	src := &scriptSource{socks: base()}
	p := collect.NewPoller(&collect.Collector{Source: src}, collect.Query{Kernel: sockets.All})
	n := 0
	if opts.Poll == nil {
		opts.Poll = func(ctx context.Context, _ bool) (collect.Snapshot, []collect.Change, error) {
			n++
			defer func() { polled <- n }()
			return p.Poll(ctx)
		}
	}
	opts.Screen = scr
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opts) }()
	return scr, done
}

// wait returns what ch delivers, failing after a long time (a hang).
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func TestRunQuitKeys(t *testing.T) {
	for _, k := range []struct {
		name string
		key  tcell.Key
		r    rune
	}{{"q", tcell.KeyRune, 'q'}, {"Ctrl-C", tcell.KeyCtrlC, 0}} {
		t.Run(k.name, func(t *testing.T) {
			polled := make(chan int, 100)
			scr, done := runView(t, context.Background(), Options{Interval: time.Hour}, polled)
			wait(t, polled, "the first poll")
			scr.InjectKey(k.key, k.r, tcell.ModNone)
			if err := wait(t, done, "Run to return"); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
}

func TestRunContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	polled := make(chan int, 100)
	_, done := runView(t, ctx, Options{Interval: time.Hour}, polled)
	wait(t, polled, "the first poll")
	cancel()
	if err := wait(t, done, "Run to return"); err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestRunIntervalKeyPolls(t *testing.T) {
	// An interval of an hour: a second poll comes only from the key that
	// shortens it (the loop is woken), never from the timer.
	polled := make(chan int, 100)
	scr, done := runView(t, context.Background(), Options{Interval: time.Hour}, polled)
	wait(t, polled, "the first poll")
	scr.InjectKey(tcell.KeyRune, '-', tcell.ModNone)
	if n := wait(t, polled, "the poll after -"); n != 2 {
		t.Errorf("poll %d after -", n)
	}
	scr.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	wait(t, done, "Run to return")
}

func TestRunFirstPollFails(t *testing.T) {
	bad := errors.New("sock_diag: operation not permitted")
	opts := Options{Poll: func(context.Context, bool) (collect.Snapshot, []collect.Change, error) {
		return collect.Snapshot{}, nil, bad
	}}
	_, done := runView(t, context.Background(), opts, nil)
	if err := wait(t, done, "Run to return"); !errors.Is(err, bad) {
		t.Errorf("Run = %v, want the first Poll's error", err)
	}
}

func TestRunNoPoll(t *testing.T) {
	if err := Run(context.Background(), Options{}); !errors.Is(err, ErrNoPoll) {
		t.Errorf("Run without Poll = %v", err)
	}
}

func TestRunPollPanics(t *testing.T) {
	// A panic in the caller's Poll stops the view (restoring the
	// terminal) and comes out of Run, not out of a goroutine of its own.
	opts := Options{Poll: func(context.Context, bool) (collect.Snapshot, []collect.Change, error) {
		panic("poll exploded")
	}}
	got := make(chan any, 1)
	go func() {
		defer func() { got <- recover() }()
		_ = Run(context.Background(), Options{Poll: opts.Poll, Screen: tcell.NewSimulationScreen("UTF-8")})
	}()
	p := wait(t, got, "Run to panic")
	if s, ok := p.(string); !ok || !strings.Contains(s, "poll exploded") {
		t.Errorf("Run panicked with %v", p)
	}
}
