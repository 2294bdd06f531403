package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// AttributeFunc reads which processes hold which sockets before the
// sockets are known, so that it can run while the source lists them: it
// returns a function that sets the Processes of the sockets it is given
// (the matching is by inode). details asks for exe, cmdline, user, parent
// and cgroup besides PID and name. listed is closed once the source has
// listed the sockets: until then, the walk should leave it a CPU.
//
// If it returns a nil function, attribution failed and err says why;
// with a function, a non-nil err is about some processes only. An error
// matching sockets.ErrUnsupported means there is no attribution on this
// system: the listing goes on without owners, silently.
type AttributeFunc func(ctx context.Context, details bool, listed <-chan struct{}) (attribute func(socks []sockets.Socket) Attribution, err error)

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
	src, err := f.Source(sockets.SourceOptions{Kind: req.Source, Record: req.Record, Modules: req.Owners && req.Details})
	if err != nil {
		return sourceError(req.Render.Lang, req.Source, err)
	}
	out := bufio.NewWriterSize(f.stdout(req.Render.Format), 64<<10)
	host, _ := os.Hostname()
	var socks []sockets.Socket
	warned, repeat := false, false
	for round := 1; ; round++ {
		meta := render.Meta{Host: host, Time: time.Now()}
		if req.Interval > 0 {
			meta.Round = round
		}
		var unreadable int
		socks, unreadable, err = snapshot(ctx, f, src, req, socks[:0], &meta)
		if err != nil {
			return err
		}
		if !warned {
			warn(f, meta, unreadable, req.Render.Lang)
			if len(socks) == 0 {
				explainNoPID(f, req)
			}
			warned = true
		}
		req.Sort.Sort(socks)
		opts := req.Render
		if !req.Numeric && f.Namer != nil {
			opts.Namer = f.Namer(ctx, socks)
		}
		if repeat && opts.Format == render.Table && opts.Style == render.Modern {
			out.WriteByte('\n') // the other layouts open with a blank line or a title
		}
		repeat = true
		if err := render.Write(out, socks, meta, opts); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
		if !wait(ctx, req.Interval) {
			return nil
		}
	}
}

// scanned is the outcome of an AttributeFunc.
type scanned struct {
	attribute func([]sockets.Socket) Attribution
	err       error
}

// snapshot lists the sockets into socks and, if req asks for owners,
// attributes them: f.Attribute reads the processes' files on other
// goroutines while src dumps the sockets (at 100k sockets the walk takes
// somewhat more CPU than the dump),
// and the sockets are matched once both are done. Warnings go to meta.
// It returns the sockets, the number of processes whose files could not
// be read, and an error only if the listing failed; attribution is then
// canceled.
func snapshot(ctx context.Context, f *Factory, src sockets.Source, req *listRequest, socks []sockets.Socket, meta *render.Meta) ([]sockets.Socket, int, error) {
	var scan chan scanned
	listed := make(chan struct{})
	// The dump allocates the snapshot at once and fills it: a collection
	// then would only scan pages about to be written (see pauseGC).
	defer pauseGC()()
	if req.Owners && f.Attribute != nil {
		sctx, cancel := context.WithCancel(ctx)
		defer cancel() // stop the walk if the listing fails
		scan = make(chan scanned, 1)
		go func() {
			attribute, err := f.Attribute(sctx, req.Details, listed)
			scan <- scanned{attribute, err}
		}()
	}
	socks, err := src.Snapshot(ctx, req.Filter, socks)
	close(listed)
	var partial *sockets.PartialError
	switch {
	case errors.As(err, &partial):
		for _, e := range partial.Errs {
			meta.Warnings = append(meta.Warnings, e.Error())
		}
	case err != nil:
		return socks, 0, err
	}
	socks = filterSockets(socks, req)
	if scan == nil {
		return socks, 0, nil
	}
	r := <-scan
	if r.err != nil && !errors.Is(r.err, sockets.ErrUnsupported) {
		meta.Warnings = append(meta.Warnings, i18n.T(req.Render.Lang, "cli.warn.attribution", r.err.Error()))
	}
	var a Attribution
	if r.attribute != nil {
		a = r.attribute(socks)
		meta.Unattributed = a.Unattributed
	}
	// Nothing refers to r any more: what the walk recorded is garbage.
	return filterOwners(socks, req), a.Unreadable, nil
}

// gcPause holds garbage collection off while snapshots run (see pauseGC).
var gcPause struct {
	sync.Mutex
	n       int // snapshots running
	percent int // the GOGC to restore
}

// pauseGC turns garbage collection off until the function it returns is
// called; calls may overlap. A snapshot that walks the processes' files
// while the source dumps the sockets runs without it: the cycle that the
// dump's large first allocation starts would read the untouched pages,
// mapping the kernel's zero page, and each first write of the dump would
// then copy a page and flush the TLB of every CPU running a walker of
// this process, an IPI per 4 KiB that is costly in a VM (+40% CPU for
// the dump at 100k sockets). Little garbage is made meanwhile, and the
// collector catches up afterwards.
func pauseGC() (resume func()) {
	gcPause.Lock()
	if gcPause.n == 0 {
		gcPause.percent = debug.SetGCPercent(-1)
	}
	gcPause.n++
	gcPause.Unlock()
	return func() {
		gcPause.Lock()
		if gcPause.n--; gcPause.n == 0 {
			debug.SetGCPercent(gcPause.percent)
		}
		gcPause.Unlock()
	}
}

// warn prints what could not be seen, once, on stderr, in language lang.
func warn(f *Factory, meta render.Meta, unreadable int, lang string) {
	for _, w := range meta.Warnings {
		fmt.Fprintln(f.IO.ErrOut, i18n.T(lang, "cli.warning", w))
	}
	if meta.Unattributed == 0 {
		return
	}
	key := "cli.unattr.user"
	switch {
	case goos == "windows" && f.Privileged:
		key = "cli.unattr.admin"
	case goos == "windows":
		key = "cli.unattr.elevate"
	case f.Privileged:
		fmt.Fprintln(f.IO.ErrOut, i18n.T(lang, "cli.unattr.root",
			plural(lang, meta.Unattributed, "socket"), plural(lang, unreadable, "process"), plural(lang, unreadable, "its")))
		return
	}
	fmt.Fprintln(f.IO.ErrOut, i18n.T(lang, key,
		plural(lang, meta.Unattributed, "socket"), plural(lang, unreadable, "process")))
}

// explainNoPID says, on stderr, why --pid found nothing where a reason is
// known: the process does not exist, or its sockets are in another network
// namespace, which this listing does not see.
func explainNoPID(f *Factory, req *listRequest) {
	if f.NetNSOf == nil {
		return
	}
	for _, pid := range req.PIDs {
		theirs, ours, err := f.NetNSOf(pid)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			fmt.Fprintln(f.IO.ErrOut, i18n.T(req.Render.Lang, "cli.pid.gone", pid))
		case err == nil && theirs != ours:
			fmt.Fprintln(f.IO.ErrOut, i18n.T(req.Render.Lang, "cli.pid.netns", pid, theirs, ours))
		}
	}
}

// goos is the operating system whose advice warn gives (sudo or
// Administrator); tests set it.
var goos = runtime.GOOS

// plural returns message cli.n.WORD.one or .many (cli.its.* for "its")
// for n in language lang: English has a singular, Chinese needs none.
func plural(lang string, n int, word string) string {
	key := "cli.n." + word
	if word == "its" {
		key = "cli.its"
	}
	if n == 1 {
		key += ".one"
	} else {
		key += ".many"
	}
	if word == "its" {
		return i18n.T(lang, key)
	}
	return i18n.T(lang, key, n)
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

// matchProgram reports whether the name or the executable's file name of
// p is one of names, ignoring case and a Windows ".exe" ("chrome" finds
// chrome.exe, as "chrome.exe" does).
func matchProgram(p *sockets.ProcessInfo, names []string) bool {
	name, exe := trimExe(p.Name), ""
	if p.Exe != "" {
		exe = trimExe(filepath.Base(p.Exe))
	}
	for _, n := range names {
		n = trimExe(n)
		if strings.EqualFold(name, n) || (exe != "" && strings.EqualFold(exe, n)) {
			return true
		}
	}
	return false
}

// trimExe returns s without a final ".exe", in any case.
func trimExe(s string) string {
	if len(s) > 4 && strings.EqualFold(s[len(s)-4:], ".exe") {
		return s[:len(s)-4]
	}
	return s
}
