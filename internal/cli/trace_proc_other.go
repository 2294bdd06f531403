//go:build !linux

package cli

// processOf is nil where trace does not run: JSON leaves exe and user out.
func (f *Factory) processOf() func(pid int32) (string, int64, string) { return nil }

// inInitialPIDNamespace is true where trace does not run.
func inInitialPIDNamespace() bool { return true }

// yieldToWork does nothing where trace does not run.
func yieldToWork() {}
