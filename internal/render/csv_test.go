package render

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sockscope/sockscope/internal/sockets"
)

// TestCSVRoundTrip writes random sockets full of hostile text as CSV and
// reads them back with encoding/csv: every field must come back as it
// went in (invalid UTF-8 replaced), one record per socket.
func TestCSVRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for iter := range 300 {
		socks := make([]sockets.Socket, r.IntN(5))
		for i := range socks {
			socks[i] = randSocket(r)
		}
		var buf bytes.Buffer
		if err := Write(&buf, socks, Meta{}, Options{Format: CSV}); err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("iteration %d: %v\n%s", iter, err, buf.Bytes())
		}
		want := [][]string{strings.Split(csvHeader, ",")}
		for i := range socks {
			rec := csvRecord(&socks[i])
			for j := range rec {
				// encoding/csv reads CR LF in a quoted field as LF.
				rec[j] = strings.ReplaceAll(rec[j], "\r\n", "\n")
			}
			want = append(want, rec)
		}
		if !reflect.DeepEqual(records, want) {
			t.Fatalf("iteration %d:\n got %q\nwant %q", iter, records, want)
		}
	}
}

// csvRecord is what a CSV row must hold, built the slow, obvious way.
func csvRecord(s *sockets.Socket) []string {
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	rec := []string{s.Proto.String(), s.Family.String(), s.StateName()}
	if s.Family == sockets.Local {
		rec = append(rec, "", "", csvText(s.Path), "", "", csvText(s.PeerPath))
	} else {
		rec = append(rec, csvText(addrText(s.Local.Addr())), u(uint64(s.Local.Port())), "",
			csvText(addrText(s.Remote.Addr())), u(uint64(s.Remote.Port())), "")
	}
	uid := u(uint64(s.UID))
	if s.UID == sockets.NoUID {
		uid = "" // unknown (unix sockets from /proc)
	}
	rec = append(rec, u(uint64(s.RecvQ)), u(uint64(s.SendQ)), u(s.Inode), uid, u(s.NetNS))
	if s.Family == sockets.Local {
		rec = append(rec, s.Type.String())
	} else {
		rec = append(rec, "")
	}
	var pids, names, exes, users []string
	for _, p := range s.Processes {
		pids = append(pids, strconv.Itoa(int(p.Info.PID)))
		names = append(names, csvText(p.Info.Name))
		exe := csvText(p.Info.Exe)
		if p.Info.ExeDeleted {
			exe += " (deleted)"
		}
		exes = append(exes, exe)
		users = append(users, csvText(p.Info.User))
	}
	return append(rec, strings.Join(pids, ";"), strings.Join(names, ";"), strings.Join(exes, ";"), strings.Join(users, ";"))
}

// csvText is what a text field of a CSV row holds: s with invalid UTF-8
// replaced and the control characters but tab, LF and CR written as
// JSON writes them (\u00XX).
func csvText(s string) string {
	var b strings.Builder
	for _, r := range validUTF8(s) {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// validUTF8 replaces each byte of invalid UTF-8 with U+FFFD.
func validUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r)
		i += size
	}
	return b.String()
}
