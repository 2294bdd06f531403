package render

import (
	"bytes"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// TestWriteRows checks that WriteRows, fed from a Packed store as a
// streamed listing is, writes what Write writes from the slice, in every
// layout and format, for sockets without owners (what Packed keeps).
func TestWriteRows(t *testing.T) {
	socks := fixture()
	for i := range socks {
		socks[i].Processes = nil
	}
	var packed sockets.Packed
	packed.Add(0, socks)
	for _, o := range []Options{
		{Style: Modern}, {Style: Modern, Extended: true, Timers: true, Color: true},
		{Style: Linux, All: true}, {Style: Linux, Protos: sockets.ProtoSet(0).With(sockets.TCP)},
		{Style: Windows}, {Style: Windows, Lang: "zh-CN"},
		{Format: CSV}, {Format: JSON}, {Format: NDJSON},
	} {
		var want, got bytes.Buffer
		if err := Write(&want, socks, Meta{Host: "h"}, o); err != nil {
			t.Fatal(err)
		}
		if err := WriteRows(&got, packed.All(), Meta{Host: "h"}, o); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%+v: WriteRows wrote\n%s\nWrite wrote\n%s", o, got.String(), want.String())
		}
	}
}
