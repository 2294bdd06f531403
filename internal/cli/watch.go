package cli

import (
	"context"
	"errors"
)

// watchRun shows the sockets req chooses live, until ctx is done or the
// user quits.
func watchRun(ctx context.Context, f *Factory, req *listRequest) error {
	return errors.New("watch: not yet")
}
