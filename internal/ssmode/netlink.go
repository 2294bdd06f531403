package ssmode

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"

	"github.com/sockscope/sockscope/internal/sockets"
)

// protoNetlink marks a netlink socket read from /proc/net/netlink among
// the sockets a Table lays out: sockets.Socket has no netlink protocol,
// so this package carries one in the Socket's fields (Type is the
// netlink protocol, Peer the port id, Cookie the first 32 multicast
// groups, RecvQ and SendQ the memory allocated) and nowhere else.
const protoNetlink sockets.Proto = 0xf0

// parseNetlink reads /proc/net/netlink's lines (after its header) into
// sockets marked protoNetlink. A malformed line is skipped.
func parseNetlink(data []byte) []sockets.Socket {
	var out []sockets.Socket
	for i, line := range bytes.Split(data, []byte("\n")) {
		f := bytes.Fields(line)
		if i == 0 || len(f) < 10 {
			continue
		}
		proto, err1 := strconv.ParseUint(string(f[1]), 10, 8)
		portid, err2 := strconv.ParseUint(string(f[2]), 10, 32)
		groups, err3 := strconv.ParseUint(string(f[3]), 16, 64)
		rmem, err4 := strconv.ParseUint(string(f[4]), 10, 32)
		wmem, err5 := strconv.ParseUint(string(f[5]), 10, 32)
		inode, err6 := strconv.ParseUint(string(f[9]), 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil || err5 != nil || err6 != nil {
			continue
		}
		out = append(out, sockets.Socket{
			Proto: protoNetlink, State: sockets.Close, Type: sockets.SockType(proto),
			Peer: portid, Cookie: groups & 0xffffffff, RecvQ: uint32(rmem), SendQ: uint32(wmem), Inode: inode,
		})
	}
	return out
}

// readNetlink reads the netlink sockets of the calling thread's network
// namespace from dir (a proc file system's net directory).
func readNetlink(dir string) ([]sockets.Socket, error) {
	data, err := os.ReadFile(filepath.Join(dir, "netlink"))
	if err != nil {
		return nil, err
	}
	return parseNetlink(data), nil
}

// netlinkNames are the names of the netlink protocols, as iproute2 names
// them where /etc/iproute2/nl_protos does not say otherwise.
var netlinkNames = map[uint8]string{
	0: "rtnl", 1: "unused", 2: "usersock", 3: "fw", 4: "tcpdiag", 5: "nflog", 6: "xfrm",
	7: "selinux", 8: "iscsi", 9: "audit", 10: "fiblookup", 11: "connector", 12: "nft",
	13: "ip6fw", 14: "dec-rt", 15: "uevent", 16: "genl", 18: "scsi-trans", 19: "ecryptfs",
	20: "rdma", 21: "crypto",
}

// ParseNetlinkNames reads an iproute2 table file (nl_protos: "NUMBER
// NAME" lines, '#' comments) over the built-in names.
func ParseNetlinkNames(data []byte) map[uint8]string {
	m := make(map[uint8]string, len(netlinkNames))
	for k, v := range netlinkNames {
		m[k] = v
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		f := bytes.Fields(line)
		if len(f) < 2 || f[0][0] == '#' {
			continue
		}
		n, err := strconv.ParseUint(string(f[0]), 0, 8)
		if err != nil || f[1][0] == '#' {
			continue
		}
		m[uint8(n)] = string(f[1])
	}
	return m
}

// appendNetlink fills the fields of a netlink socket as ss's
// netlink_show_one writes them: "nl", UNCONN, the protocol's name and
// the owner ("kernel", comm/pid, or the port id) as the local address,
// "*" as the peer.
func (w *rowWriter) formatNetlink(s *sockets.Socket) {
	b := w.buf[:0]
	w.at[colNetid] = 0
	b = append(b, "nl"...)
	w.at[colState] = len(b)
	b = append(b, "UNCONN"...)
	w.at[colRecvQ] = len(b)
	b = appendQueue(b, s.RecvQ)
	w.at[colSendQ] = len(b)
	b = appendQueue(b, s.SendQ)
	w.at[colAddr] = len(b)
	proto := uint8(s.Type)
	name := ""
	if !w.o.Numeric {
		if w.names.NetlinkNames != nil {
			name = w.names.NetlinkNames[proto]
		} else {
			name = netlinkNames[proto]
		}
	}
	if name != "" {
		b = append(b, name...)
	} else {
		b = strconv.AppendUint(b, uint64(proto), 10)
	}
	b = append(b, ':')
	w.at[colServ] = len(b)
	pid := int32(uint32(s.Peer))
	switch {
	case pid == -1:
		b = append(b, '*')
	case w.o.Numeric:
		b = strconv.AppendInt(b, int64(pid), 10)
	case pid == 0:
		b = append(b, "kernel"...)
	default:
		comm := ""
		if pid > 0 && w.names.Comm != nil {
			comm = w.names.Comm(pid)
		}
		if comm != "" {
			b = append(b, commName(comm)...)
			b = append(b, '/')
		}
		b = strconv.AppendInt(b, int64(pid), 10)
	}
	w.at[colRAddr] = len(b)
	b = append(b, '*')
	w.at[colRServ] = len(b)
	w.at[colExt] = len(b)
	if w.o.Details > 0 {
		// ss's netlink_diag path passes no sk or cb.
		b = append(b, " sk=0 cb=0 groups=0x"...)
		g := strconv.FormatUint(s.Cookie, 16)
		for k := len(g); k < 8; k++ {
			b = append(b, '0')
		}
		b = append(b, g...)
	}
	w.at[colProc] = len(b)
	w.at[numCols] = len(b)
	w.buf = b
}
