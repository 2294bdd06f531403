package app

import (
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles starts the profiles that SOCKSCOPE_CPUPROFILE and
// SOCKSCOPE_MEMPROFILE ask for (file paths), for performance work; the
// returned function writes them. Errors are ignored: profiling must never
// change what the command does.
func startProfiles() (stop func()) {
	cpu, mem := os.Getenv("SOCKSCOPE_CPUPROFILE"), os.Getenv("SOCKSCOPE_MEMPROFILE")
	var cpuFile *os.File
	if cpu != "" {
		if f, err := os.Create(cpu); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				cpuFile = f
			} else {
				f.Close()
			}
		}
	}
	if mem != "" {
		runtime.MemProfileRate = 64 << 10
	}
	return func() {
		if cpuFile != nil {
			pprof.StopCPUProfile()
			cpuFile.Close()
		}
		if mem != "" {
			runtime.GC() // the profile shows the state as of the last GC
			if f, err := os.Create(mem); err == nil {
				_ = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}
	}
}
