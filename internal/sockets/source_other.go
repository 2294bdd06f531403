//go:build !linux

package sockets

import "context"

type unsupportedSource struct{}

var _ Source = unsupportedSource{}

func newSystemSource(SourceOptions) (Source, error) { return nil, ErrUnsupported }

func (unsupportedSource) Snapshot(context.Context, Filter, []Socket) ([]Socket, error) {
	return nil, ErrUnsupported
}
