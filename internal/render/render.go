package render

import (
	"bufio"
	"io"
	"iter"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/sockets"
)

// Style is the layout of a table.
type Style int

// The table layouts.
const (
	Modern  Style = iota // aligned to the content, never truncated (default)
	Windows              // Windows netstat, column for column
	Linux                // net-tools netstat, column for column
)

var styleNames = []string{Modern: "modern", Windows: "windows", Linux: "linux"}

// String returns the name ParseStyle accepts.
func (s Style) String() string { return enumName(styleNames, int(s), "style") }

// ParseStyle parses a style name, in any case: modern, windows or linux.
// An unknown name returns an *UnknownValueError (errors.Is errs.ErrInvalid).
func ParseStyle(s string) (Style, error) {
	i, err := parseEnum(styleNames, "style", s)
	return Style(i), err
}

// Format is the output format.
type Format int

// The output formats.
const (
	Table  Format = iota // a table in one of the Styles (default)
	JSON                 // one JSON document, schema 1 (docs/json.md)
	NDJSON               // one JSON socket object per line, no envelope
	CSV                  // RFC 4180, a header row, one socket per row
)

var formatNames = []string{Table: "table", JSON: "json", NDJSON: "ndjson", CSV: "csv"}

// String returns the name ParseFormat accepts.
func (f Format) String() string { return enumName(formatNames, int(f), "format") }

// ParseFormat parses a format name, in any case: table, json, ndjson or
// csv. An unknown name returns an *UnknownValueError (errors.Is errs.ErrInvalid).
func ParseFormat(s string) (Format, error) {
	i, err := parseEnum(formatNames, "format", s)
	return Format(i), err
}

// UnknownValueError reports a style or format name that is not one of the
// valid ones. It prints as one line naming the bad value and the valid
// ones, and matches errs.ErrInvalid with errors.Is.
type UnknownValueError struct {
	Kind  string // "style" or "format"
	Value string
	Valid []string
}

func (e *UnknownValueError) Error() string {
	return "unknown " + e.Kind + " " + strconv.Quote(e.Value) + " (valid: " + strings.Join(e.Valid, ", ") + ")"
}

// Is makes errors.Is(err, errs.ErrInvalid) true.
func (e *UnknownValueError) Is(target error) bool { return target == errs.ErrInvalid }

func parseEnum(names []string, kind, s string) (int, error) {
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return i, nil
		}
	}
	return 0, &UnknownValueError{Kind: kind, Value: s, Valid: names}
}

func enumName(names []string, i int, kind string) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return kind + "(" + strconv.Itoa(i) + ")"
}

// Namer supplies names when output is not numeric. Both methods are
// called for every printed cell, up to twice per Write (the modern table
// measures, then writes), and must answer the same each time, so an
// implementation answers from a cache it filled beforehand. Neither is
// ever called with an unspecified address or port 0.
type Namer interface {
	// Host returns the name of a, or "" to print the address numerically.
	Host(a netip.Addr) string
	// Service returns the name of port for protocol p, or "" to print the
	// number.
	Service(port uint16, p sockets.Proto) string
}

// InterfaceNamer is implemented by a Namer that also names network
// interfaces; the modern table then prints a zone as "%eth0" instead of
// "%2".
type InterfaceNamer interface {
	// Interface returns the name of the interface with that index, or "".
	Interface(index uint32) string
}

// Options says how to render a listing.
type Options struct {
	Style  Style
	Format Format
	// Color adds ANSI colours to the state column of tables. The caller
	// sets it only when writing to a terminal.
	Color bool
	// ShowPID (-o, the Windows meaning) adds the owning PIDs; the linux
	// style shows its PID/Program name column instead (net-tools' -o is
	// Timers, which a caller speaking net-tools' dialect sets instead).
	ShowPID bool
	// ShowProgram (-p, the Linux meaning) adds "PID/Program name".
	ShowProgram bool
	// ShowExe (-b) adds the executable: a " [name]" line under the row in
	// the windows style, an Exe column in the modern style, an Executable
	// column after the inet rows of the linux style (unix rows end with
	// their path and get none).
	ShowExe bool
	// Extended (-e) adds the User and Inode columns.
	Extended bool
	// Wide (-W) stops the linux style from truncating addresses and
	// program names as net-tools does; the other styles never truncate.
	Wide bool
	// FQDN (-f) prints full host names; without it the windows style
	// prints only the first label of a name, as Windows netstat does.
	FQDN bool
	// Namer names hosts and ports in tables; nil prints them numerically.
	// JSON, NDJSON and CSV are always numeric.
	Namer Namer
	// ListeningOnly and All choose the linux style's section titles:
	// "(only servers)", "(servers and established)" or "(w/o servers)".
	ListeningOnly, All bool
	// Protos is the set of protocols that was asked for. The linux style
	// prints the section of each kind asked for even when it is empty, as
	// net-tools does, and the windows style shows unix sockets only when
	// nothing but unix was asked. Zero means: the kinds present in the
	// listing (inet when the listing is empty).
	Protos sockets.ProtoSet
	// Lang chooses the language of headings: "" or "en" English,
	// "zh-CN" (any "zh" tag) Simplified Chinese (SPEC section 6). The
	// linux style is always English, as net-tools is.
	Lang string
	// Timers (--timers; -o through the netstat name on Linux, net-tools'
	// --timers) adds the kernel's timer of each inet socket: net-tools'
	// Timer column in the linux style ("keepalive (7170.24/0/0)"), a
	// Timer column in the modern style, a "timer" object in JSON and
	// NDJSON and the timer columns in CSV (docs/json.md). The windows
	// style has no such column and ignores it.
	Timers bool
	// Namespace, when not nil, describes the network namespace of each
	// socket by its inode (sockets.Socket.NetNS): JSON and NDJSON then
	// add "netns_name", "container" and "pod" (docs/json.md), and the
	// modern table's NETNS column (NetNSColumn) shows its name.
	Namespace func(inode uint64) *Namespace
	// NetNSColumn adds the NETNS column to the modern table, first: a
	// listing of several namespaces (--all-netns) has it.
	NetNSColumn bool
	// Info (--info) and Memory (--memory) add, under each row of the
	// modern table that has them, the socket's tcp_info and its memory
	// as ss -i and ss -m print them, on one indented line. The data
	// formats carry them whenever the sockets have them.
	Info, Memory bool
	// NoHeader (-H) leaves out the titles and headings of tables and the
	// header row of CSV, so that only rows are written.
	NoHeader bool
	// UserName names a socket's uid for the User column when no holder
	// running as that uid carries its name (no process details were
	// loaded, or no process holds the socket); nil prints the number.
	UserName func(uid uint32) string
}

// rowBufSize is the initial size of the scratch buffer each writer
// appends a row to before writing it; it grows to the longest row.
const rowBufSize = 1024

// Meta is the envelope data of a listing.
type Meta struct {
	Host string    // host name of the machine listed
	Time time.Time // when the listing was taken
	// Round is the 1-based number of this listing in a repeated listing
	// (-c, INTERVAL), 0 for a listing that is not repeated. When it is
	// set, every data format marks the listing with it and Time: JSON
	// writes its document on one line with "seq", NDJSON adds "seq" and
	// "time" to each object, CSV adds the seq and time columns and
	// writes its header only in round 1 (docs/json.md). Tables do not
	// change.
	Round        int
	Unattributed int      // sockets whose holders this user cannot see
	Warnings     []string // parts of the listing that failed, one line each
}

// Write renders socks to w as opts says. It buffers its output and
// returns the first error writing to w. The sockets are printed in the
// order given; sorting is the caller's choice. A Process with a nil
// ProcessInfo is invalid; Write leaves it out, as if the socket had no
// such holder, and does not modify socks.
func Write(w io.Writer, socks []sockets.Socket, meta Meta, opts Options) error {
	socks = validHolders(socks)
	bw := bufio.NewWriterSize(w, 64<<10)
	switch opts.Format {
	case JSON:
		writeJSON(bw, socks, &meta, &opts)
	case NDJSON:
		writeNDJSON(bw, socks, &meta, &opts)
	case CSV:
		writeCSV(bw, socks, &meta, &opts)
	default:
		writeTable(bw, each(socks), &opts)
	}
	return bw.Flush()
}

// WriteRows is Write for sockets that are not in a slice: rows yields
// them (and may be ranged over twice, as the modern table measures its
// columns first), each valid until the next. Tables are written straight
// from rows; the data formats, which hold owners and are not on that
// path, from a copy of them.
func WriteRows(w io.Writer, rows iter.Seq[*sockets.Socket], meta Meta, opts Options) error {
	if opts.Format != Table {
		var socks []sockets.Socket
		for s := range rows {
			socks = append(socks, *s)
		}
		return Write(w, socks, meta, opts)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	writeTable(bw, func(yield func(*sockets.Socket) bool) {
		for s := range rows {
			if !yield(validHoldersOf(s)) {
				return
			}
		}
	}, &opts)
	return bw.Flush()
}

// writeTable writes a table in the style o asks for.
func writeTable(w *bufio.Writer, rows iter.Seq[*sockets.Socket], o *Options) {
	switch o.Style {
	case Windows:
		writeWindows(w, rows, o)
	case Linux:
		writeLinux(w, rows, o)
	default:
		writeModern(w, rows, o)
	}
}

// each yields a pointer to each of socks.
func each(socks []sockets.Socket) iter.Seq[*sockets.Socket] {
	return func(yield func(*sockets.Socket) bool) {
		for i := range socks {
			if !yield(&socks[i]) {
				return
			}
		}
	}
}

// validHoldersOf returns s, or a copy of it without its invalid holders
// if it has any (see validHolders).
func validHoldersOf(s *sockets.Socket) *sockets.Socket {
	if !slices.ContainsFunc(s.Processes, invalidProcess) {
		return s
	}
	c := *s
	c.Processes = slices.DeleteFunc(slices.Clone(s.Processes), invalidProcess)
	return &c
}

// validHolders returns socks without the invalid holders (those with a
// nil ProcessInfo), so that no writer has to check for them: socks itself
// when there are none, as there never are in a listing from a Source and
// attribution, else a copy whose sockets have only valid holders.
func validHolders(socks []sockets.Socket) []sockets.Socket {
	var out []sockets.Socket
	for i := range socks {
		ps := socks[i].Processes
		if !slices.ContainsFunc(ps, invalidProcess) {
			continue
		}
		if out == nil {
			out = slices.Clone(socks)
		}
		out[i].Processes = slices.DeleteFunc(slices.Clone(ps), invalidProcess)
	}
	if out == nil {
		return socks
	}
	return out
}

func invalidProcess(p sockets.Process) bool { return p.Info == nil }
