package testutil

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/sockets"
)

// Snapshot lists the sockets of ns matching f with the source kind
// (sockets.SourceKinds), from a thread inside ns. A partial listing is
// accepted (and logged) only when what is missing is unsupported by this
// kernel (raw_diag, say); any other failure fails the test.
func Snapshot(tb testing.TB, ns *NetNS, kind string, f sockets.Filter) []sockets.Socket {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var got []sockets.Socket
	err := ns.Do(func() error {
		src, err := sockets.NewSystemSource(sockets.SourceOptions{Kind: kind})
		if err != nil {
			return err
		}
		got, err = src.Snapshot(ctx, f, nil)
		return err
	})
	var partial *sockets.PartialError
	switch {
	case err == nil:
	case errors.As(err, &partial) && !slices.ContainsFunc(partial.Errs, func(e error) bool {
		return !errors.Is(e, sockets.ErrUnsupported)
	}):
		tb.Logf("%s source: %v", kind, err)
	default:
		tb.Fatalf("%s source: %v", kind, err)
	}
	return got
}
