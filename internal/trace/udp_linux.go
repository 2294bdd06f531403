package trace

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// UDP has no tracepoint where a socket starts or ends, but a cgroup's
// socket hooks run there, in the task that makes or closes it, at no
// cost per datagram: the program at a socket's creation keeps the time
// and the task in the socket's own storage (freed with it), and the
// program at its release sends its end with what was kept. Attached to
// the root of the cgroup v2 hierarchy, they run for every process of
// the machine. The release hook's context is the socket, of which it
// may read the remote end but not the local one: that is read from the
// socket at the offsets BTF gives, as the BTF program reads TCP's.

// Offsets in struct bpf_sock, the context of the cgroup socket
// programs (uapi: stable).
const (
	bpfSockFamily   = 4
	bpfSockProtocol = 12
	bpfSockDstPort  = 48 // network order, in the low 16 bits
	bpfSockDstIP4   = 52
	bpfSockDstIP6   = 56
	bpfSockState    = 72
)

// udpSpec is the collection of the UDP programs, with the maps of an
// open Reader (events, lost, woken) to be put in for those of the same
// names.
func udpSpec(buffer int, so sockOffsets) *ebpf.CollectionSpec {
	maps := tcpMaps(buffer)
	delete(maps, "starts") // TCP's connects'
	// BPF_F_NO_PREALLOC, which socket storage requires.
	maps["udpstarts"] = &ebpf.MapSpec{Type: ebpf.SkStorage, KeySize: 4, ValueSize: valueSize, Flags: 1,
		Key: &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}, Value: &btf.Int{Name: "start", Size: valueSize}}
	return &ebpf.CollectionSpec{
		Maps: maps,
		Programs: map[string]*ebpf.ProgramSpec{
			"udp_create": {Name: ProgramNameUDPCreate, Type: ebpf.CGroupSock, AttachType: ebpf.AttachCGroupInetSockCreate,
				License: "Dual MIT/GPL", Instructions: udpCreateProgram()},
			"udp_release": {Name: ProgramNameUDPRelease, Type: ebpf.CGroupSock, AttachType: ebpf.AttachCgroupInetSockRelease,
				License: "Dual MIT/GPL", Instructions: udpReleaseProgram(so, wakeMark(buffer))},
		},
	}
}

// udpCreateProgram keeps, in a new UDP socket's storage, the time and
// the task that made it (the value's layout is the map starts'). It lets
// every socket be made.
func udpCreateProgram() asm.Instructions {
	ins := udpStorage("out", 1) // BPF_SK_STORAGE_GET_F_CREATE
	ins = append(ins,
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.Mov.Reg(asm.R7, asm.R0),
	)
	ins = append(ins, keepTask("keep")...)
	return append(ins,
		asm.Mov.Imm(asm.R0, 1).WithSymbol("out"),
		asm.Return(),
	)
}

// udpStorage is the part of the UDP programs that, for a UDP socket (the
// context, in R6 from here), looks up its storage with flags (R0: nil
// for none); any other goes on at other.
func udpStorage(other string, flags int32) asm.Instructions {
	return asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1),
		asm.LoadMem(asm.R2, asm.R6, bpfSockProtocol, asm.Word),
		asm.JNE.Imm(asm.R2, ipprotoUDP, other),
		asm.LoadMapPtr(asm.R1, 0).WithReference("udpstarts"),
		asm.Mov.Reg(asm.R2, asm.R6),
		asm.Mov.Imm(asm.R3, 0),
		asm.Mov.Imm(asm.R4, flags),
		asm.FnSkStorageGet.Call(),
	}
}

// udpReleaseProgram sends a UDP socket's end as an event of the TCP
// programs' layout, protocol 17: the start and task kept at its
// creation (a socket older than the trace: the task closing it, no
// start), its socket cookie for its address, ESTABLISHED or CLOSE as
// its old state (connected or not), CLOSE as its new one, its ends. It
// lets every socket be released.
func udpReleaseProgram(so sockOffsets, wake int32) asm.Instructions {
	ins := append(udpStorage("done", 0), asm.Mov.Reg(asm.R9, asm.R0))
	ins = append(ins, reserve("reserve", 1)...)
	// The owner: what was kept, else the task closing it.
	ins = append(ins, owner()...)
	ins = append(ins,
		asm.Mov.Reg(asm.R1, asm.R6).WithSymbol("record"),
		asm.FnGetSocketCookie.Call(),
		asm.StoreMem(asm.R7, offRecord, asm.R0, asm.DWord),
	)
	ins = append(ins, copyField(recOld, asm.R6, bpfSockState, asm.Word)...)
	ins = append(ins,
		asm.Mov.Imm(asm.R1, tcpClose),
		asm.StoreMem(asm.R7, recNew, asm.R1, asm.Word),
		asm.LoadMem(asm.R1, asm.R6, bpfSockDstPort, asm.Half),
		asm.HostTo(asm.BE, asm.R1, asm.Half),
		asm.StoreMem(asm.R7, recDport, asm.R1, asm.Half),
		asm.LoadMem(asm.R1, asm.R6, bpfSockFamily, asm.Word),
		asm.StoreMem(asm.R7, recFamily, asm.R1, asm.Half),
		asm.Mov.Imm(asm.R1, ipprotoUDP),
		asm.StoreMem(asm.R7, recProtocol, asm.R1, asm.Half),
	)
	ins = append(ins, copyField(recDaddr, asm.R6, bpfSockDstIP4, asm.Word)...)
	for j := int16(0); j < 4; j++ {
		ins = append(ins, copyField(recDaddr6+4*j, asm.R6, bpfSockDstIP6+4*j, asm.Word)...)
	}
	// The local end, read from the socket (the context is the socket).
	for _, f := range []struct{ dst, src, size int16 }{{recSport, so.sport, 2}, {recSaddr, so.rcvSaddr, 4}, {recSaddr6, so.v6rcvSaddr, 16}} {
		ins = append(ins, readKernel(asm.R7, int32(f.dst), int32(f.size), asm.Mov.Reg(asm.R3, asm.R6), int32(f.src))...)
	}
	ins = append(ins,
		asm.LoadMem(asm.R1, asm.R7, recSport, asm.Half),
		asm.HostTo(asm.BE, asm.R1, asm.Half),
		asm.StoreMem(asm.R7, recSport, asm.R1, asm.Half),
		asm.Mov.Imm(asm.R1, 0),
		asm.StoreMem(asm.R7, offSent, asm.R1, asm.DWord),
		asm.StoreMem(asm.R7, offReceived, asm.R1, asm.DWord),
		asm.StoreMem(asm.R7, offErr, asm.R1, asm.DWord),
		asm.StoreMem(asm.R7, offNetNS, asm.R1, asm.DWord),
	)
	ins = append(ins, submit("submit", 1, wake)...)
	return append(ins, asm.Mov.Imm(asm.R0, 1).WithSymbol("done"), asm.Return())
}

// TraceUDP adds UDP sockets' ends to what r reads: the programs at the
// creation and release of sockets, attached to the root of the cgroup
// v2 hierarchy. It needs the kernel's BTF, to
// read a socket's local end. The error says what is missing.
func (r *Reader) TraceUDP() error {
	so := r.so
	if !so.ok {
		return errors.New("the kernel's BTF does not place the fields of a socket UDP's program reads")
	}
	root, unmount, err := cgroup2Root()
	if err != nil {
		return err
	}
	// The programs stay attached to the cgroup once its mount is gone.
	defer unmount()
	events := r.coll.Maps["events"]
	spec := udpSpec(int(events.MaxEntries()), so)
	coll, err := ebpf.NewCollectionWithOptions(spec, ebpf.CollectionOptions{
		MapReplacements: map[string]*ebpf.Map{"events": events, "lost": r.coll.Maps["lost"], "woken": r.woken},
	})
	if err != nil {
		return fmt.Errorf("loading UDP's programs: %w", err)
	}
	links, err := attachAll(coll, []string{"udp_create", "udp_release"}, func(name string, p *ebpf.Program) (link.Link, error) {
		l, err := link.AttachCgroup(link.CgroupOptions{Path: root, Attach: spec.Programs[name].AttachType, Program: p})
		if err != nil {
			return nil, fmt.Errorf("attaching UDP's programs to the cgroup %s: %w", root, err)
		}
		return l, nil
	})
	if err != nil {
		return err
	}
	r.udp, r.udpLinks = coll, links
	return nil
}

// attachAll attaches coll's programs of names, each with attach; where
// one fails, it detaches those attached and closes coll.
func attachAll(coll *ebpf.Collection, names []string, attach func(name string, p *ebpf.Program) (link.Link, error)) ([]link.Link, error) {
	var links []link.Link
	for _, name := range names {
		l, err := attach(name, coll.Programs[name])
		if err != nil {
			for _, l := range links {
				l.Close()
			}
			coll.Close()
			return nil, err
		}
		links = append(links, l)
	}
	return links, nil
}

// cgroup2Root returns where the cgroup v2 hierarchy is mounted (the
// first mount of its root /proc/self/mountinfo lists); where none is (a
// system of cgroup v1 only, or a mount namespace without it, as `ip netns
// exec` makes), it mounts it in a directory of its own, which unmount
// takes away.
func cgroup2Root() (root string, unmount func(), err error) {
	if info, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		for _, line := range strings.Split(string(info), "\n") {
			if dir, ok := cgroup2In(line); ok {
				return dir, func() {}, nil
			}
		}
	}
	dir, err := os.MkdirTemp("", "sockscope-cgroup2-")
	if err != nil {
		return "", nil, fmt.Errorf("no cgroup v2 hierarchy is mounted, and mounting one failed: %w", err)
	}
	if err := unix.Mount("cgroup2", dir, "cgroup2", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		os.Remove(dir)
		return "", nil, fmt.Errorf("no cgroup v2 hierarchy is mounted, and mounting one failed: %w", err)
	}
	return dir, func() {
		unix.Unmount(dir, unix.MNT_DETACH)
		os.Remove(dir)
	}, nil
}
