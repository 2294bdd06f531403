//go:build !linux

package procattr

import (
	"context"

	"github.com/sockscope/sockscope/internal/sockets"
)

// trackerState is empty where each call is a full Attribute.
//
//lint:ignore U1000 the Tracker's field is unused here
type trackerState struct{}

func (t *Tracker) attribute(ctx context.Context, socks []sockets.Socket) (Result, error) {
	return attribute(ctx, socks, t.opts)
}

func (t *Tracker) close() error { return nil }
