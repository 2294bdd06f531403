package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestParallelJSONInOrder checks that a listing large enough to be
// encoded by two goroutines comes out exactly as one goroutine writes it,
// for every size around the chunk boundaries.
func TestParallelJSONInOrder(t *testing.T) {
	all := benchSockets(parallelMin + 3*chunkSize + 7)
	meta := Meta{Host: "h", Time: time.Unix(0, 0).UTC()}
	for _, n := range []int{parallelMin - 1, parallelMin, parallelMin + 1, parallelMin + chunkSize, len(all)} {
		socks := all[:n]
		for _, f := range []Format{JSON, NDJSON} {
			var got bytes.Buffer
			if err := Write(&got, socks, meta, Options{Format: f}); err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if f == JSON {
				want.WriteString(`{"schema":1,"host":"h","time":"1970-01-01T00:00:00Z","sockets":[`)
			}
			for i := range socks {
				if f == JSON && i > 0 {
					want.WriteByte(',')
				}
				if f == JSON {
					want.WriteByte('\n')
				}
				want.Write(AppendSocketJSON(nil, &socks[i]))
				if f == NDJSON {
					want.WriteByte('\n')
				}
			}
			if f == JSON {
				want.WriteString("\n],\"unattributed\":0,\"warnings\":[]}\n")
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("%d sockets, format %v: parallel output differs from the serial one", n, f)
			}
			if f == JSON && !json.Valid(got.Bytes()) {
				t.Fatalf("%d sockets: invalid JSON", n)
			}
			if f == NDJSON && strings.Count(got.String(), "\n") != n {
				t.Fatalf("%d sockets: %d lines", n, strings.Count(got.String(), "\n"))
			}
		}
	}
}
