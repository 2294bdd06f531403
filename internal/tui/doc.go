// Package tui is sockscope's full-screen live view (the watch verb): a
// TCPView-like table of sockets that refreshes in place, colouring new
// rows green, state changes yellow and closed rows red for one refresh.
//
// # Shape
//
// The model (model.go) is data: the rows built from the last poll, the
// sort, the filter and the selection. The table (table.go) is a virtual
// tview.TableContent that reads the model and produces only the cells on
// screen, so a redraw costs the same at 100 rows and at 100k. I/O (Poll,
// Kill, Inspect, name resolution) runs on the refresh goroutine or in a
// goroutine of its own and hands its result to the UI goroutine through
// tview's QueueUpdateDraw; the view never blocks on the kernel.
//
// # Tests
//
// Tests drive the view on a tcell SimulationScreen with a scripted Poll
// and injected keys, and compare the screen (each cell's rune and a
// compact style code) with goldens in testdata/ (go test -update
// rewrites them). The refresh loop is stepped from the test, so no test
// waits on a timer.
//
// The package has no OS files: everything OS-specific comes through
// Options.
package tui
