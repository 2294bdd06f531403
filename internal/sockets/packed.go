package sockets

import (
	"encoding/binary"
	"iter"
	"net/netip"
	"sync"
)

// Packed holds sockets compactly, for a listing that needs every socket
// at once but nothing of them beyond what the kernel reported: about 30
// bytes an IPv4 TCP socket against the 192 of a Socket. Each socket is a
// record of its non-zero fields, varint-encoded, in chunks that are never
// copied as they fill. Processes and Internals are not kept.
//
// A Packed is a Sink: the batches of several parts (see Streamer) may be
// added concurrently, and All yields the sockets in the order of their
// parts. Its zero value is empty and ready to use.
type Packed struct {
	mu    sync.Mutex
	parts []packedPart
	n     int
}

// packedPart is the records of one part.
type packedPart struct {
	chunks [][]byte
	prev   uint64 // the NetNS of the last record appended, for the next one
}

// packedChunk is the size of the chunks records are appended to. A
// record never spans two chunks.
const packedChunk = 64 << 10

// Add appends the sockets of batch to part (a Sink method).
func (p *Packed) Add(part int, batch []Socket) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if part < 0 {
		part = 0
	}
	for len(p.parts) <= part {
		p.parts = append(p.parts, packedPart{})
	}
	pp := &p.parts[part]
	for i := range batch {
		pp.append(&batch[i])
	}
	p.n += len(batch)
}

// Drop forgets what Add was given for part (a Sink method).
func (p *Packed) Drop(part int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if part < 0 || part >= len(p.parts) {
		return
	}
	for _, c := range p.parts[part].chunks {
		p.n -= countRecords(c)
	}
	p.parts[part] = packedPart{}
}

// Len returns the number of sockets held.
func (p *Packed) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// All yields every socket held, part by part, each in the same Socket
// value: it is valid only until the next one, and its Processes and
// Internals are nil. All may be ranged over more than once, but not
// while sockets are being added.
func (p *Packed) All() iter.Seq[*Socket] {
	return func(yield func(*Socket) bool) {
		var s Socket
		for i := range p.parts {
			s.NetNS = 0
			for _, c := range p.parts[i].chunks {
				for len(c) > 0 {
					n, err := unpackSocket(c, &s)
					if err != nil {
						return // records are only ever written by append
					}
					c = c[n:]
					if !yield(&s) {
						return
					}
				}
			}
		}
	}
}

// append encodes s at the end of the part's last chunk, starting a new
// chunk when it does not fit.
func (pp *packedPart) append(s *Socket) {
	last := len(pp.chunks) - 1
	if last < 0 || len(pp.chunks[last])+maxPackedRecord(s) > cap(pp.chunks[last]) {
		pp.chunks = append(pp.chunks, make([]byte, 0, max(packedChunk, maxPackedRecord(s))))
		last++
	}
	pp.chunks[last] = packSocket(pp.chunks[last], s, pp.prev)
	pp.prev = s.NetNS
}

// countRecords returns the number of records in a chunk.
func countRecords(c []byte) int {
	var s Socket
	n := 0
	for len(c) > 0 {
		k, err := unpackSocket(c, &s)
		if err != nil {
			break
		}
		c = c[k:]
		n++
	}
	return n
}

// The presence bits of a packed record: which fields follow the fixed
// bytes, in this order. The common ones come first, so that the bits of
// most sockets fit a two-byte varint.
const (
	hasTimerKind = 1 << iota
	hasLocalPort
	hasRemotePort
	hasRecvQ
	hasSendQ
	hasInode
	hasUID
	hasCookie
	hasNetNS // the NetNS differs from the previous record's
	hasZone
	hasTimerRest // Retrans, Probes, Expires
	hasPath
	hasPeerPath
	hasPeer
	hasCreated
)

// Address kinds in a record's address byte: two bits per endpoint.
const (
	addrNone = iota // the invalid Addr
	addr4
	addr16
	addr16Zone // followed by the zone's length and bytes
)

// maxPackedRecord is an upper bound of the length of s's record.
func maxPackedRecord(s *Socket) int {
	const fixed = 4 + binary.MaxVarintLen32 + 1 + 2*16 + 3 + 2*3 + 2*5 + 10 + 5 + 3*10 + 5 + 2*10 + 10
	return fixed + 3*binary.MaxVarintLen64 + len(s.Local.Addr().Zone()) + len(s.Remote.Addr().Zone()) + len(s.Path) + len(s.PeerPath)
}

// packSocket appends the record of s to b: its Proto, Family, Type and
// State, a varint of presence bits, a byte of address kinds, the
// addresses, and the fields present. prevNetNS is the NetNS of the
// previous record, which a record repeats only when its own differs.
func packSocket(b []byte, s *Socket, prevNetNS uint64) []byte {
	b = append(b, byte(s.Proto), byte(s.Family), byte(s.Type), byte(s.State))
	la, ra := s.Local.Addr(), s.Remote.Addr()
	var bits uint64
	set := func(cond bool, bit uint64) {
		if cond {
			bits |= bit
		}
	}
	set(s.Timer.Kind != 0, hasTimerKind)
	set(s.Local.Port() != 0, hasLocalPort)
	set(s.Remote.Port() != 0, hasRemotePort)
	set(s.RecvQ != 0, hasRecvQ)
	set(s.SendQ != 0, hasSendQ)
	set(s.Inode != 0, hasInode)
	set(s.UID != 0, hasUID)
	set(s.Cookie != 0, hasCookie)
	set(s.NetNS != prevNetNS, hasNetNS)
	set(s.Zone != 0, hasZone)
	set(s.Timer.Retrans != 0 || s.Timer.Probes != 0 || s.Timer.Expires != 0, hasTimerRest)
	set(s.Path != "", hasPath)
	set(s.PeerPath != "", hasPeerPath)
	set(s.Peer != 0, hasPeer)
	set(s.Created != 0, hasCreated)
	b = binary.AppendUvarint(b, bits)
	b = append(b, addrKind(la)|addrKind(ra)<<2)
	b = appendAddr(b, la)
	b = appendAddr(b, ra)
	if bits&hasTimerKind != 0 {
		b = append(b, byte(s.Timer.Kind))
	}
	if bits&hasLocalPort != 0 {
		b = binary.AppendUvarint(b, uint64(s.Local.Port()))
	}
	if bits&hasRemotePort != 0 {
		b = binary.AppendUvarint(b, uint64(s.Remote.Port()))
	}
	for _, f := range [...]struct {
		bit uint64
		v   uint64
	}{
		{hasRecvQ, uint64(s.RecvQ)}, {hasSendQ, uint64(s.SendQ)}, {hasInode, s.Inode},
		{hasUID, uint64(s.UID)}, {hasCookie, s.Cookie}, {hasNetNS, s.NetNS}, {hasZone, uint64(s.Zone)},
	} {
		if bits&f.bit != 0 {
			b = binary.AppendUvarint(b, f.v)
		}
	}
	if bits&hasTimerRest != 0 {
		b = append(b, s.Timer.Retrans, s.Timer.Probes)
		b = binary.AppendUvarint(b, uint64(s.Timer.Expires))
	}
	if bits&hasPath != 0 {
		b = appendPackedString(b, s.Path)
	}
	if bits&hasPeerPath != 0 {
		b = appendPackedString(b, s.PeerPath)
	}
	if bits&hasPeer != 0 {
		b = binary.AppendUvarint(b, s.Peer)
	}
	if bits&hasCreated != 0 {
		b = binary.AppendVarint(b, s.Created)
	}
	return b
}

func addrKind(a netip.Addr) byte {
	switch {
	case !a.IsValid():
		return addrNone
	case a.Is4():
		return addr4
	case a.Zone() != "":
		return addr16Zone
	}
	return addr16
}

func appendAddr(b []byte, a netip.Addr) []byte {
	switch addrKind(a) {
	case addr4:
		a4 := a.As4()
		return append(b, a4[:]...)
	case addr16:
		a16 := a.As16()
		return append(b, a16[:]...)
	case addr16Zone:
		a16 := a.As16()
		return appendPackedString(append(b, a16[:]...), a.Zone())
	}
	return b
}

func appendPackedString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// unpackSocket decodes the record at the start of b into s and returns
// its length. It keeps s.NetNS when the record does not repeat it (the
// previous record's, which the caller left in s) and clears Processes
// and Internals. A malformed record returns an error wrapping
// errs.ErrMalformed.
func unpackSocket(b []byte, s *Socket) (int, error) {
	d := packedDecoder{b: b}
	head := d.bytes(4)
	bits := d.uvarint()
	kinds := d.bytes(1)
	if d.err == nil && (bits >= hasCreated<<1 || kinds[0]>>4 != 0) {
		d.fail("presence bits")
	}
	if d.err != nil {
		return 0, d.err
	}
	netns := s.NetNS
	*s = Socket{Proto: Proto(head[0]), Family: Family(head[1]), Type: SockType(head[2]), State: State(head[3]), NetNS: netns}
	la, ra := d.addr(kinds[0]&3), d.addr(kinds[0]>>2&3)
	var lport, rport uint64
	if bits&hasTimerKind != 0 {
		s.Timer.Kind = TimerKind(d.byte())
	}
	if bits&hasLocalPort != 0 {
		lport = d.uvarint()
	}
	if bits&hasRemotePort != 0 {
		rport = d.uvarint()
	}
	s.RecvQ = uint32(d.field(bits, hasRecvQ))
	s.SendQ = uint32(d.field(bits, hasSendQ))
	s.Inode = d.field(bits, hasInode)
	s.UID = uint32(d.field(bits, hasUID))
	s.Cookie = d.field(bits, hasCookie)
	if bits&hasNetNS != 0 {
		s.NetNS = d.uvarint()
	}
	s.Zone = uint32(d.field(bits, hasZone))
	if bits&hasTimerRest != 0 {
		s.Timer.Retrans, s.Timer.Probes = d.byte(), d.byte()
		s.Timer.Expires = uint32(d.uvarint())
	}
	if bits&hasPath != 0 {
		s.Path = d.string()
	}
	if bits&hasPeerPath != 0 {
		s.PeerPath = d.string()
	}
	s.Peer = d.field(bits, hasPeer)
	if bits&hasCreated != 0 {
		v, n := binary.Varint(d.b[d.off:])
		if n <= 0 {
			d.fail("created")
		} else {
			d.off += n
			s.Created = v
		}
	}
	if lport > 0xffff || rport > 0xffff {
		d.fail("port")
	}
	if d.err != nil {
		return 0, d.err
	}
	s.Local = netip.AddrPortFrom(la, uint16(lport))
	s.Remote = netip.AddrPortFrom(ra, uint16(rport))
	return d.off, nil
}

// packedDecoder reads a record, remembering the first error.
type packedDecoder struct {
	b   []byte
	off int
	err error
}

func (d *packedDecoder) fail(what string) {
	if d.err == nil {
		d.err = parseErrorf("packed socket record: bad %s at byte %d", what, d.off)
	}
}

func (d *packedDecoder) bytes(n int) []byte {
	if d.err != nil || len(d.b)-d.off < n {
		d.fail("length")
		return make([]byte, n)
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p
}

func (d *packedDecoder) byte() byte { return d.bytes(1)[0] }

func (d *packedDecoder) uvarint() uint64 {
	if d.off < len(d.b) && d.b[d.off] < 0x80 { // one byte: most fields
		d.off++
		return uint64(d.b[d.off-1])
	}
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.off += n
	return v
}

// field returns the varint that follows when bit is in bits, else 0.
func (d *packedDecoder) field(bits, bit uint64) uint64 {
	if bits&bit == 0 {
		return 0
	}
	return d.uvarint()
}

func (d *packedDecoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)-d.off) {
		d.fail("string length")
		return ""
	}
	return string(d.bytes(int(n)))
}

func (d *packedDecoder) addr(kind byte) netip.Addr {
	switch kind {
	case addr4:
		return netip.AddrFrom4([4]byte(d.bytes(4)))
	case addr16:
		return netip.AddrFrom16([16]byte(d.bytes(16)))
	case addr16Zone:
		a := netip.AddrFrom16([16]byte(d.bytes(16)))
		if z := d.string(); d.err == nil {
			return a.WithZone(z)
		}
	}
	return netip.Addr{}
}
