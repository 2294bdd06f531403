package iostreams

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/sockscope/sockscope/internal/i18n"
)

// zhText is what sockscope prints in Chinese: a title, a table row with
// ASCII around the Chinese, punctuation and digits.
const zhText = "活动连接\n\n  协议  本地地址          外部地址        状态           PID\n" +
	"  TCP   0.0.0.0:135       0.0.0.0:0       LISTENING      1012\n" +
	"接收的数据包 = 12345；重新传输的分段（%）：0.5%\n" +
	"sockscope：未知的状态 “bogus”（有效值：listen、established）。\n"

var charsets = []struct {
	cs  i18n.Charset
	enc encoding.Encoding
}{
	{i18n.CharsetGBK, simplifiedchinese.GBK},
	{i18n.CharsetGB18030, simplifiedchinese.GB18030},
	{i18n.CharsetGB2312, simplifiedchinese.GBK}, // EUC-CN bytes are GBK's
}

func encodeAll(t testing.TB, cs i18n.Charset, writes ...string) []byte {
	t.Helper()
	var out bytes.Buffer
	cw := NewCharsetWriter(&out, cs)
	for _, w := range writes {
		n, err := cw.Write([]byte(w))
		if err != nil || n != len(w) {
			t.Fatalf("Write(%q) = %d, %v", w, n, err)
		}
	}
	if err := cw.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestCharsetWriterRoundTrip: what the writer encodes, x/text's decoder
// turns back into the text, and the bytes are x/text's encoder's own.
func TestCharsetWriterRoundTrip(t *testing.T) {
	for _, c := range charsets {
		t.Run(c.cs.String(), func(t *testing.T) {
			got := encodeAll(t, c.cs, zhText)
			want, err := c.enc.NewEncoder().Bytes([]byte(zhText))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("encoded\n%q\nwant\n%q", got, want)
			}
			back, err := c.enc.NewDecoder().Bytes(got)
			if err != nil {
				t.Fatal(err)
			}
			if string(back) != zhText {
				t.Errorf("decoded\n%s\nwant\n%s", back, zhText)
			}
			if bytes.Contains(got, []byte("活")) {
				t.Error("UTF-8 left in the output")
			}
		})
	}
}

// TestCharsetWriterSplit: a text split at every byte offset across two
// writes, or written a byte at a time, encodes as the whole does.
func TestCharsetWriterSplit(t *testing.T) {
	for _, c := range charsets {
		whole := encodeAll(t, c.cs, zhText)
		for i := 0; i <= len(zhText); i++ {
			if got := encodeAll(t, c.cs, zhText[:i], zhText[i:]); !bytes.Equal(got, whole) {
				t.Fatalf("%v: split at %d: %q, want %q", c.cs, i, got, whole)
			}
		}
		bytewise := make([]string, len(zhText))
		for i := 0; i < len(zhText); i++ {
			bytewise[i] = zhText[i : i+1]
		}
		if got := encodeAll(t, c.cs, bytewise...); !bytes.Equal(got, whole) {
			t.Fatalf("%v: byte by byte: %q, want %q", c.cs, got, whole)
		}
	}
}

// TestCharsetWriterLarge: writes longer than the writer's chunk, with a
// character across every chunk boundary.
func TestCharsetWriterLarge(t *testing.T) {
	text := "a" + strings.Repeat("连接状态", chunk) // 3-byte characters after one byte: never aligned
	for _, c := range charsets {
		got := encodeAll(t, c.cs, text)
		want, _ := c.enc.NewEncoder().Bytes([]byte(text))
		if !bytes.Equal(got, want) {
			t.Errorf("%v: %d bytes differ from x/text's %d", c.cs, len(got), len(want))
		}
		half := len(text)/2 + 1
		if got := encodeAll(t, c.cs, text[:half], text[half:]); !bytes.Equal(got, want) {
			t.Errorf("%v: split large write differs", c.cs)
		}
	}
}

func TestCharsetWriterReplaces(t *testing.T) {
	for _, tc := range []struct {
		cs     i18n.Charset
		writes []string
		want   string // decoded with the charset's decoder
	}{
		{i18n.CharsetGBK, []string{"ok 😀 好"}, "ok ? 好"},                // no emoji in GBK
		{i18n.CharsetGB18030, []string{"ok 😀 好"}, "ok 😀 好"},            // GB18030 has every character
		{i18n.CharsetGBK, []string{"a\xffb"}, "a?b"},                   // not UTF-8
		{i18n.CharsetGB18030, []string{"a\xffb\xc0"}, "a?b?"},          // not UTF-8, and a truncated end
		{i18n.CharsetGBK, []string{"x\xe4", "Ay"}, "x?Ay"},             // a character cut short by ASCII
		{i18n.CharsetGBK, []string{"\xe4\xb8", "\xe4\xb8\x80"}, "??一"}, // cut short: each stray byte is one "?", as Go decodes
		{i18n.CharsetGBK, []string{"\xe4", "\xb8", "\x80"}, "一"},
		{i18n.CharsetGBK, []string{"\xe2", "\xe7"}, "??"}, // a stray byte written while the next is held
		{i18n.CharsetGBK, []string{"好\xe5\xa5"}, "好?"},    // ends mid-character: Flush writes "?"
		{i18n.CharsetGBK, []string{"€5"}, "€5"},           // code page 936's euro
		{i18n.CharsetGB2312, []string{"€5"}, "?5"},        // not in GB2312
		{i18n.CharsetGB2312, []string{"连接 繁體"}, "连接 繁?"},  // 體 is only in GBK
		{i18n.CharsetGBK, []string{"连接 繁體"}, "连接 繁體"},
	} {
		got := encodeAll(t, tc.cs, tc.writes...)
		back, err := simplifiedchinese.GB18030.NewDecoder().Bytes(got)
		if err != nil {
			t.Fatal(err)
		}
		if string(back) != tc.want {
			t.Errorf("%v %q: decoded %q (bytes %q), want %q", tc.cs, tc.writes, back, got, tc.want)
		}
	}
}

func TestCharsetWriterPassThrough(t *testing.T) {
	for _, cs := range []i18n.Charset{i18n.CharsetUTF8, i18n.CharsetUnknown, i18n.CharsetOther} {
		if got := encodeAll(t, cs, zhText[:5], zhText[5:]+"\xff"); string(got) != zhText+"\xff" {
			t.Errorf("%v changed the bytes: %q", cs, got)
		}
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

func TestCharsetWriterErrors(t *testing.T) {
	boom := errors.New("boom")
	cw := NewCharsetWriter(failWriter{boom}, i18n.CharsetGBK)
	if n, err := cw.Write([]byte("好")); !errors.Is(err, boom) || n != 0 {
		t.Errorf("Write = %d, %v; want 0, boom", n, err)
	}
	cw = NewCharsetWriter(shortWriter{}, i18n.CharsetGBK)
	if _, err := cw.Write([]byte("好好")); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("short write: %v", err)
	}
	// Holding a character's start writes nothing, so it cannot fail.
	cw = NewCharsetWriter(failWriter{boom}, i18n.CharsetGBK)
	if n, err := cw.Write([]byte("\xe5")); err != nil || n != 1 {
		t.Errorf("held byte: %d, %v", n, err)
	}
	if err := cw.Flush(); !errors.Is(err, boom) {
		t.Errorf("Flush = %v, want boom", err)
	}
}

func TestSetCharset(t *testing.T) {
	ios, _, out, errOut := Test()
	ios.SetCharset(i18n.CharsetGBK)
	ios.SetCharset(i18n.CharsetGBK) // twice: still one encoding
	if ios.Charset() != i18n.CharsetGBK {
		t.Errorf("Charset() = %v", ios.Charset())
	}
	ios.Out.Write([]byte("状"))
	ios.Out.Write([]byte("态\xe5"))
	ios.ErrOut.Write([]byte("错误"))
	if err := ios.Flush(); err != nil {
		t.Fatal(err)
	}
	want, _ := simplifiedchinese.GBK.NewEncoder().String("状态")
	if out.String() != want+"?" {
		t.Errorf("Out = %q, want %q", out.String(), want+"?")
	}
	want, _ = simplifiedchinese.GBK.NewEncoder().String("错误")
	if errOut.String() != want {
		t.Errorf("ErrOut = %q, want %q", errOut.String(), want)
	}
	if ios.DataOut() != out {
		t.Error("DataOut is not the plain stdout")
	}
	ios.SetCharset(i18n.CharsetUTF8)
	if ios.Out != out || ios.ErrOut != errOut || ios.DataOut() != out {
		t.Error("SetCharset(UTF-8) did not restore the plain streams")
	}
	s := System(WithCharset(i18n.CharsetGB18030))
	if _, ok := s.Out.(*CharsetWriter); !ok || s.Charset() != i18n.CharsetGB18030 {
		t.Errorf("System(WithCharset(GB18030)).Out is %T", s.Out)
	}
}

// FuzzCharsetWriter: any bytes, split anywhere, never panic, encode as
// the unsplit bytes do, and decode back to the input where it is UTF-8
// (GB18030), or to as many characters with "?" for those GBK lacks.
func FuzzCharsetWriter(f *testing.F) {
	f.Add([]byte(zhText), 7)
	f.Add([]byte("a\xe4\xb8"), 2)
	f.Add([]byte("😀\xff\xc0"), 1)
	f.Add([]byte("€繁體"), 4)
	f.Fuzz(func(t *testing.T, in []byte, split int) {
		if split < 0 || split > len(in) {
			split = len(in) / 2
		}
		for _, c := range charsets {
			whole := encodeAll(t, c.cs, string(in))
			if got := encodeAll(t, c.cs, string(in[:split]), string(in[split:])); !bytes.Equal(got, whole) {
				t.Fatalf("%v: split at %d: %q, whole %q", c.cs, split, got, whole)
			}
			back, err := c.enc.NewDecoder().Bytes(whole)
			if err != nil {
				t.Fatalf("%v: output does not decode: %v", c.cs, err)
			}
			if !utf8.Valid(in) {
				continue
			}
			switch {
			case c.cs == i18n.CharsetGB18030 && string(back) != withoutPrivateUse(string(in)):
				t.Fatalf("GB18030: %q decoded to %q", in, back)
			case utf8.RuneCount(back) != utf8.RuneCount(in):
				t.Fatalf("%v: %q decoded to %q", c.cs, in, back)
			}
			ib, bb := []rune(string(in)), []rune(string(back))
			for i := range ib {
				if bb[i] != ib[i] && bb[i] != '?' {
					t.Fatalf("%v: %q decoded to %q", c.cs, in, back)
				}
			}
		}
	})
}

// TestGBKLocale is the defect as a user met it: under LANG=zh_CN.GBK the
// Chinese messages reached the terminal as UTF-8 bytes, which a GBK
// terminal shows as garbage. Detected, chosen and written as the app
// does it, they now arrive as GBK; under zh_TW.Big5 the output is
// English with one notice.
func TestGBKLocale(t *testing.T) {
	for _, tc := range []struct {
		env, wantLang string
		dec           *encoding.Decoder
		notices       int
	}{
		{"zh_CN.GBK", "zh_CN.GBK", simplifiedchinese.GBK.NewDecoder(), 0},
		{"zh_CN.GB18030", "zh_CN.GB18030", simplifiedchinese.GB18030.NewDecoder(), 0},
		{"zh_CN", "zh_CN", simplifiedchinese.GBK.NewDecoder(), 0},
		{"zh_TW.Big5", "en", nil, 1},
	} {
		env := map[string]string{"LANG": tc.env}
		cs := i18n.DetectCharset(func(k string) string { return env[k] }, "linux")
		out := i18n.ChooseOutput(tc.env, cs)
		if out.Lang != tc.wantLang || len(out.Notices) != tc.notices {
			t.Errorf("LANG=%s: output %+v", tc.env, out)
			continue
		}
		ios, _, stdout, _ := Test()
		ios.SetCharset(out.Charset)
		msg := i18n.T(out.Lang, "summary.tw.remotes")
		ios.Out.Write([]byte(msg))
		if tc.dec == nil {
			if stdout.String() != msg || msg != i18n.T("en", "summary.tw.remotes") {
				t.Errorf("LANG=%s: %q", tc.env, stdout.String())
			}
			continue
		}
		if utf8.Valid(stdout.Bytes()) {
			t.Errorf("LANG=%s: stdout is UTF-8: %q", tc.env, stdout.String())
		}
		if back, err := tc.dec.Bytes(stdout.Bytes()); err != nil || string(back) != msg {
			t.Errorf("LANG=%s: decodes to %q, %v; want %q", tc.env, back, err, msg)
		}
	}
}

// withoutPrivateUse is s with each private-use character as "?", as the
// writer prints them.
func withoutPrivateUse(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0xE000 && r <= 0xF8FF {
			return '?'
		}
		return r
	}, s)
}
