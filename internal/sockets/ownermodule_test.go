package sockets

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/sockscope/sockscope/internal/errs"
)

// ownerModuleBuf lays out a TCPIP_OWNER_MODULE_BASIC_INFO as
// GetOwnerModuleFrom*Entry fills it at address base: the two pointers,
// then the name and the path as NUL-terminated UTF-16LE. An empty string
// gets a null pointer.
func ownerModuleBuf(base uint64, ptrSize int, name, path string) []byte {
	b := make([]byte, 2*ptrSize)
	put := func(off int, s string) {
		if s == "" {
			return
		}
		p := base + uint64(len(b))
		if ptrSize == 4 {
			binary.LittleEndian.PutUint32(b[off:], uint32(p))
		} else {
			binary.LittleEndian.PutUint64(b[off:], p)
		}
		for _, c := range append(utf16.Encode([]rune(s)), 0) {
			b = binary.LittleEndian.AppendUint16(b, c)
		}
	}
	put(0, name)
	put(ptrSize, path)
	return b
}

func TestDecodeOwnerModule(t *testing.T) {
	for _, tt := range []struct {
		what, name, path string
		ptrSize          int
	}{
		{"a program", "chrome.exe", `C:\Program Files\Google\Chrome\Application\chrome.exe`, 8},
		{"a service in svchost", "RpcSs", "RpcSs", 8},
		{"the kernel", "System", "System", 8},
		{"32-bit pointers", "nginx.exe", `C:\nginx\nginx.exe`, 4},
		{"non-ASCII path", "程序.exe", `C:\用户\程序.exe`, 8},
		{"no path", "Dnscache", "", 8},
	} {
		t.Run(tt.what, func(t *testing.T) {
			base := uint64(0x0000_02a1_4c3e_1000)
			if tt.ptrSize == 4 {
				base = 0x4c3e_1000
			}
			name, path, err := decodeOwnerModule(ownerModuleBuf(base, tt.ptrSize, tt.name, tt.path), base, tt.ptrSize)
			if err != nil || name != tt.name || path != tt.path {
				t.Errorf("got %q, %q, %v; want %q, %q", name, path, err, tt.name, tt.path)
			}
		})
	}
}

func TestDecodeOwnerModuleMalformed(t *testing.T) {
	const base = 0x10000
	good := ownerModuleBuf(base, 8, "svc", `C:\x\svc.exe`)
	for _, tt := range []struct {
		what string
		buf  []byte
	}{
		{"shorter than the pointers", good[:15]},
		{"name points before the buffer", withPtr(good, 0, base-2)},
		{"path points past the buffer", withPtr(good, 8, base+uint64(len(good)))},
		{"odd pointer", withPtr(good, 0, base+17)},
		{"no NUL", good[:len(good)-2]},
		{"huge pointer", withPtr(good, 0, math.MaxUint64)},
	} {
		t.Run(tt.what, func(t *testing.T) {
			if _, _, err := decodeOwnerModule(tt.buf, base, 8); !errors.Is(err, errs.ErrMalformed) {
				t.Errorf("err = %v, want errs.ErrMalformed", err)
			}
		})
	}
	if _, _, err := decodeOwnerModule(good, base, 2); !errors.Is(err, errs.ErrMalformed) {
		t.Errorf("pointer size 2: err = %v, want errs.ErrMalformed", err)
	}
}

func withPtr(b []byte, off int, p uint64) []byte {
	b = append([]byte(nil), b...)
	binary.LittleEndian.PutUint64(b[off:], p)
	return b
}

func FuzzDecodeOwnerModule(f *testing.F) {
	f.Add(ownerModuleBuf(0x1000, 8, "RpcSs", "RpcSs"), uint64(0x1000), true)
	f.Add(ownerModuleBuf(0x1000, 4, "a.exe", `C:\a.exe`), uint64(0x1000), false)
	f.Add([]byte{}, uint64(0), true)
	f.Fuzz(func(t *testing.T, b []byte, base uint64, wide bool) {
		ptrSize := 4
		if wide {
			ptrSize = 8
		}
		name, path, err := decodeOwnerModule(b, base, ptrSize)
		if err != nil && (name != "" || path != "") {
			t.Errorf("error %v with strings %q %q", err, name, path)
		}
	})
}

func TestModuleService(t *testing.T) {
	for _, tt := range []struct{ name, path, want string }{
		{"chrome.exe", `C:\Program Files\Google\Chrome\Application\chrome.exe`, ""},
		{"CHROME.EXE", `C:\Program Files\Google\Chrome\Application\chrome.exe`, ""},
		{"RpcSs", "RpcSs", "RpcSs"},
		{"Dnscache", `C:\Windows\system32\svchost.exe`, "Dnscache"},
		{"Dnscache", "", "Dnscache"},
		{"System", "System", ""},
		{"lsass.exe", "lsass.exe", ""},
		{"app.exe", `C:\tools\app-1.2.exe`, ""}, // an .exe is a program, whatever its path
		{"node", `C:\tools\node`, ""},           // an image without .exe
		{"Spooler", `C:\Windows\System32\spoolsv.exe`, "Spooler"},
		{"", "", ""},
	} {
		if got := moduleService(tt.name, tt.path); got != tt.want {
			t.Errorf("moduleService(%q, %q) = %q, want %q", tt.name, tt.path, got, tt.want)
		}
	}
}

func TestUnixNanoOfFiletime(t *testing.T) {
	for _, tt := range []struct {
		ft   uint64
		want int64
	}{
		{0, 0},
		{filetimeUnixEpoch, 0}, // the epoch itself: no socket then; reads as unknown
		{filetimeUnixEpoch + 1, 100},
		// 2026-12-02 16:46:42 UTC, 133777... as FILETIME
		{filetimeUnixEpoch + uint64(time.Date(2026, 12, 2, 16, 46, 42, 0, time.UTC).UnixNano()/100),
			time.Date(2026, 12, 2, 16, 46, 42, 0, time.UTC).UnixNano()},
		{filetimeUnixEpoch - 1, 0},
		{math.MaxUint64, 0}, // past 2262
	} {
		if got := unixNanoOfFiletime(tt.ft); got != tt.want {
			t.Errorf("unixNanoOfFiletime(%d) = %d, want %d", tt.ft, got, tt.want)
		}
	}
}

// TestDecodeMIBCreated: every row's liCreateTimestamp becomes Created, at
// the offset of its row type (putOwner writes 0x01da<<48 | PID, a time in
// 2023).
func TestDecodeMIBCreated(t *testing.T) {
	for _, fx := range mibFixtures {
		var socks []Socket
		var err error
		if fx.udp {
			socks, err = appendMIBTableOf(nil, fx.data, UDP, fx.fam)
		} else {
			socks, err = appendMIBTableOf(nil, fx.data, TCP, fx.fam)
		}
		if err != nil {
			t.Fatalf("%s: %v", fx.file, err)
		}
		for i, s := range socks {
			var pid uint64
			if len(s.Processes) > 0 {
				pid = uint64(s.Processes[0].Info.PID)
			}
			want := unixNanoOfFiletime(0x01da_0000_0000_0000 | pid)
			if s.Created != want || time.Unix(0, s.Created).UTC().Year() != 2023 {
				t.Errorf("%s row %d: Created = %d (%v), want %d", fx.file, i, s.Created, time.Unix(0, s.Created).UTC(), want)
			}
		}
	}
}
