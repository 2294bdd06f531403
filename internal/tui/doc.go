// Package tui is sockscope's full-screen live view (the watch verb): a
// TCPView-like table of sockets that refreshes in place, colouring new
// rows green, state changes yellow and closed rows red for one refresh
// (a marker column + ~ - without colour), with a detail pane, a
// per-process view, a filter line, search, and dialogs to close
// connections and to save the view.
//
// # Shape
//
// Run takes everything OS-specific through Options (Poll, Kill, Inspect,
// Namer, Compile): the package has no OS files. The model (model.go,
// sort.go) is data: the rows built from the last poll, the sort, the
// filter and the selection; its methods do no I/O. The tables (table.go,
// procs.go) are virtual tview.TableContent that read the model and
// format only the cells on screen, so that a redraw costs the same at
// 100 rows and at 100k. Poll runs on a refresh goroutine, Kill, Inspect
// and saving on goroutines of their own; each hands its result to the
// UI goroutine through a queue that never blocks (uiQueue), and Run
// waits for all of them before it returns.
//
// # Keys
//
// The help (?) lists them: arrows and the mouse move; Enter opens the
// detail pane; Tab the per-process view; o > < sort, O reverses (or a
// click on a heading); / filters; s searches, N finds the next; space
// pauses; + - change the interval; n resolves names; u c t b add the
// user, container, rtt and queue columns; m marks, k closes; w saves;
// q and Ctrl-C quit.
//
// # Tests
//
// Tests drive the view on a tcell SimulationScreen with scripted
// sockets polled through a real collect.Poller, inject keys, and compare
// the screen (each cell's text and a one-letter style code, with a
// legend) with goldens in testdata/; go test -update rewrites them. The
// refresh is stepped from the test (view.step), so no test waits on a
// timer.
package tui
