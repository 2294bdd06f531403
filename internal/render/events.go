package render

import (
	"strconv"
	"time"

	"github.com/sockscope/sockscope/internal/sockets"
)

// EventKind is what happened to a socket between two looks.
type EventKind uint8

// The kinds of event a watch reports.
const (
	EventOpen  EventKind = iota + 1 // seen for the first time
	EventClose                      // no longer seen
	EventState                      // seen again, in another state
)

func (k EventKind) String() string {
	switch k {
	case EventOpen:
		return "open"
	case EventClose:
		return "close"
	case EventState:
		return "state"
	}
	return "unknown"
}

// An Event is one change a watch saw, for the NDJSON event stream
// (docs/json.md, "Events").
type Event struct {
	Kind EventKind
	// Initial marks the open events of the first look: sockets that were
	// already there, not opened then.
	Initial bool
	// Seq is the number of the look (1 for the first), Time when it began.
	Seq  int
	Time time.Time
	// From is the state before a state event (the kernel's spelling).
	From string
	// Socket is the socket as seen at that look; for a close event, as
	// last seen.
	Socket *sockets.Socket
}

// AppendEventJSON appends ev as one line of the event stream: an object
// with "event", "initial" (open events of the first look only), "seq",
// "time", "from" (state events) and "socket", a schema 1 socket object
// with its namespace's name and container where o.Namespace knows them
// (o may be nil). The line ends with a newline.
func AppendEventJSON(b []byte, ev *Event, o *Options) []byte {
	b = append(b, `{"event":"`...)
	b = append(b, ev.Kind.String()...)
	b = append(b, '"')
	if ev.Initial {
		b = append(b, `,"initial":true`...)
	}
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, int64(ev.Seq), 10)
	b = append(b, `,"time":"`...)
	b = ev.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	if ev.Kind == EventState {
		b = append(b, `,"from":`...)
		b = AppendJSONString(b, ev.From)
	}
	b = append(b, `,"socket":{`...)
	b = appendSocketJSONBody(b, ev.Socket, nil, o)
	return append(b, "}\n"...)
}
