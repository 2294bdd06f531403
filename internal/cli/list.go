package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// AttributeFunc fills the Processes of socks. details asks for exe,
// cmdline, user, parent and cgroup besides PID and name.
type AttributeFunc func(ctx context.Context, socks []sockets.Socket, details bool) (Attribution, error)

// Attribution says what process attribution could not see.
type Attribution struct {
	// Unattributed is the number of sockets that may be held by a process
	// whose file table could not be read.
	Unattributed int
	// Unreadable is the number of such processes.
	Unreadable int
}

// listRun lists sockets once, or every req.Interval until ctx is done.
func listRun(ctx context.Context, f *Factory, req *listRequest) error {
	if ctx == nil {
		ctx = context.Background()
	}
	src, err := f.Source(sockets.SourceOptions{Kind: req.Source, Record: req.Record})
	if err != nil {
		return err
	}
	out := bufio.NewWriterSize(f.IO.Out, 64<<10)
	host, _ := os.Hostname()
	var socks []sockets.Socket
	warned := false
	unreadable := 0
	for {
		meta := render.Meta{Host: host, Time: time.Now()}
		socks, err = src.Snapshot(ctx, req.Filter, socks[:0])
		var partial *sockets.PartialError
		switch {
		case errors.As(err, &partial):
			for _, e := range partial.Errs {
				meta.Warnings = append(meta.Warnings, e.Error())
			}
		case err != nil:
			return err
		}
		socks = filterSockets(socks, req)
		if req.Owners && f.Attribute != nil {
			a, err := f.Attribute(ctx, socks, req.Details)
			if err != nil && !errors.Is(err, sockets.ErrUnsupported) {
				meta.Warnings = append(meta.Warnings, "process attribution: "+err.Error())
			}
			meta.Unattributed = a.Unattributed
			unreadable = a.Unreadable
			socks = filterOwners(socks, req)
		}
		if !warned {
			warn(f, meta, unreadable)
			warned = true
		}
		opts := req.Render
		if !req.Numeric && f.Namer != nil {
			opts.Namer = f.Namer(ctx, socks)
		}
		if err := render.Write(out, socks, meta, opts); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
		if req.Interval == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(req.Interval):
		}
	}
}

// warn prints what could not be seen, once, on stderr.
func warn(f *Factory, meta render.Meta, unreadable int) {
	for _, w := range meta.Warnings {
		fmt.Fprintf(f.IO.ErrOut, "sockscope: warning: %s\n", w)
	}
	if meta.Unattributed == 0 {
		return
	}
	if f.Privileged {
		fmt.Fprintf(f.IO.ErrOut, "sockscope: %s could not be attributed: %s refused to show %s open files even to root\n",
			plural(meta.Unattributed, "socket"), plural(unreadable, "process"), its(unreadable))
		return
	}
	fmt.Fprintf(f.IO.ErrOut, "sockscope: %s could not be attributed: %s of other users are not visible; run as root (sudo) to see every owner\n",
		plural(meta.Unattributed, "socket"), plural(unreadable, "process"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "s") {
		return fmt.Sprintf("%d %ses", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func its(n int) string {
	if n == 1 {
		return "its"
	}
	return "their"
}

// filterSockets applies what the source cannot: protocol/family pairs and
// ports. It filters in place.
func filterSockets(socks []sockets.Socket, req *listRequest) []sockets.Socket {
	if req.combos == nil && len(req.Ports) == 0 {
		return socks
	}
	return slices.DeleteFunc(socks, func(s sockets.Socket) bool {
		if req.combos != nil && s.Family != sockets.Local {
			fams, ok := req.combos[s.Proto]
			if !ok || !fams.Has(s.Family) {
				return true
			}
		}
		if len(req.Ports) > 0 {
			if s.Family == sockets.Local {
				return true
			}
			if !slices.Contains(req.Ports, s.Local.Port()) && !slices.Contains(req.Ports, s.Remote.Port()) {
				return true
			}
		}
		return false
	})
}

// filterOwners applies --pid and --program after attribution. A holder
// without a ProcessInfo (invalid) matches neither.
func filterOwners(socks []sockets.Socket, req *listRequest) []sockets.Socket {
	if len(req.PIDs) == 0 && len(req.Programs) == 0 {
		return socks
	}
	return slices.DeleteFunc(socks, func(s sockets.Socket) bool {
		for i := range s.Processes {
			p := s.Processes[i].ProcessInfo
			if p == nil {
				continue
			}
			if len(req.PIDs) > 0 && !slices.Contains(req.PIDs, p.PID) {
				continue
			}
			if len(req.Programs) > 0 && !matchProgram(p, req.Programs) {
				continue
			}
			return false
		}
		return true
	})
}

func matchProgram(p *sockets.ProcessInfo, names []string) bool {
	for _, n := range names {
		if strings.EqualFold(p.Name, n) || (p.Exe != "" && strings.EqualFold(filepath.Base(p.Exe), n)) {
			return true
		}
	}
	return false
}
