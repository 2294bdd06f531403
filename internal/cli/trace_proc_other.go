//go:build !linux

package cli

import "github.com/sockscope/sockscope/internal/trace"

// processOf is nil where trace does not run: JSON leaves exe and user out.
func (f *Factory) processOf(*trace.Reader) func(pid int32, comm string) (string, int64, string) {
	return nil
}

// lookupProcess has nothing to look up where trace does not run.
func (f *Factory) lookupProcess(*trace.Reader) func(pid int32, comm string) (string, int64, string) {
	return nil
}

// yieldToWork does nothing where trace does not run.
func yieldToWork() {}

// benchPauses does nothing where trace does not run.
func (f *Factory) benchPauses(*trace.Reader) func() { return func() {} }
