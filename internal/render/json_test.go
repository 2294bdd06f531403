package render

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The reference: schema 1 as structs for encoding/json. The hand-written
// encoder must produce exactly what encoding/json produces from these
// (HTML escaping off, whitespace aside).

type refEnvelope struct {
	Schema       int         `json:"schema"`
	Host         string      `json:"host"`
	Time         time.Time   `json:"time"`
	Seq          int         `json:"seq,omitempty"`
	Sockets      []refSocket `json:"sockets"`
	Unattributed int         `json:"unattributed"`
	Warnings     []string    `json:"warnings"`
}

type refEndpoint struct {
	IP    *string `json:"ip,omitempty"`
	Port  *uint16 `json:"port,omitempty"`
	Path  *string `json:"path,omitempty"`
	Inode *uint64 `json:"inode,omitempty"`
}

type refSocket struct {
	Proto   string      `json:"proto"`
	Family  string      `json:"family"`
	Type    *string     `json:"type,omitempty"`
	State   string      `json:"state"`
	Local   refEndpoint `json:"local"`
	Remote  refEndpoint `json:"remote"`
	RecvQ   uint32      `json:"recv_q"`
	SendQ   uint32      `json:"send_q"`
	Inode   uint64      `json:"inode"`
	UID     *uint32     `json:"uid,omitempty"`
	NetNS   uint64      `json:"netns"`
	Cookie  uint64      `json:"cookie,omitempty"`
	IfIndex uint32      `json:"ifindex,omitempty"`
	Created *time.Time  `json:"created,omitempty"`
	Timer   *refTimer   `json:"timer,omitempty"`
	refInternals
	Processes []refProcess `json:"processes"`
}

type refTimer struct {
	Kind      string `json:"kind"`
	ExpiresMS uint32 `json:"expires_ms"`
	Retrans   uint8  `json:"retrans"`
	Probes    uint8  `json:"probes"`
}

// refRoundSocket is an NDJSON object of a repeated listing.
type refRoundSocket struct {
	Seq  int       `json:"seq"`
	Time time.Time `json:"time"`
	refSocket
}

type refProcess struct {
	PID        int32    `json:"pid"`
	PPID       int32    `json:"ppid,omitempty"`
	Name       string   `json:"name"`
	Exe        string   `json:"exe"`
	ExeDeleted bool     `json:"exe_deleted,omitempty"`
	Cmdline    []string `json:"cmdline"`
	UID        *uint32  `json:"uid,omitempty"`
	User       string   `json:"user"`
	FD         int32    `json:"fd"`
	Cgroup     string   `json:"cgroup,omitempty"`
	Unit       string   `json:"unit,omitempty"`
	Container  string   `json:"container,omitempty"`
}

func ptr[T any](v T) *T { return &v }

func toRef(s *sockets.Socket, timers bool) refSocket {
	r := refSocket{
		Proto: s.Proto.String(), Family: s.Family.String(), State: s.StateName(),
		RecvQ: s.RecvQ, SendQ: s.SendQ, Inode: s.Inode, UID: knownUID(s.UID), NetNS: s.NetNS,
		Cookie: s.Cookie, IfIndex: s.Zone, Processes: []refProcess{}, refInternals: toRefInternals(s.Internals),
	}
	if s.Created != 0 {
		r.Created = ptr(time.Unix(0, s.Created))
	}
	if t := s.Timer; timers && t.Kind != sockets.NoTimerData {
		r.Timer = &refTimer{t.Kind.String(), t.Expires, t.Retrans, t.Probes}
	}
	if s.Family == sockets.Local {
		r.Type = ptr(s.Type.String())
		r.Local = refEndpoint{Path: ptr(s.Path)}
		r.Remote = refEndpoint{Path: ptr(s.PeerPath), Inode: ptr(s.Peer)}
	} else {
		r.Local = refEndpoint{IP: ptr(addrText(s.Local.Addr())), Port: ptr(s.Local.Port())}
		r.Remote = refEndpoint{IP: ptr(addrText(s.Remote.Addr())), Port: ptr(s.Remote.Port())}
	}
	for _, p := range s.Processes {
		cmd := p.Info.Cmdline
		if cmd == nil {
			cmd = []string{}
		}
		r.Processes = append(r.Processes, refProcess{p.Info.PID, p.Info.PPID, p.Info.Name, p.Info.Exe, p.Info.ExeDeleted, cmd,
			knownUID(p.Info.UID), p.Info.User, p.FD, p.Info.Cgroup, p.Info.Unit, p.Info.Container})
	}
	return r
}

// knownUID is uid, or nil for NoUID (the field is then left out).
func knownUID(uid uint32) *uint32 {
	if uid == sockets.NoUID {
		return nil
	}
	return &uid
}

func addrText(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func refJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// nasty are the pieces random strings are made of: everything a JSON
// string must escape or replace, and what it must leave alone.
var nasty = []string{
	"a", "/run/x.sock", `"`, `\`, "\x00", "\x01", "\b", "\f", "\n", "\r", "\t", "\x1b[31m", "\x1f", "\x7f",
	"<", ">", "&", "\u2028", "\u2029", "\u202e", "é", "日本", "😀", "\ufffd", "\u0085",
	"\xff", "\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x80", " ", "@abstract\x00name",
}

func randString(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(6) {
		b.WriteString(nasty[r.IntN(len(nasty))])
	}
	return b.String()
}

func randAddr(r *rand.Rand, v6 bool) netip.Addr {
	if !v6 {
		return netip.AddrFrom4([4]byte{byte(r.Uint32()), byte(r.Uint32()), 0, byte(r.Uint32())})
	}
	var a [16]byte
	for i := range a {
		if r.IntN(3) > 0 {
			a[i] = byte(r.Uint32())
		}
	}
	addr := netip.AddrFrom16(a)
	if r.IntN(8) == 0 {
		addr = addr.WithZone(randString(r) + "z")
	}
	return addr
}

func randSocket(r *rand.Rand) sockets.Socket {
	s := sockets.Socket{
		Proto: sockets.Proto(1 + r.IntN(6)), State: sockets.State(1 + r.IntN(13)),
		RecvQ: r.Uint32(), SendQ: r.Uint32(), Inode: r.Uint64(), UID: r.Uint32(), NetNS: r.Uint64(),
	}
	if r.IntN(3) == 0 {
		s.Cookie = r.Uint64()
	}
	if r.IntN(4) == 0 {
		s.UID = sockets.NoUID // unix sockets from /proc
	}
	if r.IntN(3) == 0 {
		s.Created = r.Int64N(4e18) + 1 // Windows' tables
	}
	if s.Proto == sockets.Unix {
		s.Family = sockets.Local
		s.Type = []sockets.SockType{sockets.Stream, sockets.Dgram, sockets.SeqPacket, 0}[r.IntN(4)]
		s.Path, s.PeerPath, s.Peer = randString(r), randString(r), r.Uint64()
	} else {
		v6 := r.IntN(2) == 0
		s.Family = sockets.Inet
		if v6 {
			s.Family = sockets.Inet6
		}
		s.Local = netip.AddrPortFrom(randAddr(r, v6), uint16(r.Uint32()))
		s.Remote = netip.AddrPortFrom(randAddr(r, v6), uint16(r.Uint32()))
		if r.IntN(4) == 0 {
			s.Zone = r.Uint32()
		}
		if r.IntN(2) == 0 {
			s.Internals = randInternals(r)
		}
		if r.IntN(4) > 0 {
			s.Timer = sockets.Timer{Kind: sockets.TimerKind(1 + r.IntN(7)), Retrans: uint8(r.Uint32()),
				Probes: uint8(r.Uint32()), Expires: r.Uint32()}
		}
	}
	for range r.IntN(3) {
		p := sockets.Process{Info: &sockets.ProcessInfo{
			PID: r.Int32(), Name: randString(r), Exe: randString(r), ExeDeleted: r.IntN(2) == 0,
			UID: r.Uint32(), User: randString(r),
		}, FD: r.Int32() - 1<<30}
		if r.IntN(2) == 0 {
			p.Info.PPID, p.Info.Cgroup, p.Info.Unit, p.Info.Container = r.Int32(), randString(r), randString(r), randString(r)
		}
		if r.IntN(4) == 0 {
			p.Info.UID = sockets.NoUID // Windows
		}
		for range r.IntN(4) {
			p.Info.Cmdline = append(p.Info.Cmdline, randString(r))
		}
		s.Processes = append(s.Processes, p)
	}
	return s
}

// TestJSONMatchesEncodingJSON is the property test of the encoder: random
// listings, with every kind of nasty string, must come out as
// encoding/json writes the equivalent structs, byte for byte once
// compacted, and decode to the same values.
func TestJSONMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	zones := []*time.Location{time.UTC, time.FixedZone("", 8*3600), time.FixedZone("", -(3*3600 + 1800))}
	for iter := range 500 {
		socks := make([]sockets.Socket, r.IntN(5))
		for i := range socks {
			socks[i] = randSocket(r)
		}
		timers := r.IntN(2) == 0
		meta := Meta{
			Round:        []int{0, 0, 1, 7}[r.IntN(4)],
			Host:         randString(r),
			Time:         time.Unix(r.Int64N(1<<34), r.Int64N(1e9)).In(zones[r.IntN(len(zones))]),
			Unattributed: r.IntN(1000),
		}
		for range r.IntN(3) {
			meta.Warnings = append(meta.Warnings, randString(r))
		}
		ref := refEnvelope{Schema: 1, Host: meta.Host, Time: meta.Time, Seq: meta.Round, Sockets: []refSocket{},
			Unattributed: meta.Unattributed, Warnings: meta.Warnings}
		if ref.Warnings == nil {
			ref.Warnings = []string{}
		}
		for i := range socks {
			ref.Sockets = append(ref.Sockets, toRef(&socks[i], timers))
		}
		want := refJSON(t, ref)

		var got bytes.Buffer
		if err := Write(&got, socks, meta, Options{Format: JSON, Timers: timers}); err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(got.Bytes()) {
			t.Fatalf("iteration %d: output is not valid UTF-8", iter)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, got.Bytes()); err != nil {
			t.Fatalf("iteration %d: invalid JSON: %v\n%s", iter, err, got.Bytes())
		}
		compact.WriteByte('\n')
		if !bytes.Equal(compact.Bytes(), want) {
			t.Fatalf("iteration %d:\n got %s\nwant %s", iter, compact.Bytes(), want)
		}
		var gv, wv any
		if err := json.Unmarshal(got.Bytes(), &gv); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(want, &wv); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gv, wv) {
			t.Fatalf("iteration %d: decoded values differ", iter)
		}

		// NDJSON: the same socket objects, one per line.
		if meta.Round > 0 && bytes.Count(got.Bytes(), []byte("\n")) != 1 {
			t.Fatalf("iteration %d: a round's document is not one line:\n%s", iter, got.Bytes())
		}
		got.Reset()
		if err := Write(&got, socks, meta, Options{Format: NDJSON, Timers: timers}); err != nil {
			t.Fatal(err)
		}
		var wantND bytes.Buffer
		for i := range ref.Sockets {
			if meta.Round > 0 {
				wantND.Write(refJSON(t, refRoundSocket{meta.Round, meta.Time, ref.Sockets[i]}))
			} else {
				wantND.Write(refJSON(t, ref.Sockets[i]))
			}
		}
		if !bytes.Equal(got.Bytes(), wantND.Bytes()) {
			t.Fatalf("iteration %d: NDJSON:\n got %s\nwant %s", iter, got.Bytes(), wantND.Bytes())
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range nasty {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := AppendJSONString(nil, s)
		want := refJSON(t, s)
		if !bytes.Equal(append(got, '\n'), want) {
			t.Fatalf("AppendJSONString(%q) = %s, encoding/json: %s", s, got, want)
		}
	})
}
