package sockets

import (
	"strings"
	"testing"
)

// Captured from /proc/net/sockstat{,6} on Linux 6.18 in the benchmark
// namespace (bench/compare.sh 100000).
const (
	sockstatFixture = `sockets: used 101517
TCP: inuse 97214 orphan 0 tw 1996 alloc 97220 mem 2
UDP: inuse 1000 mem 0
UDPLITE: inuse 0
RAW: inuse 0
FRAG: inuse 0 memory 0
`
	sockstat6Fixture = `TCP6: inuse 10
UDP6: inuse 3
UDPLITE6: inuse 0
RAW6: inuse 1
FRAG6: inuse 0 memory 0
`
)

func TestEstimateSockets(t *testing.T) {
	tcp := Filter{Protos: ProtoSet(0).With(TCP)}
	tests := []struct {
		f    Filter
		want int
	}{
		{tcp, 97214 + 1996 + 10},
		{Filter{Protos: ProtoSet(0).With(TCP), Families: FamilySet(0).With(Inet6)}, 10},
		{All, 97214 + 1996 + 1000 + 10 + 3 + 1},
		{Filter{Protos: ProtoSet(0).With(Unix)}, 0},
		{Filter{Protos: ProtoSet(0).With(TCP), States: StateSet(0).With(Listen)}, 0},
		{Filter{Protos: ProtoSet(0).With(TCP), States: StateSet(0).With(TimeWait)}, 1996},
		{Filter{Protos: ProtoSet(0).With(TCP), States: StateSet(0).With(Established)}, 97214 + 10},
		{Filter{Protos: ProtoSet(0).With(UDP), States: StateSet(0).With(Close)}, 1000 + 3},
	}
	for _, tt := range tests {
		if got := estimateSockets([]byte(sockstatFixture), []byte(sockstat6Fixture), tt.f); got != tt.want {
			t.Errorf("estimate(%+v) = %d, want %d", tt.f, got, tt.want)
		}
	}
	if got := estimateSockets(nil, []byte("TCP6: inuse"), tcp); got != 0 {
		t.Errorf("truncated: %d", got)
	}
}

func FuzzEstimateSockets(f *testing.F) {
	f.Add(sockstatFixture, sockstat6Fixture)
	f.Add("TCP: inuse 99999999999999999999", "")
	f.Add("TCP:", "TCP6: tw")
	f.Fuzz(func(t *testing.T, a, b string) {
		if n := estimateSockets([]byte(a), []byte(b), All); n < 0 {
			t.Errorf("negative estimate %d for %q %q", n, a, strings.TrimSpace(b))
		}
	})
}
