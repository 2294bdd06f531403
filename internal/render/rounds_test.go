package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/sockets"
)

// writeRounds renders the fixture as rounds 1..n of a repeated listing,
// one second apart, into one stream, as the CLI does with -c or INTERVAL.
func writeRounds(t *testing.T, n int, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	for r := 1; r <= n; r++ {
		meta := fixtureMeta
		meta.Round = r
		meta.Time = fixtureMeta.Time.Add(time.Duration(r-1) * time.Second)
		if err := Write(&buf, fixture(), meta, opts); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// TestRoundsJSON checks that the rounds of a repeated JSON listing are a
// JSON Lines stream: one whole document per line, each with its seq and
// time.
func TestRoundsJSON(t *testing.T) {
	out := writeRounds(t, 3, Options{Format: JSON, Timers: true})
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want one document per round (3):\n%s", len(lines), out)
	}
	for i, line := range lines {
		var doc struct {
			Schema  int
			Time    time.Time
			Seq     int
			Sockets []map[string]any
		}
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("round %d: %v", i+1, err)
		}
		wantTime := fixtureMeta.Time.Add(time.Duration(i) * time.Second)
		if doc.Seq != i+1 || !doc.Time.Equal(wantTime) || len(doc.Sockets) != len(fixture()) || doc.Schema != 1 {
			t.Errorf("round %d: seq %d, time %v, %d sockets", i+1, doc.Seq, doc.Time, len(doc.Sockets))
		}
	}
	// A listing that is not repeated keeps its layout: no seq, one
	// socket per line.
	var single bytes.Buffer
	if err := Write(&single, fixture(), fixtureMeta, Options{Format: JSON}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(single.Bytes(), []byte(`"seq"`)) || bytes.Count(single.Bytes(), []byte("\n")) != len(fixture())+2 {
		t.Errorf("single listing changed:\n%s", single.Bytes())
	}
}

// TestRoundsNDJSON checks that each object of a repeated NDJSON listing
// says which round it belongs to.
func TestRoundsNDJSON(t *testing.T) {
	out := writeRounds(t, 2, Options{Format: NDJSON})
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != 2*len(fixture()) {
		t.Fatalf("%d lines, want %d", len(lines), 2*len(fixture()))
	}
	for i, line := range lines {
		var obj struct {
			Seq   int
			Time  time.Time
			Proto string
		}
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		round := 1 + i/len(fixture())
		if obj.Seq != round || !obj.Time.Equal(fixtureMeta.Time.Add(time.Duration(round-1)*time.Second)) || obj.Proto == "" {
			t.Errorf("line %d: seq %d time %v proto %q, want round %d", i+1, obj.Seq, obj.Time, obj.Proto, round)
		}
	}
}

// TestRoundsCSV checks that the rounds of a repeated CSV listing form one
// table: one header, then every row with its round's seq and time.
func TestRoundsCSV(t *testing.T) {
	out := writeRounds(t, 3, Options{Format: CSV, Timers: true})
	records, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1+3*len(fixture()) {
		t.Fatalf("%d records, want one header and %d rows", len(records), 3*len(fixture()))
	}
	head := records[0]
	if n := len(head); head[n-2] != "seq" || head[n-1] != "time" || head[n-6] != "timer" {
		t.Errorf("header %q", head)
	}
	for i, rec := range records[1:] {
		round := 1 + i/len(fixture())
		seq, tm := rec[len(rec)-2], rec[len(rec)-1]
		want := fixtureMeta.Time.Add(time.Duration(round-1) * time.Second).Format(time.RFC3339Nano)
		if seq != string(rune('0'+round)) || tm != want {
			t.Errorf("row %d: seq %q time %q, want %d %q", i+1, seq, tm, round, want)
		}
	}
}

// TestCSVControlCharacters checks that CSV escapes the NUL of an abstract
// unix name, and the other control characters a name can hold, as JSON
// does, and keeps tab, CR and LF in a quoted field.
func TestCSVControlCharacters(t *testing.T) {
	s := sockets.Socket{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Listen,
		Path: "@sock\x00scope\x1b[31m", PeerPath: "/tmp/a\tb\nc", Inode: 7, UID: 0,
		Processes: []sockets.Process{{Info: &sockets.ProcessInfo{PID: 1, Name: "x\x00y", Exe: `C:\Windows\x.exe`}}}}
	var csvOut, jsonOut bytes.Buffer
	if err := Write(&csvOut, []sockets.Socket{s}, Meta{}, Options{Format: CSV}); err != nil {
		t.Fatal(err)
	}
	if bytes.IndexByte(csvOut.Bytes(), 0) >= 0 || bytes.IndexByte(csvOut.Bytes(), 0x1b) >= 0 {
		t.Errorf("CSV holds a raw control byte:\n%q", csvOut.Bytes())
	}
	records, err := csv.NewReader(&csvOut).ReadAll()
	if err != nil || len(records) != 2 {
		t.Fatalf("%d records, %v", len(records), err)
	}
	row := records[1]
	if err := Write(&jsonOut, []sockets.Socket{s}, Meta{}, Options{Format: NDJSON}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`@sock\u0000scope\u001b[31m`, `x\u0000y`} {
		if !bytes.Contains(jsonOut.Bytes(), []byte(want)) {
			t.Errorf("JSON does not write %s: %s", want, jsonOut.Bytes())
		}
	}
	if row[5] != `@sock\u0000scope\u001b[31m` || row[8] != "/tmp/a\tb\nc" || row[16] != `x\u0000y` || row[17] != `C:\Windows\x.exe` {
		t.Errorf("row %q", row)
	}
}
