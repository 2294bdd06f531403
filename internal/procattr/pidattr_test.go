package procattr

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"
	"unicode/utf16"

	"github.com/sockscope/sockscope/internal/sockets"
)

// winSockets is what the Windows source gives: each socket's owner by PID,
// one ProcessInfo per PID and service (the svchost sockets of RpcSs and of
// Dnscache share PID 1004 but not their ProcessInfo), PID 0 with no holder.
func winSockets() []sockets.Socket {
	rpc := &sockets.ProcessInfo{PID: 1004, Unit: "RpcSs"}
	dns := &sockets.ProcessInfo{PID: 1004, Unit: "Dnscache"}
	chrome := &sockets.ProcessInfo{PID: 4242}
	system := &sockets.ProcessInfo{PID: 4}
	late := &sockets.ProcessInfo{PID: 7777}
	gone := &sockets.ProcessInfo{PID: 8888}
	owned := func(p *sockets.ProcessInfo) []sockets.Process { return []sockets.Process{{Info: p}} }
	return []sockets.Socket{
		{Processes: owned(rpc)},    // 0: 0.0.0.0:135
		{Processes: owned(dns)},    // 1: 0.0.0.0:53
		{Processes: owned(chrome)}, // 2
		{Processes: owned(chrome)}, // 3: a second socket of chrome
		{Processes: owned(system)}, // 4: 0.0.0.0:445
		{},                         // 5: TIME_WAIT
		{Processes: owned(late)},   // 6: a process started after the snapshot
		{Processes: owned(gone)},   // 7: a process that exited meanwhile
	}
}

// winProcs is the process snapshot of winSockets' machine.
func winProcs() map[int32]*sockets.ProcessInfo {
	return map[int32]*sockets.ProcessInfo{
		4:    {PID: 4, Name: "System", UID: sockets.NoUID},
		1004: {PID: 1004, PPID: 700, Name: "svchost.exe", UID: sockets.NoUID},
		4242: {PID: 4242, PPID: 4000, Name: "chrome.exe", UID: sockets.NoUID},
		8888: {PID: 8888, PPID: 1, Name: "old.exe", UID: sockets.NoUID},
	}
}

// fakeLoad loads details as an unelevated user would: its own processes
// (chrome, and the late one) are readable, the system's are denied, and
// 8888 is gone.
func fakeLoad(calls *[]int32) func(p *sockets.ProcessInfo) error {
	return func(p *sockets.ProcessInfo) error {
		*calls = append(*calls, p.PID)
		switch p.PID {
		case 4242:
			p.Exe = `C:\Program Files\Google\Chrome\Application\chrome.exe`
			p.Cmdline = []string{p.Exe, "--type=utility"}
			p.User = `DESKTOP-1\ana`
		case 7777:
			p.Exe, p.User = `C:\tools\late.exe`, `DESKTOP-1\ana`
		case 4, 1004:
			return errDenied
		default:
			return errors.New("the parameter is incorrect")
		}
		return nil
	}
}

func TestPIDTableAttribute(t *testing.T) {
	socks := winSockets()
	var calls []int32
	res := (&Holders{pids: &pidTable{procs: winProcs(), load: fakeLoad(&calls)}}).Attribute(socks)

	if want := (Result{Unreadable: 2, Unattributed: 3, Processes: 4}); res != want {
		t.Errorf("result = %+v, want %+v (denied: System and svchost, holding 3 sockets)", res, want)
	}
	slices.Sort(calls)
	if want := []int32{4, 1004, 4242, 7777, 8888}; !slices.Equal(calls, want) {
		t.Errorf("loaded PIDs %v, want each owner once: %v", calls, want)
	}
	for i, want := range []struct {
		pid        int32
		name, unit string
		ppid       int32
		exe, user  string
	}{
		{1004, "svchost.exe", "RpcSs", 700, "", ""},
		{1004, "svchost.exe", "Dnscache", 700, "", ""},
		{4242, "chrome.exe", "", 4000, `C:\Program Files\Google\Chrome\Application\chrome.exe`, `DESKTOP-1\ana`},
		{4242, "chrome.exe", "", 4000, `C:\Program Files\Google\Chrome\Application\chrome.exe`, `DESKTOP-1\ana`},
		{4, "System", "", 0, "", ""},
		{},
		{7777, "", "", 0, `C:\tools\late.exe`, `DESKTOP-1\ana`},
		{8888, "old.exe", "", 1, "", ""},
	} {
		s := &socks[i]
		if want.pid == 0 {
			if len(s.Processes) != 0 {
				t.Errorf("socket %d: holders %v, want none", i, s.Processes)
			}
			continue
		}
		if len(s.Processes) != 1 {
			t.Fatalf("socket %d: %d holders, want 1", i, len(s.Processes))
		}
		p := s.Processes[0]
		if p.Info.PID != want.pid || p.Info.Name != want.name || p.Info.Unit != want.unit || p.Info.PPID != want.ppid || p.Info.Exe != want.exe || p.Info.User != want.user || p.Info.UID != sockets.NoUID {
			t.Errorf("socket %d: got %+v, want %+v", i, *p.Info, want)
		}
	}
	if socks[2].Processes[0].Info != socks[3].Processes[0].Info {
		t.Error("two sockets of one process no longer share its ProcessInfo")
	}
}

// TestPIDTableNoDetails: without Options.Details nothing is opened; names
// and parents come from the snapshot, and nothing counts as unreadable.
func TestPIDTableNoDetails(t *testing.T) {
	socks := winSockets()
	res := (&Holders{pids: &pidTable{procs: winProcs()}}).Attribute(socks)
	if res != (Result{Processes: 4}) {
		t.Errorf("result = %+v, want nothing unreadable", res)
	}
	if p := socks[0].Processes[0]; p.Info.Name != "svchost.exe" || p.Info.Unit != "RpcSs" || p.Info.PPID != 700 {
		t.Errorf("svchost socket: %+v", *p.Info)
	}
	if p := socks[6].Processes[0]; p.Info.PID != 7777 || p.Info.Name != "" {
		t.Errorf("a PID missing from the snapshot: %+v, want the source's PID alone", *p.Info)
	}
}

// unicodeStringBuf lays out a UNICODE_STRING and its text as
// NtQueryInformationProcess fills it at address base.
func unicodeStringBuf(base uint64, ptrSize int, s string) []byte {
	b := make([]byte, 2*ptrSize)
	u := utf16.Encode([]rune(s))
	binary.LittleEndian.PutUint16(b, uint16(2*len(u)))
	binary.LittleEndian.PutUint16(b[2:], uint16(2*len(u)+2))
	p := base + uint64(len(b))
	if ptrSize == 4 {
		binary.LittleEndian.PutUint32(b[4:], uint32(p))
	} else {
		binary.LittleEndian.PutUint64(b[8:], p)
	}
	for _, c := range append(u, 0) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

func TestDecodeUnicodeString(t *testing.T) {
	for _, tt := range []struct {
		text    string
		ptrSize int
		base    uint64
	}{
		{`"C:\Program Files\app\app.exe" --flag "a b"`, 8, 0x7ff6_0000_1000},
		{`C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, 4, 0x0040_1000},
		{`C:\用户\程序.exe`, 8, 0x1000},
		{"", 8, 0x1000},
	} {
		got, err := decodeUnicodeString(unicodeStringBuf(tt.base, tt.ptrSize, tt.text), tt.base, tt.ptrSize)
		if err != nil || got != tt.text {
			t.Errorf("got %q, %v; want %q", got, err, tt.text)
		}
	}
	good := unicodeStringBuf(0x1000, 8, "abc")
	bad := func(edit func(b []byte)) []byte {
		b := slices.Clone(good)
		edit(b)
		return b
	}
	for name, b := range map[string][]byte{
		"short":             good[:12],
		"odd length":        bad(func(b []byte) { binary.LittleEndian.PutUint16(b, 5) }),
		"length past end":   bad(func(b []byte) { binary.LittleEndian.PutUint16(b, 200) }),
		"pointer before":    bad(func(b []byte) { binary.LittleEndian.PutUint64(b[8:], 0x0ffe) }),
		"pointer past end":  bad(func(b []byte) { binary.LittleEndian.PutUint64(b[8:], 0x1000+uint64(len(good))+2) }),
		"pointer wraps":     bad(func(b []byte) { binary.LittleEndian.PutUint64(b[8:], ^uint64(1)) }),
		"odd pointer":       bad(func(b []byte) { binary.LittleEndian.PutUint64(b[8:], 0x1011) }),
		"null with a count": bad(func(b []byte) { binary.LittleEndian.PutUint64(b[8:], 0) }),
	} {
		if s, err := decodeUnicodeString(b, 0x1000, 8); err == nil {
			t.Errorf("%s: got %q and no error", name, s)
		}
	}
}

func FuzzDecodeUnicodeString(f *testing.F) {
	f.Add(unicodeStringBuf(0x1000, 8, `C:\a.exe -x`), uint64(0x1000), true)
	f.Add(unicodeStringBuf(0x1000, 4, `b`), uint64(0x1000), false)
	f.Add([]byte{}, uint64(0), true)
	f.Fuzz(func(t *testing.T, b []byte, base uint64, wide bool) {
		ptrSize := 4
		if wide {
			ptrSize = 8
		}
		s, err := decodeUnicodeString(b, base, ptrSize)
		if err != nil && s != "" {
			t.Errorf("error %v with text %q", err, s)
		}
		if len(s) > 3*len(b) {
			t.Errorf("%d bytes of text from a %d-byte buffer", len(s), len(b))
		}
	})
}
