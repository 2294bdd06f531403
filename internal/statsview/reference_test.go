package statsview

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/render"
)

// referenceDoc is the reference document, outside the module: the
// goldens below were taken from it, and are checked against it when it is
// there (it is in the project's workspace, not in a clone).
const referenceDoc = "../../../shared/reference/netstat-guide.zh.txt"

// readCapture returns the words of a testdata/reference file, comments
// left out.
func readCapture(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "reference", name))
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(l, "#") {
			words = append(words, strings.Fields(l)...)
		}
	}
	return strings.Join(words, " ")
}

// TestReferenceCaptures renders the counters of the reference document's
// Chinese `netstat -s -p tcp` and `-s -p udp` captures in the Windows
// layout in Chinese and compares labels, order and values with the
// captures (whitespace collapsed: the document lost the line breaks).
func TestReferenceCaptures(t *testing.T) {
	doc, docErr := os.ReadFile(referenceDoc)
	for _, tc := range []struct {
		file, proto string
		group       netstats.Group
	}{
		{"s-p-tcp.zh.txt", "tcp", group("Tcp", "RtoAlgorithm 1 RtoMin 200 RtoMax 120000 MaxConn -1 ActiveOpens 1732 PassiveOpens 10 AttemptFails 158 EstabResets 128 CurrEstab 2 InSegs 20486 OutSegs 19208 RetransSegs 1750 InErrs 0 OutRsts 0")},
		{"s-p-udp.zh.txt", "udp", group("Udp", "InDatagrams 1998 NoPorts 283 InErrors 3419 OutDatagrams 3866 RcvbufErrors 0 SndbufErrors 0")},
	} {
		t.Run(tc.proto, func(t *testing.T) {
			want := readCapture(t, tc.file)
			if docErr == nil && !strings.Contains(strings.Join(strings.Fields(string(doc)), " "), "$ netstat -s -p "+tc.proto+" "+want+" 活动连接") {
				t.Errorf("testdata/reference/%s is not the capture of the reference document", tc.file)
			}
			s := &netstats.Snapshot{Time: time.Now(), Groups: []netstats.Group{tc.group}}
			out := string(render1(t, s, nil, Options{Style: render.Windows, Lang: "zh_CN.UTF-8", Protos: []string{tc.proto}}))
			if got := strings.Join(strings.Fields(out), " "); got != want {
				t.Errorf("rendered\n%s\nwords %q\nwant  %q", out, got, want)
			}
			// Windows' own line breaks: a blank line, the title, a blank
			// line, then "  label = value" lines.
			if !strings.HasPrefix(out, "\nIPv4 的 "+strings.ToUpper(tc.proto)+" 统计信息\n\n  ") {
				t.Errorf("layout:\n%s", out)
			}
		})
	}
}
