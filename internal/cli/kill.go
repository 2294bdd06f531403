package cli

import (
	"context"
	"errors"
)

// killRun closes the sockets req chooses.
func killRun(ctx context.Context, f *Factory, req *listRequest) error {
	return errors.New("kill: not yet")
}
