package statsview

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/render"
)

// TestNamespaceMarks: the counters of one namespace among several (stats
// --all-netns) are marked in every format: a title line over a table,
// "netns" and "netns_name" in JSON and NDJSON objects (a name escaped as
// JSON), two first CSV columns, the header left out when asked.
func TestNamespaceMarks(t *testing.T) {
	snap := captureSnapshot()
	o := Options{Protos: []string{"tcp"}, NetNS: 4026532174, NetNSName: "web\x1b\"1"}
	write := func(o Options) string {
		var b bytes.Buffer
		if err := Write(&b, snap, nil, o); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if out := write(o); !strings.HasPrefix(out, "NetNS web") || !strings.Contains(out, "1 (4026532174):\nTcp\n") || strings.ContainsRune(out, 0x1b) {
		t.Errorf("table:\n%s", out)
	}
	o.Format = render.JSON
	var doc struct {
		NetNS     uint64 `json:"netns"`
		NetNSName string `json:"netns_name"`
		Groups    []json.RawMessage
	}
	if out := write(o); json.Unmarshal([]byte(out), &doc) != nil || doc.NetNS != o.NetNS || doc.NetNSName != o.NetNSName || len(doc.Groups) == 0 {
		t.Errorf("JSON: %+v from\n%s", doc, out)
	}
	o.Format = render.NDJSON
	for _, line := range strings.Split(strings.TrimSpace(write(o)), "\n") {
		if err := json.Unmarshal([]byte(line), &doc); err != nil || doc.NetNS != o.NetNS || doc.NetNSName != o.NetNSName {
			t.Errorf("NDJSON line %s: %v", line, err)
		}
	}
	o.Format = render.CSV
	out := write(o)
	if !strings.HasPrefix(out, "netns,netns_name,group,name,value\n4026532174,") {
		t.Errorf("CSV:\n%s", out)
	}
	o.NoCSVHeader = true
	if out := write(o); strings.Contains(out, "group,name") || !strings.HasPrefix(out, "4026532174,") {
		t.Errorf("CSV without header:\n%s", out)
	}
	o = Options{Protos: []string{"tcp"}, Format: render.JSON}
	if out := write(o); strings.Contains(out, "netns") {
		t.Errorf("one namespace, unnamed, marked:\n%s", out)
	}
}
