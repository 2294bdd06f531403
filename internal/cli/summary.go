package cli

import (
	"bufio"
	"context"
	"os"

	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/summary"
)

// summaryRun counts one attributed listing (internal/summary) and writes
// the counts: sockets by protocol and state, the processes holding the
// most, and where the TIME_WAIT sockets go.
func summaryRun(ctx context.Context, f *Factory, req *listRequest) error {
	if ctx == nil {
		ctx = context.Background()
	}
	snap, _, err := f.snapshotOnce(ctx, req)
	if err != nil {
		return err
	}
	warn(f, snap.Warnings, req.Render.Lang)
	host, _ := os.Hostname()
	meta := render.Meta{Host: host, Time: snap.Time, Unattributed: snap.Warnings.Unattributed}
	socks := snap.Sockets
	opts := req.Summary
	opts.Lang = req.Render.Lang
	if f.EphemeralPorts != nil {
		opts.Ephemeral = f.EphemeralPorts()
	}
	out := bufio.NewWriterSize(f.stdout(opts.Format), 64<<10)
	if err := summary.Write(out, summary.Compute(socks, opts), meta, opts); err != nil {
		return err
	}
	return out.Flush()
}
