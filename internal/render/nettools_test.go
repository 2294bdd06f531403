package render

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The files in testdata/nettools are the output of net-tools netstat 2.10
// (Debian 12) on a test machine, captured while a small program held the
// sockets that nettoolsSockets describes (see testdata/nettools/README).
// The linux style must reproduce them byte for byte.

func nettoolsSockets() []sockets.Socket {
	fix := sockets.Process{Info: &sockets.ProcessInfo{PID: 7139, Name: "sockfix", Exe: "/tmp/sockfix/sockfix", Cmdline: []string{"./sockfix"}}}
	p := procs(fix)
	tcp := func(fam sockets.Family, st sockets.State, l, r string, ino uint64, ps []sockets.Process) sockets.Socket {
		return sockets.Socket{Proto: sockets.TCP, Family: fam, State: st, Local: ap(l), Remote: ap(r), Inode: ino, Processes: ps}
	}
	udp := func(fam sockets.Family, st sockets.State, l, r string, ino uint64) sockets.Socket {
		return sockets.Socket{Proto: sockets.UDP, Family: fam, State: st, Local: ap(l), Remote: ap(r), Inode: ino, Processes: p}
	}
	unix := func(typ sockets.SockType, st sockets.State, path string, ino uint64, ps []sockets.Process) sockets.Socket {
		return sockets.Socket{Proto: sockets.Unix, Family: sockets.Local, Type: typ, State: st, Path: path, Inode: ino, Processes: ps}
	}
	v4, v6 := sockets.Inet, sockets.Inet6
	// Listeners carry their backlog as send queue, as sock_diag reports
	// it; net-tools, reading /proc/net/tcp, prints 0.
	backlog := func(s sockets.Socket, n uint32) sockets.Socket { s.SendQ = n; return s }
	return []sockets.Socket{
		backlog(tcp(v4, sockets.Listen, "0.0.0.0:2024", "0.0.0.0:0", 1061, nil), 128),
		backlog(tcp(v4, sockets.Listen, "127.0.0.1:18080", "0.0.0.0:0", 11371, p), 4096),
		tcp(v4, sockets.Established, "127.0.0.1:59324", "127.0.0.1:18080", 11377, p),
		tcp(v4, sockets.Established, "127.0.0.1:18080", "127.0.0.1:59324", 10784, p),
		backlog(tcp(v6, sockets.Listen, "[::]:18443", "[::]:0", 11375, p), 4096),
		tcp(v6, sockets.Established, "[::1]:34238", "[::1]:18443", 10786, p),
		tcp(v6, sockets.Established, "[::1]:18443", "[::1]:34238", 11378, p),
		udp(v4, sockets.Close, "0.0.0.0:15353", "0.0.0.0:0", 10787),
		udp(v4, sockets.Established, "127.0.0.1:36201", "127.0.0.1:15353", 10789),
		udp(v6, sockets.Close, "[::1]:15354", "[::]:0", 10788),
		unix(sockets.Stream, sockets.Established, "", 1058, nil),
		unix(sockets.Stream, sockets.Established, "", 10791, p),
		unix(sockets.Stream, sockets.Established, "/tmp/sockfix/s.sock", 11379, p),
		unix(sockets.Stream, sockets.Established, "", 1057, nil),
		unix(sockets.Stream, sockets.Listen, "/tmp/sockfix/s.sock", 10790, p),
		unix(sockets.Dgram, sockets.Close, "/tmp/sockfix/d.sock", 10793, p),
		unix(sockets.Stream, sockets.Listen, "@sockfix-abstract", 10792, p),
	}
}

// localhostNamer resolves what that machine resolved: 127.0.0.1 only, and
// no service names for those ports.
type localhostNamer struct{}

func (localhostNamer) Host(a netip.Addr) string {
	if a == netip.MustParseAddr("127.0.0.1") {
		return "localhost"
	}
	return ""
}
func (localhostNamer) Service(uint16, sockets.Proto) string { return "" }

func TestNetToolsParity(t *testing.T) {
	tcpudp := sockets.ProtoSet(0).With(sockets.TCP).With(sockets.UDP)
	unixOnly := sockets.ProtoSet(0).With(sockets.Unix)
	for _, tc := range []struct {
		file string
		opts Options
	}{
		{"tuanpe.txt", Options{All: true, ShowProgram: true, Extended: true, Protos: tcpudp}},
		{"tua.txt", Options{All: true, Namer: localhostNamer{}, Protos: tcpudp}},
		{"tulp.txt", Options{ListeningOnly: true, ShowProgram: true, Namer: localhostNamer{}, Protos: tcpudp}},
		{"tun.txt", Options{Protos: tcpudp}},
		{"xap.txt", Options{All: true, ShowProgram: true, Namer: localhostNamer{}, Protos: unixOnly}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", "nettools", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			tc.opts.Style = Linux
			var buf bytes.Buffer
			if err := Write(&buf, nettoolsSelect(nettoolsSockets(), &tc.opts), Meta{}, tc.opts); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("differs from net-tools:\n%s", lineDiff(string(want), buf.String()))
			}
		})
	}
}

// nettoolsSelect keeps what netstat would list for those options: the
// protocols asked for, and listeners only (-l), all (-a) or no listeners.
func nettoolsSelect(socks []sockets.Socket, o *Options) []sockets.Socket {
	var out []sockets.Socket
	for _, s := range socks {
		if !o.Protos.Has(s.Proto) {
			continue
		}
		listening := s.State == sockets.Listen || s.State == sockets.Close
		if o.All || listening == o.ListeningOnly {
			out = append(out, s)
		}
	}
	return out
}

// The files in testdata/windows are Windows netstat output assembled from
// published captures of `netstat -an`, `-abno` and, in Chinese, `-ano`
// (see testdata/windows/README); the windows style must reproduce them
// byte for byte.

func windowsSockets() []sockets.Socket {
	sshd := sockets.Process{Info: &sockets.ProcessInfo{PID: 2016, Name: "sshd.exe", Exe: `C:\Windows\System32\OpenSSH\sshd.exe`}}
	rpc := sockets.Process{Info: &sockets.ProcessInfo{PID: 924, Name: "svchost.exe", Exe: `C:\Windows\System32\svchost.exe`, Unit: "RpcSs"}}
	system := sockets.Process{Info: &sockets.ProcessInfo{PID: 4, Name: "System"}}
	chrome := sockets.Process{Info: &sockets.ProcessInfo{PID: 4321, Name: "chrome.exe", Exe: `C:\Program Files\Google\Chrome\Application\chrome.exe`}}
	svc := sockets.Process{Info: &sockets.ProcessInfo{PID: 1036, Name: "svchost.exe", Exe: `C:\Windows\System32\svchost.exe`}}
	tcp := func(st sockets.State, l, r string, p sockets.Process) sockets.Socket {
		fam := sockets.Inet
		if ap(l).Addr().Is6() {
			fam = sockets.Inet6
		}
		return sockets.Socket{Proto: sockets.TCP, Family: fam, State: st, Local: ap(l), Remote: ap(r), Processes: procs(p)}
	}
	return []sockets.Socket{
		tcp(sockets.Listen, "0.0.0.0:22", "0.0.0.0:0", sshd),
		tcp(sockets.Listen, "0.0.0.0:135", "0.0.0.0:0", rpc),
		tcp(sockets.Listen, "0.0.0.0:445", "0.0.0.0:0", system),
		tcp(sockets.Established, "10.20.30.130:22", "10.20.30.1:39956", sshd),
		tcp(sockets.Listen, "[::]:135", "[::]:0", rpc),
		{Proto: sockets.UDP, Family: sockets.Inet, State: sockets.Close, Local: ap("0.0.0.0:5353"),
			Remote: ap("0.0.0.0:0"), Processes: procs(chrome)},
		{Proto: sockets.UDP, Family: sockets.Inet6, State: sockets.Close, Local: ap("[::1]:62261"),
			Remote: ap("[::]:0"), Processes: procs(svc)},
	}
}

func TestWindowsParity(t *testing.T) {
	for _, tc := range []struct {
		file string
		opts Options
	}{
		{"an.txt", Options{}},
		{"abno.txt", Options{ShowPID: true, ShowExe: true}},
		{"zh-ano.txt", Options{ShowPID: true, Lang: "zh-CN"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", "windows", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			tc.opts.Style = Windows
			var buf bytes.Buffer
			if err := Write(&buf, windowsSockets(), Meta{}, tc.opts); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("differs from Windows netstat:\n%s", lineDiff(string(want), buf.String()))
			}
		})
	}
}
