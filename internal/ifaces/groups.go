package ifaces

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/errs"
)

// Membership is one multicast group joined on one interface, from
// /proc/net/igmp (IPv4, struct ip_mc_list) or /proc/net/igmp6 (IPv6,
// struct ifmcaddr6).
type Membership struct {
	Ifindex int        // the interface's index, > 0
	Device  string     // the interface's name, "eth0"
	Group   netip.Addr // the group, 224.0.0.1 or ff02::1; never zoned
	Users   int        // how many joins (sockets, the kernel itself) hold it
}

// ParseIGMP parses the contents of /proc/net/igmp, as printed by
// igmp_mc_seq_show (https://github.com/torvalds/linux/blob/v6.18/net/ipv4/igmp.c),
// into one Membership per group line, in the kernel's order. The file has a
// header line, then per device a line "Idx Device : Count Querier" followed
// by one indented line "Group Users Timer Reporter" per group. Groups are
// hexadecimal words in host byte order, decoded with binary.NativeEndian.
//
// It returns an error wrapping errs.ErrMalformed, quoting the line, for a device line
// without an index, name and ':', a group line before any device line, or a
// group that is not 8 hexadecimal digits or users that is not a number; and
// the reader's error if reading fails.
func ParseIGMP(r io.Reader) ([]Membership, error) {
	return parseIGMP(r, binary.NativeEndian)
}

// parseIGMP is ParseIGMP with the byte order of the kernel that printed
// the text, so tests decode little-endian captures on any host.
func parseIGMP(r io.Reader, order binary.ByteOrder) ([]Membership, error) {
	sc := bufio.NewScanner(r)
	var out []Membership
	var dev *Membership // the device of the current block; Group unset
	for first := true; sc.Scan(); first = false {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || first && strings.HasPrefix(line, "Idx") {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			d, err := parseIGMPDevice(line)
			if err != nil {
				return nil, err
			}
			dev = &d
			continue
		}
		if dev == nil {
			return nil, igmpError("/proc/net/igmp", line, "group line before any device line")
		}
		m, err := parseIGMPGroup(line, *dev, order)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read /proc/net/igmp: %w", err)
	}
	return out, nil
}

// parseIGMPDevice parses a device line of /proc/net/igmp,
// "%d\t%-10s: %5d %7s", into a Membership with the Group unset.
func parseIGMPDevice(line string) (Membership, error) {
	idx, rest := nextField(line)
	ifindex, err := parseIfindex(idx)
	if err != nil {
		return Membership{}, igmpError("/proc/net/igmp", line, err.Error())
	}
	colon := strings.LastIndexByte(rest, ':')
	if colon < 0 {
		return Membership{}, igmpError("/proc/net/igmp", line, "no ':' after the device name")
	}
	name := strings.TrimSpace(rest[:colon])
	if name == "" {
		return Membership{}, igmpError("/proc/net/igmp", line, "empty device name")
	}
	if count, _ := nextField(rest[colon+1:]); count != "" {
		if _, err := strconv.ParseUint(count, 10, 32); err != nil {
			return Membership{}, igmpError("/proc/net/igmp", line, fmt.Sprintf("group count %q is not a number", count))
		}
	}
	return Membership{Ifindex: ifindex, Device: name}, nil
}

// parseIGMPGroup parses an indented group line of /proc/net/igmp,
// "\t\t\t\t%08X %5d %d:%08lX\t\t%d", for the device dev.
func parseIGMPGroup(line string, dev Membership, order binary.ByteOrder) (Membership, error) {
	grp, rest := nextField(line)
	users, _ := nextField(rest)
	if len(grp) != 8 {
		return Membership{}, igmpError("/proc/net/igmp", line, fmt.Sprintf("group %q is not 8 hexadecimal digits", grp))
	}
	word, err := strconv.ParseUint(grp, 16, 32)
	if err != nil {
		return Membership{}, igmpError("/proc/net/igmp", line, fmt.Sprintf("group %q is not 8 hexadecimal digits", grp))
	}
	var a [4]byte
	order.PutUint32(a[:], uint32(word))
	dev.Group = netip.AddrFrom4(a)
	if dev.Users, err = parseUsers(users); err != nil {
		return Membership{}, igmpError("/proc/net/igmp", line, err.Error())
	}
	return dev, nil
}

// ParseIGMP6 parses the contents of /proc/net/igmp6, as printed by
// igmp6_mc_seq_show (https://github.com/torvalds/linux/blob/v6.18/net/ipv6/mcast.c),
// into one Membership per line, in the kernel's order. Each line is
// "ifindex device group users flags timer" with the group as 32 hexadecimal
// digits in network byte order; the file has no header, and fields after
// users are ignored.
//
// It returns an error wrapping errs.ErrMalformed, quoting the line, for a line with
// fewer than 4 fields, a bad index, a group that is not 32 hexadecimal
// digits or users that is not a number; and the reader's error if reading
// fails.
func ParseIGMP6(r io.Reader) ([]Membership, error) {
	sc := bufio.NewScanner(r)
	var out []Membership
	for sc.Scan() {
		line := sc.Text()
		idx, rest := nextField(line)
		if idx == "" {
			continue
		}
		name, rest := nextField(rest)
		grp, rest := nextField(rest)
		users, _ := nextField(rest)
		if users == "" {
			return nil, igmpError("/proc/net/igmp6", line, "fewer than 4 fields")
		}
		ifindex, err := parseIfindex(idx)
		if err != nil {
			return nil, igmpError("/proc/net/igmp6", line, err.Error())
		}
		var a [16]byte
		if len(grp) != 2*len(a) {
			return nil, igmpError("/proc/net/igmp6", line, fmt.Sprintf("group %q is not 32 hexadecimal digits", grp))
		}
		if _, err := hex.Decode(a[:], []byte(grp)); err != nil {
			return nil, igmpError("/proc/net/igmp6", line, fmt.Sprintf("group %q is not 32 hexadecimal digits", grp))
		}
		m := Membership{Ifindex: ifindex, Device: name, Group: netip.AddrFrom16(a)}
		if m.Users, err = parseUsers(users); err != nil {
			return nil, igmpError("/proc/net/igmp6", line, err.Error())
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read /proc/net/igmp6: %w", err)
	}
	return out, nil
}

// parseIfindex parses an interface index, a positive decimal int32.
func parseIfindex(s string) (int, error) {
	v, err := strconv.ParseUint(s, 10, 31)
	if err != nil || v == 0 {
		return 0, fmt.Errorf("interface index %q is not a positive number", s)
	}
	return int(v), nil
}

// parseUsers parses a user count, a non-negative decimal int32.
func parseUsers(s string) (int, error) {
	v, err := strconv.ParseUint(s, 10, 31)
	if err != nil {
		return 0, fmt.Errorf("users %q is not a number", s)
	}
	return int(v), nil
}

// igmpError returns an error wrapping errs.ErrMalformed that quotes a line of file.
func igmpError(file, line, why string) error {
	return fmt.Errorf("%w: %s line %q: %s", errs.ErrMalformed, file, line, why)
}
