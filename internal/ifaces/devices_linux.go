package ifaces

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/procfs"
)

// ifreq is struct ifreq: the name and a union of at most 24 bytes (struct
// ifmap on 64-bit systems; 16 on 32-bit ones, where the spare bytes are
// never read by the kernel).
type ifreq struct {
	name [unix.IFNAMSIZ]byte
	data [24]byte
}

// ReadDevices returns the interfaces of the calling thread's network
// namespace as net-tools' netstat -i and -ie see them: the names of
// dir/dev and those SIOCGIFCONF lists (address labels such as "eth0:1"
// included), ordered by CompareNames, each with its ioctl data, and the
// IPv6 addresses of dir/if_inet6. dir is the namespace's /proc/net
// directory (procfs.Default().Net() when ""); the ioctls go to a socket made in the
// calling thread's namespace, which dir must match. A device that vanishes
// between the listing and its SIOCGIFFLAGS is left out, as net-tools
// leaves it out (with a message). It returns the *fs.PathError of a failed
// open or read of dir/dev (a missing if_inet6, as without IPv6, is no
// error), an error wrapping errs.ErrMalformed if a file is malformed, or the error
// of the socket or SIOCGIFCONF.
func ReadDevices(dir string) (*DeviceTable, error) {
	if dir == "" {
		dir = procfs.Default().Net()
	}
	stats, err := readDev(dir)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("ifaces: %w", os.NewSyscallError("socket", err))
	}
	defer unix.Close(fd)
	var names []string
	byName := make(map[string]*Interface, len(stats))
	for i := range stats {
		names = insertName(names, stats[i].Name)
		if _, ok := byName[stats[i].Name]; !ok {
			byName[stats[i].Name] = &stats[i]
		}
	}
	conf, err := ifconfNames(fd)
	if err != nil {
		return nil, err
	}
	for _, n := range conf {
		names = insertName(names, n)
	}
	t := &DeviceTable{}
	for _, n := range names {
		d, ok := fetchDevice(fd, n)
		if !ok {
			continue
		}
		d.Stats = byName[n]
		t.Devices = append(t.Devices, d)
	}
	f, err := os.Open(filepath.Join(dir, "if_inet6"))
	if errors.Is(err, fs.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if t.Inet6, err = ParseIfInet6(f); err != nil {
		return nil, err
	}
	return t, nil
}

func ioctl(fd int, req uint, ifr *ifreq) error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(unsafe.Pointer(ifr)))
	if e != 0 {
		return e
	}
	return nil
}

// ifconfNames returns the names SIOCGIFCONF lists (one per IPv4 address
// label), growing the buffer until the list fits.
func ifconfNames(fd int) ([]string, error) {
	size := unsafe.Sizeof(ifreq{})
	if unsafe.Sizeof(uintptr(0)) == 4 {
		size = unix.IFNAMSIZ + 16
	}
	for n := 32; n <= 1<<20; n *= 2 {
		buf := make([]byte, int(size)*n)
		// struct ifconf: an int and a pointer, laid out as Go lays this out.
		ifc := struct {
			len int32
			buf uintptr
		}{int32(len(buf)), uintptr(unsafe.Pointer(&buf[0]))}
		_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCGIFCONF, uintptr(unsafe.Pointer(&ifc)))
		runtime.KeepAlive(buf)
		if e != 0 {
			return nil, fmt.Errorf("ifaces: %w", os.NewSyscallError("ioctl SIOCGIFCONF", e))
		}
		if int(ifc.len) >= len(buf) || ifc.len < 0 {
			continue // perhaps truncated: try a larger buffer
		}
		var names []string
		for off := 0; off+int(size) <= int(ifc.len); off += int(size) {
			names = append(names, cString(buf[off:off+unix.IFNAMSIZ]))
		}
		return names, nil
	}
	return nil, errors.New("ifaces: SIOCGIFCONF: more than a million addresses")
}

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// fetchDevice issues net-tools' ioctls for one name; ok is false when
// SIOCGIFFLAGS fails (the device is gone or the name too long).
func fetchDevice(fd int, name string) (d Device, ok bool) {
	if len(name) >= unix.IFNAMSIZ {
		return d, false
	}
	d.Name = name
	req := func(r uint) (*ifreq, error) {
		var ifr ifreq
		copy(ifr.name[:], name)
		return &ifr, ioctl(fd, r, &ifr)
	}
	ne := binary.NativeEndian
	ifr, err := req(unix.SIOCGIFFLAGS)
	if err != nil {
		return d, false
	}
	d.Flags = ne.Uint16(ifr.data[0:2])
	if ifr, err = req(unix.SIOCGIFHWADDR); err == nil {
		d.HWType = ne.Uint16(ifr.data[0:2]) // sa_family holds the ARPHRD_* type
		copy(d.HWAddr[:], ifr.data[2:10])
	}
	if ifr, err = req(unix.SIOCGIFMTU); err == nil {
		d.MTU = int(int32(ne.Uint32(ifr.data[0:4])))
	}
	if ifr, err = req(unix.SIOCGIFMAP); err == nil {
		d.Map = decodeIfMap(ifr.data[:])
	}
	d.TxQueueLen = TxQueueLenUnset
	if ifr, err = req(unix.SIOCGIFTXQLEN); err == nil {
		d.TxQueueLen = int(int32(ne.Uint32(ifr.data[0:4])))
	}
	addr := func(r uint) netip.Addr {
		ifr, err := req(r)
		if err != nil || ne.Uint16(ifr.data[0:2]) != unix.AF_INET {
			return netip.IPv4Unspecified()
		}
		return netip.AddrFrom4([4]byte(ifr.data[4:8])) // struct sockaddr_in: family, port, address
	}
	if ifr, err = req(unix.SIOCGIFADDR); err == nil && ne.Uint16(ifr.data[0:2]) == unix.AF_INET {
		d.HasIPv4 = true
		d.Addr = netip.AddrFrom4([4]byte(ifr.data[4:8]))
		d.Dest = addr(unix.SIOCGIFDSTADDR)
		d.Broadcast = addr(unix.SIOCGIFBRDADDR)
		d.Netmask = addr(unix.SIOCGIFNETMASK)
	}
	return d, true
}

// decodeIfMap decodes struct ifmap, whose first two fields are unsigned
// longs.
func decodeIfMap(b []byte) IfMap {
	ne := binary.NativeEndian
	var m IfMap
	off := 0
	if unsafe.Sizeof(uintptr(0)) == 8 {
		m.MemStart, m.MemEnd, off = ne.Uint64(b[0:8]), ne.Uint64(b[8:16]), 16
	} else {
		m.MemStart, m.MemEnd, off = uint64(ne.Uint32(b[0:4])), uint64(ne.Uint32(b[4:8])), 8
	}
	m.BaseAddr = ne.Uint16(b[off : off+2])
	m.IRQ, m.DMA, m.Port = b[off+2], b[off+3], b[off+4]
	return m
}
