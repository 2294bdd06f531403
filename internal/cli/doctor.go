package cli

import (
	"bufio"
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/doctor"
	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/netns"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// doctorOptions are doctor's own flags.
type doctorOptions struct {
	// Window is the time between the two readings.
	Window time.Duration
	// Nagios makes the exit status a monitoring plugin's.
	Nagios bool
}

// maxWindow bounds --window: a doctor is a quick look.
const maxWindow = 10 * time.Minute

// Exit statuses of doctor by the worst finding (docs/doctor.md): they
// stay clear of 1 (a runtime failure) and 2 (bad input).
const (
	exitDoctorWarning  = 3
	exitDoctorCritical = 4
)

// ExitStatus is an error that only sets the exit status: what it is
// about was already written.
type ExitStatus struct{ Code int }

func (e *ExitStatus) Error() string { return "exit status " + strconv.Itoa(e.Code) }

// doctorRequest validates doctor's own flags. The findings need the
// owners with their details, and tcp_info for the connections that
// retransmit most.
func doctorRequest(in requestInput, req *listRequest, lang string) error {
	f := in.flags
	switch req.Render.Format {
	case render.Table, render.JSON:
	default:
		return flagErrorf(lang, "cli.err.doctor.format", req.Render.Format)
	}
	if f.window < 0 || f.window > maxWindow {
		return flagErrorf(lang, "cli.err.doctor.window", f.window)
	}
	req.Details = true
	req.Doctor = doctorOptions{Window: f.window, Nagios: f.nagios}
	return nil
}

// doctorRun takes the two readings req asks for, examines them and writes
// the findings. Its error sets the exit status by the worst finding.
func doctorRun(ctx context.Context, f *Factory, req *listRequest) error {
	if ctx == nil {
		ctx = context.Background()
	}
	lang := req.Render.Lang
	src, nsl, err := f.listSource(req, sockets.SourceOptions{Kind: req.Source, Modules: true})
	if err != nil {
		return err
	}
	c := f.collector(src)
	full := req.query()
	// The first reading needs only what can persist: CLOSE_WAIT and
	// SYN_SENT, known by their cookies (no owners: the walk of every
	// process's files is the costly part of a reading).
	first := full
	first.Owners, first.Details, first.AfterOwners = false, false, nil
	first.Kernel.Internals = 0
	first.Kernel.States &= 1<<sockets.CloseWait | 1<<sockets.SynSent
	if first.Kernel.States == 0 {
		first.Kernel.States = 1<<sockets.CloseWait | 1<<sockets.SynSent
	}
	kernels := f.kernelReaders(nsl)
	before := make([]*netstats.Snapshot, len(kernels))
	snap1, err := c.Collect(ctx, &first, nil)
	if err != nil {
		return err
	}
	for i, k := range kernels {
		before[i], _ = k.counters()
	}
	start := time.Now()
	if req.Doctor.Window > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(req.Doctor.Window):
		}
	}
	read2 := time.Now()
	snap2, err := c.Collect(ctx, &full, nil)
	if err != nil {
		return err
	}
	window := time.Since(start)
	examined := time.Now()
	warn(f, snap2.Warnings, lang)

	var findings []doctor.Finding
	checked := doctor.Checked{Sockets: len(snap2.Sockets), Window: window, Counters: true}
	procs := make(map[int32]bool)
	for i := range snap2.Sockets {
		for _, p := range snap2.Sockets[i].Processes {
			if p.Info != nil {
				procs[p.Info.PID] = true
			}
		}
	}
	checked.Processes = len(procs)
	packaged := dpkgOwner()
	for i, k := range kernels {
		after, _ := k.counters()
		if before[i] == nil || after == nil {
			checked.Counters = false
		}
		in := &doctor.Input{
			Before: inNS(snap1.Sockets, k.inode, len(kernels) > 1), After: inNS(snap2.Sockets, k.inode, len(kernels) > 1),
			Window: window, CountersBefore: before[i], CountersAfter: after,
			PageSize: os.Getpagesize(), Packaged: packaged,
		}
		in.Limits = k.limits()
		if nsl != nil && len(kernels) > 1 {
			name := k.name
			in.Namespace = func(uint64) string { return name }
		}
		fs := doctor.Examine(in)
		for j := range fs {
			if fs[j].Rule == doctor.RuleRetrans {
				// Which connections retransmit is in tcp_info, read
				// only now that it matters (it would double the
				// reading's memory).
				fs[j].Sockets, fs[j].Processes = f.retransmitters(ctx, c, full, in.After)
			}
		}
		findings = append(findings, fs...)
	}
	// Several namespaces: worst first across them all.
	if len(kernels) > 1 {
		doctor.Sort(findings)
	}

	if f.Getenv != nil && f.Getenv("SOCKSCOPE_DOCTOR_TIMES") != "" {
		// For bench/doctor.sh: what doctor's own work costs against a
		// reading.
		defer func(done time.Time) {
			f.note("sockscope: doctor times: first " + snap1.Duration.String() + " second " + examined.Sub(read2).String() +
				" examine " + done.Sub(examined).String() + " write " + time.Since(done).String())
		}(time.Now())
	}
	out := bufio.NewWriter(f.stdout(req.Render.Format))
	defer out.Flush()
	worst := doctor.Worst(findings)
	if req.Doctor.Nagios {
		out.WriteString(nagiosLine(findings, worst, lang) + "\n")
	}
	if req.Render.Format == render.JSON {
		err = doctor.WriteJSON(out, findings, checked, lang)
	} else {
		err = doctor.WriteTable(out, findings, checked, lang)
	}
	if err != nil {
		return err
	}
	out.Flush()
	code := 0
	switch {
	case req.Doctor.Nagios && worst == doctor.Critical:
		code = 2
	case req.Doctor.Nagios && worst == doctor.Warning:
		code = 1
	case worst == doctor.Critical:
		code = exitDoctorCritical
	case worst == doctor.Warning:
		code = exitDoctorWarning
	}
	if code != 0 {
		return &ExitStatus{Code: code}
	}
	return nil
}

// retransmitters reads the TCP connections with tcp_info and returns
// those that retransmitted most, with the owners the second reading
// found for them.
func (f *Factory) retransmitters(ctx context.Context, c *collect.Collector, q collect.Query, owned []sockets.Socket) ([]*sockets.Socket, []*sockets.ProcessInfo) {
	q.Owners, q.Details, q.AfterOwners = false, false, nil
	q.Kernel.Protos = sockets.ProtoSet(0).With(sockets.TCP)
	q.Kernel.States &^= 1<<sockets.Listen | 1<<sockets.TimeWait | 1<<sockets.SynRecv | 1<<sockets.NewSynRecv
	q.Kernel.Internals = sockets.WantInfo
	snap, err := c.Collect(ctx, &q, nil)
	if err != nil {
		return nil, nil
	}
	byKey := make(map[uint64]*sockets.Socket, len(owned))
	for i := range owned {
		if owned[i].Cookie != 0 {
			byKey[owned[i].Cookie] = &owned[i]
		}
	}
	top := doctor.TopRetransmitters(snap.Sockets)
	var procs []*sockets.ProcessInfo
	for _, s := range top {
		if o := byKey[s.Cookie]; o != nil {
			s.Processes = o.Processes
			for _, p := range o.Processes {
				if p.Info != nil && !slices.Contains(procs, p.Info) {
					procs = append(procs, p.Info)
				}
			}
		}
	}
	return top, procs
}

// nagiosLine is the one-line status a monitoring plugin prints first.
func nagiosLine(fs []doctor.Finding, worst doctor.Severity, lang string) string {
	status := "OK"
	switch worst {
	case doctor.Critical:
		status = "CRITICAL"
	case doctor.Warning:
		status = "WARNING"
	}
	if len(fs) == 0 || worst < doctor.Warning {
		return i18n.T(lang, "doctor.nagios", status, i18n.T(lang, "doctor.nagios.ok"))
	}
	var titles []string
	for _, f := range fs {
		if f.Severity >= doctor.Warning {
			titles = append(titles, i18n.T(lang, "doctor.title."+f.Rule, f.Subject))
		}
	}
	return i18n.T(lang, "doctor.nagios", status, strings.Join(titles, "; "))
}

// inNS returns the sockets of namespace inode when several are examined
// (all of them otherwise).
func inNS(socks []sockets.Socket, inode uint64, several bool) []sockets.Socket {
	if !several {
		return socks
	}
	var out []sockets.Socket
	for i := range socks {
		if socks[i].NetNS == inode {
			out = append(out, socks[i])
		}
	}
	return out
}

// kernelReader reads one namespace's counters and limits.
type kernelReader struct {
	inode    uint64
	name     string
	counters func() (*netstats.Snapshot, error)
	limits   func() netstats.Limits
}

// kernelReaders returns the readers of the namespaces examined: this
// process's own, or each of nsl's (read from inside it).
func (f *Factory) kernelReaders(nsl *nsListing) []kernelReader {
	if nsl == nil || len(nsl.nss) == 0 {
		return []kernelReader{{
			counters: func() (*netstats.Snapshot, error) {
				if f.Views.Stats == nil {
					return nil, sockets.ErrUnsupported
				}
				return f.Views.Stats()
			},
			limits: func() netstats.Limits {
				l := netstats.Limits{SynCookies: netstats.NoSetting, TWReuse: netstats.NoSetting}
				if f.Limits != nil {
					l, _ = f.Limits()
				}
				return l
			},
		}}
	}
	out := make([]kernelReader, len(nsl.nss))
	for i := range nsl.nss {
		ns := &nsl.nss[i]
		out[i] = kernelReader{
			inode:    ns.Inode,
			name:     nsl.info[ns.Inode].Name,
			counters: func() (*netstats.Snapshot, error) { return readCountersIn(ns) },
			limits: func() netstats.Limits {
				// The net sysctls are those of the namespace of the
				// thread that opens them.
				l := netstats.Limits{SynCookies: netstats.NoSetting, TWReuse: netstats.NoSetting}
				netns.Do(ns, func() error {
					l, _ = netstats.ReadLimits("/proc/sys", os.Getpagesize())
					return nil
				})
				return l
			},
		}
	}
	return out
}
