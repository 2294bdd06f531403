package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tmuxSession is a real terminal: a tmux server of the test's own, with
// one window running a command.
type tmuxSession struct {
	t    *testing.T
	sock string
}

// newTmux starts cmd in a detached tmux window of width x height. It
// skips the test without tmux, unless SOCKSCOPE_TMUX=require.
func newTmux(t *testing.T, width, height int, cmd string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("SOCKSCOPE_TMUX") == "require" {
			t.Fatal("tmux is required (SOCKSCOPE_TMUX=require) but not installed")
		}
		t.Skip("tmux is not installed")
	}
	s := &tmuxSession{t: t, sock: filepath.Join(t.TempDir(), "tmux")}
	s.run("new-session", "-d", "-x", strconv.Itoa(width), "-y", strconv.Itoa(height), cmd)
	t.Cleanup(func() { exec.Command("tmux", "-S", s.sock, "kill-server").Run() })
	return s
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.sock}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// capture returns the screen, with its colours as escape sequences.
func (s *tmuxSession) capture() string { return s.run("capture-pane", "-p", "-e") }

// keys types keys (tmux key names, or literal text with -l).
func (s *tmuxSession) keys(keys ...string) { s.run(append([]string{"send-keys"}, keys...)...) }

// waitFor captures the screen until ok accepts it, and fails the test
// after timeout with the last screen.
func (s *tmuxSession) waitFor(what string, timeout time.Duration, ok func(screen string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		screen := s.capture()
		if ok(screen) {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waited %v for %s; the screen:\n%s", timeout, what, plain(screen))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// line returns the first line of screen that contains text (compared
// without escape sequences), with its escapes, or "".
func line(screen, text string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(plain(l), text) {
			return l
		}
	}
	return ""
}

// plain removes the escape sequences of a captured screen.
func plain(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// colourAt returns the SGR parameters in effect where text starts in a
// captured line: every parameter set since the last reset, in order.
func colourAt(l, text string) []string {
	var params []string
	vis := 0
	target := strings.Index(plain(l), text)
	if target < 0 {
		return nil
	}
	for i := 0; i < len(l); i++ {
		if l[i] == 0x1b && i+1 < len(l) && l[i+1] == '[' {
			j := i + 2
			for j < len(l) && (l[j] < 0x40 || l[j] > 0x7e) {
				j++
			}
			if j < len(l) && l[j] == 'm' {
				for _, p := range strings.Split(l[i+2:j], ";") {
					if p == "" || p == "0" {
						params = nil
						continue
					}
					params = append(params, p)
				}
			}
			i = j
			continue
		}
		if vis == target {
			return params
		}
		vis++
	}
	return params
}

// hasColour reports whether the parameters include one of codes, as a
// foreground or background colour of the basic, bright or 256 palette.
func hasColour(params []string, basic int) bool {
	for i, p := range params {
		switch p {
		case strconv.Itoa(30 + basic), strconv.Itoa(40 + basic), strconv.Itoa(90 + basic), strconv.Itoa(100 + basic):
			return true
		case "38", "48":
			if i+2 < len(params) && params[i+1] == "5" && (params[i+2] == strconv.Itoa(basic) || params[i+2] == strconv.Itoa(basic+8)) {
				return true
			}
		}
	}
	return false
}

const (
	colourRed    = 1
	colourGreen  = 2
	colourYellow = 3
)
