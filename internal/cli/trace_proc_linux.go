package cli

import (
	"os"
	"os/signal"
	"strconv"

	"github.com/sockscope/sockscope/internal/trace"
	"golang.org/x/sys/unix"
)

// processOf returns a lookup of a process's executable and user
// (lookupProcess's) that reads each PID and name once (a PID used again
// by another program is read again), keeping at most 4096.
func (f *Factory) processOf(r *trace.Reader) func(pid int32, comm string) (string, int64, string) {
	type proc struct {
		exe  string
		uid  int64
		user string
	}
	type key struct {
		pid  int32
		comm string
	}
	lookup := f.lookupProcess(r)
	cache := make(map[key]proc)
	return func(pid int32, comm string) (string, int64, string) {
		k := key{pid, comm}
		if p, ok := cache[k]; ok {
			return p.exe, p.uid, p.user
		}
		if len(cache) >= 4096 {
			clear(cache)
		}
		var p proc
		p.exe, p.uid, p.user = lookup(pid, comm)
		cache[k] = p
		return p.exe, p.uid, p.user
	}
}

// lookupProcess returns a lookup of a process's executable and user,
// read from /proc at each call, for a caller that keeps what it found.
// A short-lived process may be gone by then: r (where not nil) tells the
// file it executed while r ran, and its user; else they are empty.
func (f *Factory) lookupProcess(r *trace.Reader) func(pid int32, comm string) (string, int64, string) {
	return func(pid int32, _ string) (exe string, uid int64, user string) {
		exe, uid = trace.ProcessExe(pid)
		if exe == "" && r != nil {
			if e, ok := r.ExecOf(pid); ok {
				exe, uid = e.Path, e.UID
			}
		}
		if uid >= 0 && f.UserName != nil {
			user = f.UserName(uint32(uid))
		}
		return exe, uid, user
	}
}

// yieldToWork makes this process's threads SCHED_BATCH where they are
// SCHED_OTHER (their nice kept; threads made later inherit it): a tracer
// woken by a batch of events then waits for an idle CPU or its turn, a
// few milliseconds, rather than preempting the work it watches, whose
// threads it would otherwise push off their CPU at every batch. The
// eBPF ring buffer holds the events meanwhile. The threads are walked
// again until a walk changes none (one made meanwhile by a thread not yet
// changed is SCHED_OTHER). Where it fails, nothing changes.
func yieldToWork() {
	for range 5 {
		// This process's own threads: /proc itself, whatever procfs's
		// root (a captured tree's TIDs are not ours).
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return
		}
		changed := false
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			attr, err := unix.SchedGetAttr(tid, 0)
			if err != nil || attr.Policy != unix.SCHED_NORMAL {
				continue
			}
			attr.Policy = unix.SCHED_BATCH
			// Since Linux 6.12 sched_getattr gives a normal thread's time
			// slice as Runtime; given back, it would become a slice of
			// its own rather than the default.
			attr.Runtime = 0
			if unix.SchedSetAttr(tid, attr, 0) == nil {
				changed = true
			}
		}
		if !changed {
			return
		}
	}
}

// benchPauseEnv, set in trace's environment, makes SIGUSR1 detach the
// TCP program and SIGUSR2 attach it again, each said on stderr: how
// bench/trace.sh measures windows with and without the program in one
// running trace, where a trace started for each window put its start
// and its end between them. It is not for users: what changes while
// detached is not seen.
const benchPauseEnv = "SOCKSCOPE_BENCH_PAUSE"

// benchPauses, where benchPauseEnv is set, pauses and resumes r on
// SIGUSR1 and SIGUSR2 until the returned function is called (once),
// which returns once no pause or resume is under way.
func (f *Factory) benchPauses(r *trace.Reader) func() {
	if os.Getenv(benchPauseEnv) == "" {
		return func() {}
	}
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, unix.SIGUSR1, unix.SIGUSR2)
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		for {
			select {
			case <-done:
				return
			case s := <-sig:
				say, act := "resumed", r.Resume
				if s == unix.SIGUSR1 {
					say, act = "paused", r.Pause
				}
				if err := act(); err != nil {
					say = err.Error()
				}
				f.note("sockscope: " + say)
			}
		}
	}()
	return func() {
		signal.Stop(sig)
		close(done)
		<-exited
	}
}
