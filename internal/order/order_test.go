package order

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]string{
		"port":                    "port",
		"PORT":                    "port",
		"port,state":              "port,state",
		"recv-q:desc":             "recv-q:desc",
		"-recv-q,port":            "recv-q:desc,port",
		" state , -pid ":          "state,pid:desc",
		"program:ASC,send-q:Desc": "program,send-q:desc",
		"recvq,sendq":             "recv-q,send-q",
		"foreign,local,proto":     "remote,local,proto",
		"Recv_Q":                  "recv-q",
	} {
		s, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if s.String() != want {
			t.Errorf("Parse(%q) = %q, want %q", in, s, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                  `sort "": no field (valid: port, state, pid, program, recv-q, send-q, remote, local, proto)`,
		"bogus":             `unknown sort field "bogus" (valid: port, state, pid, program, recv-q, send-q, remote, local, proto)`,
		"port,bogus":        `unknown sort field "bogus" (valid: port, state, pid, program, recv-q, send-q, remote, local, proto)`,
		"port,":             `sort "port,": empty field`,
		",port":             `sort ",port": empty field`,
		"-":                 `sort "-": empty field`,
		":desc":             `sort ":desc": empty field`,
		"port:up":           `sort "port:up": direction "up" is not asc or desc`,
		"-port:desc":        `sort "-port:desc": field "-port:desc" has both - and :desc`,
		"port,port":         `sort "port,port": field port given twice`,
		"recvq,recv-q:desc": `sort "recvq,recv-q:desc": field recv-q given twice`,
	} {
		_, err := Parse(in)
		if err == nil || err.Error() != want || !errors.Is(err, ErrSpec) {
			t.Errorf("Parse(%q) = %v, want %s", in, err, want)
		}
	}
	var ue *UnknownFieldError
	if _, err := Parse("state,Nope"); !errors.As(err, &ue) || ue.Field != "Nope" || !slices.Equal(ue.Valid, Fields()) {
		t.Errorf("UnknownFieldError: %#v", err)
	}
}

var (
	nginx = &sockets.ProcessInfo{PID: 812, Name: "nginx"}
	java  = &sockets.ProcessInfo{PID: 4100, Name: "java"}
)

func inet(id int, local, remote string, st sockets.State, rq, sq uint32, p *sockets.ProcessInfo) sockets.Socket {
	s := sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: st, RecvQ: rq, SendQ: sq, Inode: uint64(id),
		Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote)}
	if s.Local.Addr().Is6() {
		s.Family = sockets.Inet6
	}
	if p != nil {
		s.Processes = []sockets.Process{{Info: p}}
	}
	return s
}

func fixture() []sockets.Socket {
	return []sockets.Socket{
		inet(1, "10.0.0.1:443", "192.0.2.9:5000", sockets.Established, 0, 10, nginx),
		inet(2, "0.0.0.0:80", "0.0.0.0:0", sockets.Listen, 3, 128, nginx),
		inet(3, "10.0.0.1:40000", "10.0.0.5:5432", sockets.CloseWait, 7, 0, java),
		inet(4, "10.0.0.1:40001", "10.0.0.5:5432", sockets.TimeWait, 0, 0, nil),
		inet(5, "[::]:80", "[::]:0", sockets.Listen, 0, 128, nginx),
		{Proto: sockets.Unix, Family: sockets.Local, State: sockets.Listen, Path: "/run/b.sock", Inode: 6, Processes: []sockets.Process{{Info: java}}},
		{Proto: sockets.UDP, Family: sockets.Inet, State: sockets.Close, Local: netip.MustParseAddrPort("0.0.0.0:53"), Inode: 7,
			Processes: []sockets.Process{{}, {Info: java}}}, // an invalid holder before a valid one
		{Proto: sockets.Unix, Family: sockets.Local, State: sockets.Established, Path: "/run/a.sock", PeerPath: "", Inode: 8},
	}
}

func ids(socks []sockets.Socket) string {
	var b []string
	for _, s := range socks {
		b = append(b, fmt.Sprint(s.Inode))
	}
	return strings.Join(b, " ")
}

func TestSort(t *testing.T) {
	for spec, want := range map[string]string{
		// Unix sockets have no port: last, in either direction, in the
		// order listed (stable).
		"port":          "7 2 5 1 3 4 6 8",
		"port:desc":     "4 3 1 2 5 7 6 8",
		"state":         "2 5 6 1 8 3 4 7",
		"state,port":    "2 5 6 1 8 3 4 7",
		"-state":        "7 4 3 1 8 2 5 6",
		"pid":           "1 2 5 3 6 7 4 8",
		"pid:desc":      "3 6 7 1 2 5 4 8",
		"program":       "3 6 7 1 2 5 4 8",
		"program,-port": "3 7 6 1 2 5 4 8",
		"recv-q:desc":   "3 2 1 4 5 6 7 8",
		"send-q:desc":   "2 5 1 3 4 6 7 8",
		// 7's remote is the zero AddrPort, before every address; the two
		// unix sockets have the same (empty) peer path: stable.
		"remote": "7 2 3 4 1 5 6 8",
		"local":  "7 2 1 3 4 5 8 6",
		// A unix path is not a missing value: desc reverses the whole
		// order (IPv4, IPv6, unix).
		"local:desc":       "6 8 5 4 3 1 2 7",
		"proto":            "1 2 3 4 5 7 6 8",
		"proto:desc,local": "8 6 7 5 2 1 3 4",
	} {
		s, err := Parse(spec)
		if err != nil {
			t.Fatal(err)
		}
		socks := fixture()
		s.Sort(socks)
		if got := ids(socks); got != want {
			t.Errorf("--sort %s: %s, want %s", spec, got, want)
		}
	}
}

func TestSortEmptySpec(t *testing.T) {
	socks := fixture()
	Spec(nil).Sort(socks)
	if ids(socks) != ids(fixture()) {
		t.Error("an empty spec reordered the listing")
	}
}

// TestSortStable: sockets equal in every key keep the source's order,
// on a large random listing, and Sort agrees with Compare.
func TestSortStable(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	socks := make([]sockets.Socket, 5000)
	for i := range socks {
		socks[i] = inet(i, fmt.Sprintf("10.0.0.%d:%d", r.IntN(3), r.IntN(4)), "0.0.0.0:0", sockets.State(1+r.IntN(11)), uint32(r.IntN(3)), 0, nil)
	}
	s, _ := Parse("state,recv-q:desc")
	s.Sort(socks)
	for i := 1; i < len(socks); i++ {
		c := s.Compare(&socks[i-1], &socks[i])
		if c > 0 || c == 0 && socks[i-1].Inode > socks[i].Inode {
			t.Fatalf("not sorted stably at %d: %+v then %+v", i, socks[i-1], socks[i])
		}
	}
}

func TestStateRank(t *testing.T) {
	udp := sockets.Socket{Proto: sockets.UDP, State: sockets.Close}
	tcp := sockets.Socket{Proto: sockets.TCP, State: sockets.BoundInactive}
	req := sockets.Socket{Proto: sockets.TCP, State: sockets.NewSynRecv}
	odd := sockets.Socket{Proto: sockets.TCP, State: 200}
	if StateRank(&udp) != 11 || StateRank(&tcp) != 10 || StateRank(&req) != 2 || StateRank(&odd) != 255 {
		t.Errorf("ranks %d %d %d %d", StateRank(&udp), StateRank(&tcp), StateRank(&req), StateRank(&odd))
	}
}

func TestFieldString(t *testing.T) {
	if Field(99).String() != "field(99)" || RecvQ.String() != "recv-q" {
		t.Error(Field(99).String(), RecvQ.String())
	}
	f := Fields()
	f[0] = "changed"
	if Fields()[0] != "port" {
		t.Error("Fields shares its slice")
	}
}

// FuzzParse: the spec is the user's; Parse never panics, its errors are
// one line and match ErrSpec, and a parsed spec prints as a spec that
// parses to the same keys.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"port", "-recv-q,port", "state:desc", "", ",", "-:", "a:b:c", "PID,program:asc", "port,port", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Parse(in)
		if err != nil {
			if !errors.Is(err, ErrSpec) || strings.Contains(err.Error(), "\n") && !strings.Contains(in, "\n") {
				t.Fatalf("Parse(%q): %v", in, err)
			}
			return
		}
		if len(s) == 0 {
			t.Fatalf("Parse(%q) = empty spec without error", in)
		}
		again, err := Parse(s.String())
		if err != nil || !slices.Equal(again, s) {
			t.Fatalf("Parse(%q) = %v; its String %q parses to %v, %v", in, s, s.String(), again, err)
		}
		a, b := fixture(), fixture()
		s.Sort(a)
		s.Sort(b)
		if ids(a) != ids(b) {
			t.Fatal("Sort is not deterministic")
		}
	})
}
