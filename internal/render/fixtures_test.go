package render

import (
	"net/netip"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The fixture listing of the golden tests: one socket of every shape a
// table has to handle, each commented with why it is there.

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

var (
	sshd = sockets.Process{Info: &sockets.ProcessInfo{PID: 812, PPID: 1, Name: "sshd", Exe: "/usr/sbin/sshd",
		Cmdline: []string{"sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"},
		User:    "root", Cgroup: "/system.slice/ssh.service", Unit: "ssh.service"}, FD: 3}
	nginxMaster = sockets.Process{Info: &sockets.ProcessInfo{PID: 1234, PPID: 1, Name: "nginx", Exe: "/usr/sbin/nginx",
		Cmdline: []string{"nginx: master process /usr/sbin/nginx", "-g", "daemon on;"},
		User:    "root", Cgroup: "/system.slice/nginx.service", Unit: "nginx.service"}, FD: 6}
	nginxWorker = sockets.Process{Info: &sockets.ProcessInfo{PID: 1240, PPID: 1234, Name: "nginx", Exe: "/usr/sbin/nginx",
		Cmdline: []string{"nginx: worker process"}, UID: 33, User: "www-data",
		Cgroup: "/system.slice/nginx.service", Unit: "nginx.service"}, FD: 6}
	firefox = sockets.Process{Info: &sockets.ProcessInfo{PID: 2001, PPID: 1900, Name: "firefox", Exe: "/usr/lib/firefox/firefox",
		Cmdline: []string{"/usr/lib/firefox/firefox", "-new-window"}, UID: 1000, User: "alice",
		Cgroup: "/user.slice/user-1000.slice/session-2.scope"}, FD: 87}
	miner = sockets.Process{Info: &sockets.ProcessInfo{PID: 4242, PPID: 1, Name: "kworker/0:1", Exe: "/tmp/.x/miner", ExeDeleted: true,
		Cmdline: []string{"/tmp/.x/miner", "--pool", "10.0.0.9:40000"}, UID: 1000, User: "alice",
		Cgroup: "/system.slice/docker-0123456789ab.scope", Container: "0123456789ab"}, FD: 4}
	avahi = sockets.Process{Info: &sockets.ProcessInfo{PID: 600, PPID: 1, Name: "avahi-daemon", Exe: "/usr/sbin/avahi-daemon",
		Cmdline: []string{"avahi-daemon: running [host.local]"}, UID: 108, User: "avahi",
		Unit: "avahi-daemon.service"}, FD: 12}
	dbus = sockets.Process{Info: &sockets.ProcessInfo{PID: 700, PPID: 1, Name: "dbus-daemon", Exe: "/usr/bin/dbus-daemon",
		Cmdline: []string{"/usr/bin/dbus-daemon", "--system"}, UID: 101, User: "messagebus",
		Unit: "dbus.service"}, FD: 4}
	systemd = sockets.Process{Info: &sockets.ProcessInfo{PID: 1, Name: "systemd", Exe: "/usr/lib/systemd/systemd",
		Cmdline: []string{"/sbin/init"}, User: "root", Unit: "init.scope"}, FD: 40}
	xorg = sockets.Process{Info: &sockets.ProcessInfo{PID: 1500, PPID: 1400, Name: "Xorg", Exe: "/usr/lib/xorg/Xorg",
		Cmdline: []string{"/usr/lib/xorg/Xorg", ":0"}, User: "root"}, FD: 5}
)

func procs(ps ...sockets.Process) []sockets.Process { return ps }

func fixture() []sockets.Socket {
	const ns = 4026531840
	off := sockets.Timer{Kind: sockets.TimerOff}
	return []sockets.Socket{
		// IPv4 listener with a systemd service (Windows -b prints the unit).
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Listen, Local: ap("0.0.0.0:22"),
			Remote: ap("0.0.0.0:0"), SendQ: 128, Inode: 1001, NetNS: ns, Processes: procs(sshd), Timer: off},
		// IPv6 listener shared by two processes after fork.
		{Proto: sockets.TCP, Family: sockets.Inet6, State: sockets.Listen, Local: ap("[::]:80"),
			Remote: ap("[::]:0"), SendQ: 511, Inode: 1002, NetNS: ns, Processes: procs(nginxMaster, nginxWorker), Timer: off},
		// An established connection out, with queued data.
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established, Local: ap("192.168.1.10:51234"),
			Remote: ap("93.184.216.34:443"), SendQ: 37, Inode: 2001, UID: 1000, NetNS: ns,
			Cookie: 77, Processes: procs(firefox), Timer: sockets.Timer{Kind: sockets.TimerKeepalive, Expires: 7170245}},
		// TIME_WAIT: the kernel holds it, no process, inode 0.
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.TimeWait, Local: ap("127.0.0.1:45678"),
			Remote: ap("127.0.0.1:8080"), NetNS: ns, Timer: sockets.Timer{Kind: sockets.TimerTimeWait, Expires: 46650}},
		// IPv6 with addresses too long for net-tools' 23 columns.
		{Proto: sockets.TCP, Family: sockets.Inet6, State: sockets.Established, Local: ap("[2001:db8::10]:443"),
			Remote: ap("[2001:db8:aaaa:bbbb:cccc:dddd:eeee:1]:60000"), RecvQ: 5, Inode: 1003, UID: 33,
			NetNS: ns, Processes: procs(nginxWorker), Timer: sockets.Timer{Kind: sockets.TimerOn, Retrans: 1, Expires: 204}},
		// Link-local IPv6 on interface 2.
		{Proto: sockets.TCP, Family: sockets.Inet6, State: sockets.Established, Local: ap("[fe80::1]:22"),
			Remote: ap("[fe80::abcd]:50000"), Zone: 2, Inode: 1004, NetNS: ns, Processes: procs(sshd), Timer: off},
		// A deleted executable holding a connection its peer closed; its
		// source reports no timers.
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.CloseWait, Local: ap("10.0.0.5:8080"),
			Remote: ap("10.0.0.9:40000"), RecvQ: 1, Inode: 1005, UID: 1000, NetNS: ns, Processes: procs(miner)},
		// A handshake in progress (magenta).
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.SynSent, Local: ap("10.0.0.5:40100"),
			Remote: ap("10.0.0.7:5432"), SendQ: 1, Inode: 1006, UID: 1000, NetNS: ns, Processes: procs(firefox),
			Timer: sockets.Timer{Kind: sockets.TimerOn, Retrans: 2, Expires: 3000}},
		// A socket whose holder this user cannot see (inode set, no
		// process), probing a zero window.
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established, Local: ap("127.0.0.1:631"),
			Remote: ap("127.0.0.1:40222"), Inode: 1007, NetNS: ns,
			Timer: sockets.Timer{Kind: sockets.TimerProbe, Probes: 1, Expires: 5000}},
		// Unconnected UDP, IPv4 and IPv6.
		{Proto: sockets.UDP, Family: sockets.Inet, State: sockets.Close, Local: ap("0.0.0.0:5353"),
			Remote: ap("0.0.0.0:0"), Inode: 1010, UID: 108, NetNS: ns, Processes: procs(avahi), Timer: off},
		{Proto: sockets.UDP, Family: sockets.Inet6, State: sockets.Close, Local: ap("[::1]:15354"),
			Remote: ap("[::]:0"), Inode: 1011, NetNS: ns, Processes: procs(avahi), Timer: off},
		// Connected UDP.
		{Proto: sockets.UDP, Family: sockets.Inet, State: sockets.Established, Local: ap("127.0.0.1:36201"),
			Remote: ap("127.0.0.53:53"), Inode: 1012, UID: 1000, NetNS: ns, Processes: procs(firefox), Timer: off},
		// Raw ICMP: the "port" is the protocol number.
		{Proto: sockets.Raw, Family: sockets.Inet, State: sockets.Close, Local: ap("0.0.0.0:1"),
			Remote: ap("0.0.0.0:0"), Inode: 1013, NetNS: ns, Timer: off},
		// Unix: a path listener, a connected client with a known peer, a
		// datagram socket, an abstract listener.
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Listen,
			Path: "/run/dbus/system_bus_socket", Inode: 3001, UID: 101, NetNS: ns, Processes: procs(dbus)},
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Established,
			PeerPath: "/run/dbus/system_bus_socket", Peer: 3003, Inode: 3002, NetNS: ns, Processes: procs(systemd)},
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Dgram, State: sockets.Close,
			Path: "/run/systemd/notify", Inode: 3004, NetNS: ns, Processes: procs(systemd)},
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Listen,
			Path: "@/tmp/.X11-unix/X0", Inode: 3005, NetNS: ns, Processes: procs(xorg)},
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.SeqPacket, State: sockets.Close,
			Inode: 3006, NetNS: ns},
	}
}

// fakeNamer names a few hosts and the usual ports, as a cache filled by
// the CLI would.
type fakeNamer struct{}

var fakeHosts = map[netip.Addr]string{
	netip.MustParseAddr("93.184.216.34"):                       "example.com",
	netip.MustParseAddr("127.0.0.1"):                           "localhost",
	netip.MustParseAddr("10.0.0.9"):                            "pool.mining.example.net",
	netip.MustParseAddr("2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"): "a-very-long-client-host-name.customers.example.org",
}

var fakeServices = map[uint16]string{22: "ssh", 53: "domain", 80: "http", 443: "https", 5353: "mdns",
	8080: "http-alt", 631: "ipp", 5432: "postgresql"}

func (fakeNamer) Host(a netip.Addr) string {
	if !a.IsValid() || a.IsUnspecified() {
		panic("Host called with an unspecified address")
	}
	return fakeHosts[a]
}

func (fakeNamer) Service(port uint16, p sockets.Proto) string {
	if port == 0 || p == sockets.Raw {
		panic("Service called with port 0 or a raw socket")
	}
	return fakeServices[port]
}

func (fakeNamer) Interface(index uint32) string {
	if index == 2 {
		return "eth0"
	}
	return ""
}
