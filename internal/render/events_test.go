package render

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/sockets"
)

func TestAppendEventJSON(t *testing.T) {
	s := &sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established,
		Local:  netip.MustParseAddrPort("127.0.0.1:40000"),
		Remote: netip.MustParseAddrPort("127.0.0.1:80"), Inode: 7,
		Processes: []sockets.Process{{Info: &sockets.ProcessInfo{PID: 42, Name: "curl"}, FD: 3}}}
	at := time.Date(2026, 12, 7, 3, 0, 0, 5e8, time.UTC)
	for _, c := range []struct {
		ev   Event
		want string
	}{
		{Event{Kind: EventOpen, Initial: true, Seq: 1, Time: at, Socket: s},
			`{"event":"open","initial":true,"seq":1,"time":"2026-12-07T03:00:00.5Z","socket":{"proto":"tcp",`},
		{Event{Kind: EventState, Seq: 2, Time: at, From: "SYN_SENT", Socket: s},
			`{"event":"state","seq":2,"time":"2026-12-07T03:00:00.5Z","from":"SYN_SENT","socket":{"proto":"tcp",`},
		{Event{Kind: EventClose, Seq: 3, Time: at, Socket: s},
			`{"event":"close","seq":3,"time":"2026-12-07T03:00:00.5Z","socket":{"proto":"tcp",`},
	} {
		line := string(AppendEventJSON(nil, &c.ev, nil))
		if !strings.HasPrefix(line, c.want) || !strings.HasSuffix(line, "}\n") || strings.Count(line, "\n") != 1 {
			t.Errorf("%v event:\n got %s\nwant %s...", c.ev.Kind, line, c.want)
		}
		var v struct {
			Event  string
			Socket struct {
				State     string
				Processes []struct{ PID int }
			}
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("%v event is not JSON: %v\n%s", c.ev.Kind, err, line)
		}
		if v.Socket.State != "ESTABLISHED" || len(v.Socket.Processes) != 1 || v.Socket.Processes[0].PID != 42 {
			t.Errorf("%v event: socket %+v", c.ev.Kind, v.Socket)
		}
	}
}
