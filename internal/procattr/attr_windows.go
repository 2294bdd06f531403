package procattr

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/sockscope/sockscope/internal/sockets"
)

// tuning is embedded in Options; there is nothing to tune here.
//
//lint:ignore U1000 embedded in Options for the Linux implementation's tests
type tuning struct{}

// attribute is scan followed by Holders.Attribute.
func attribute(ctx context.Context, socks []sockets.Socket, opts Options) (Result, error) {
	h, err := scan(ctx, opts)
	if h == nil {
		return Result{}, err
	}
	return h.Attribute(socks), err
}

// scan takes a snapshot of every process (CreateToolhelp32Snapshot: PID,
// parent and image name, which needs no privilege); the sockets already
// carry their owners' PIDs, so Holders.Attribute only fills in their data.
// With Options.Details it also opens each owner once, when attributing,
// for its exe path, command line and user.
func scan(ctx context.Context, opts Options) (*Holders, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	procs, err := processSnapshot()
	if err != nil {
		return nil, err
	}
	t := &pidTable{procs: procs}
	if opts.Details {
		t.load = (&winLoader{accounts: make(map[string]string)}).load
	}
	return &Holders{pids: t}, nil
}

// processSnapshot returns every process by PID, with PPID and Name (the
// image's file name, "svchost.exe") set and UID unknown (Windows has SIDs,
// not uids).
func processSnapshot() (map[int32]*sockets.ProcessInfo, error) {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil, fmt.Errorf("CreateToolhelp32Snapshot: %w", err)
	}
	defer windows.CloseHandle(snap)
	procs := make(map[int32]*sockets.ProcessInfo)
	e := windows.ProcessEntry32{Size: uint32(unsafe.Sizeof(windows.ProcessEntry32{}))}
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		pid := int32(e.ProcessID)
		procs[pid] = &sockets.ProcessInfo{
			PID:  pid,
			PPID: int32(e.ParentProcessID),
			Name: windows.UTF16ToString(e.ExeFile[:]),
			UID:  sockets.NoUID,
		}
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return nil, fmt.Errorf("Process32Next: %w", err)
	}
	return procs, nil
}

// winLoader reads a process's details through a handle with
// PROCESS_QUERY_LIMITED_INFORMATION, the least access that gives them,
// and names users once per SID.
type winLoader struct {
	mu       sync.Mutex
	accounts map[string]string // SID string → DOMAIN\user
}

// load fills p's Exe (QueryFullProcessImageName), Cmdline
// (NtQueryInformationProcess, ProcessCommandLineInformation) and User
// (the token's SID, looked up). It returns errDenied if the process may
// not be opened: without elevation, other users' and the system's
// processes. What fails after the open is left empty.
func (l *winLoader) load(p *sockets.ProcessInfo) error {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(p.PID))
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		return errDenied
	}
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	p.Exe = imageName(h)
	if cmd, err := commandLine(h); err == nil && cmd != "" {
		if args, err := windows.DecomposeCommandLine(cmd); err == nil {
			p.Cmdline = args
		}
	}
	var tok windows.Token
	if windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok) == nil {
		if u, err := tok.GetTokenUser(); err == nil {
			p.User = l.account(u.User.Sid)
		}
		tok.Close()
	}
	return nil
}

// imageName returns the full path of process h's executable, "" if it
// cannot be read (the System process has none).
func imageName(h windows.Handle) string {
	for _, size := range [...]uint32{windows.MAX_PATH, windows.MAX_LONG_PATH} {
		buf := make([]uint16, size)
		n := size
		err := windows.QueryFullProcessImageName(h, 0, &buf[0], &n)
		if err == nil {
			return windows.UTF16ToString(buf[:n])
		}
		if !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) {
			break
		}
	}
	return ""
}

// account returns DOMAIN\user for sid ("NT AUTHORITY\SYSTEM"), or the
// SID's string form if it has no name.
func (l *winLoader) account(sid *windows.SID) string {
	key := sid.String()
	l.mu.Lock()
	defer l.mu.Unlock()
	if name, ok := l.accounts[key]; ok {
		return name
	}
	name := key
	if user, domain, _, err := sid.LookupAccount(""); err == nil {
		name = user
		if domain != "" {
			name = domain + `\` + user
		}
	}
	l.accounts[key] = name
	return name
}

// commandLine returns the command line of process h.
func commandLine(h windows.Handle) (string, error) {
	buf := make([]uint64, 64) // 512 bytes; uint64 for the pointer's alignment
	for range 3 {
		var need uint32
		size := uint32(len(buf) * 8)
		err := windows.NtQueryInformationProcess(h, windows.ProcessCommandLineInformation, unsafe.Pointer(&buf[0]), size, &need)
		if err == nil {
			if need == 0 || need > size {
				need = size // the length written, where the call says it
			}
			b := unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), need)
			return decodeUnicodeString(b, uint64(uintptr(unsafe.Pointer(&buf[0]))), int(unsafe.Sizeof(uintptr(0))))
		}
		if need <= size {
			return "", err
		}
		buf = make([]uint64, (need+7)/8)
	}
	return "", errors.New("NtQueryInformationProcess: command line keeps growing")
}
