package sockets

// The upper layer protocol of a TCP socket (INET_DIAG_ULP_INFO) and its
// TCP-MD5 signature keys (INET_DIAG_MD5SIG): what ss -i prints after
// tcp_info as "tcp-ulp-mptcp flags:Mec token:...", "tcp-ulp-tls version:
// 1.3 ..." and "md5keys:...". The kernel adds both to a reply only when
// the request asked for INET_DIAG_INFO, and only for a caller with
// CAP_NET_ADMIN (tcp_diag_get_aux). Pure decoders over the attribute's
// bytes; nested attributes, as ss reads them, count the first of a type
// and ignore types they do not know.
//
// Layouts: include/uapi/linux/inet_diag.h (INET_ULP_INFO_*, struct
// tcp_diag_md5sig), include/uapi/linux/tls.h (TLS_INFO_*, TLS_CONF_*),
// include/uapi/linux/mptcp.h (MPTCP_SUBFLOW_ATTR_*, MPTCP_SUBFLOW_FLAG_*)
// and net/mptcp/diag.c (the widths the kernel writes).

import (
	"encoding/binary"
	"net/netip"

	"github.com/sockscope/sockscope/internal/netlink"
)

// Reply attributes (enum INET_DIAG_*).
const (
	inetDiagMD5Sig  = 18 // INET_DIAG_MD5SIG: struct tcp_diag_md5sig[]
	inetDiagULPInfo = 19 // INET_DIAG_ULP_INFO: nested INET_ULP_INFO_*
)

// ULPAttr is a nested attribute of INET_DIAG_ULP_INFO (INET_ULP_INFO_*).
type ULPAttr uint8

// The attributes of INET_DIAG_ULP_INFO.
const (
	ULPAttrName  ULPAttr = 1 // INET_ULP_INFO_NAME: the ULP's name
	ULPAttrTLS   ULPAttr = 2 // INET_ULP_INFO_TLS: nested TLS_INFO_*
	ULPAttrMPTCP ULPAttr = 3 // INET_ULP_INFO_MPTCP: nested MPTCP_SUBFLOW_ATTR_*
)

// ULPInfo is INET_DIAG_ULP_INFO: the upper layer protocol attached to a
// TCP socket ("mptcp" on the subflows and listeners under an MPTCP socket,
// "tls" with kernel TLS) and what it reports of itself.
type ULPInfo struct {
	// Attrs has bit 1<<a set for each ULPAttr a the kernel sent; see
	// Has.
	Attrs uint8
	// Name is the ULP's name (ULPAttrName).
	Name string
	// TLS is kernel TLS's state (ULPAttrTLS).
	TLS TLSInfo
	// MPTCP is the MPTCP subflow's state (ULPAttrMPTCP). A listener
	// sends none.
	MPTCP MPTCPSubflowInfo
}

// Has reports whether the kernel sent the attribute a.
func (u *ULPInfo) Has(a ULPAttr) bool { return a < 8 && u.Attrs&(1<<a) != 0 }

// TLSAttr is a nested attribute of INET_ULP_INFO_TLS (TLS_INFO_*).
type TLSAttr uint8

// The attributes of INET_ULP_INFO_TLS.
const (
	TLSAttrVersion TLSAttr = 1 // TLS_INFO_VERSION: u16, 0x0303 TLS 1.2, 0x0304 TLS 1.3
	TLSAttrCipher  TLSAttr = 2 // TLS_INFO_CIPHER: u16, TLS_CIPHER_*
	TLSAttrTxConf  TLSAttr = 3 // TLS_INFO_TXCONF: u16, TLS_CONF_*
	TLSAttrRxConf  TLSAttr = 4 // TLS_INFO_RXCONF: u16, TLS_CONF_*
	TLSAttrZCRoTx  TLSAttr = 5 // TLS_INFO_ZC_RO_TX: flag, zero-copy sendfile of read-only data
	TLSAttrRxNoPad TLSAttr = 6 // TLS_INFO_RX_NO_PAD: flag, TLS 1.3 records expected without padding (6.5+)
)

// The values of TLS_INFO_TXCONF and TLS_INFO_RXCONF (TLS_CONF_*).
const (
	TLSConfBase     = 1 // TLS_CONF_BASE: not set up in this direction
	TLSConfSW       = 2 // TLS_CONF_SW: the kernel encrypts in software
	TLSConfHW       = 3 // TLS_CONF_HW: the NIC offloads the crypto
	TLSConfHWRecord = 4 // TLS_CONF_HW_RECORD: the NIC handles whole records
)

// The TLS versions and the ciphers ss names (TLS_1_2_VERSION, ...).
const (
	TLSVersion12        = 0x0303
	TLSVersion13        = 0x0304
	TLSCipherAESGCM128  = 51
	TLSCipherAESGCM256  = 52
	TLSCipherAESCCM128  = 53
	TLSCipherChaCha20   = 54 // TLS_CIPHER_CHACHA20_POLY1305
	TLSCipherSM4GCM     = 55
	TLSCipherSM4CCM     = 56
	TLSCipherARIAGCM128 = 57
	TLSCipherARIAGCM256 = 58
)

// TLSInfo is INET_ULP_INFO_TLS: a kernel TLS socket's version, cipher and
// the configuration of each direction.
type TLSInfo struct {
	// Attrs has bit 1<<a set for each TLSAttr a the kernel sent; the
	// flags (TLSAttrZCRoTx, TLSAttrRxNoPad) are their presence alone.
	Attrs uint8
	// Version, Cipher, TxConf and RxConf are the u16 values of their
	// attributes, 0 where absent.
	Version, Cipher, TxConf, RxConf uint16
}

// Has reports whether the kernel sent the attribute a.
func (t *TLSInfo) Has(a TLSAttr) bool { return a < 8 && t.Attrs&(1<<a) != 0 }

// MPTCPSubflowAttr is a nested attribute of INET_ULP_INFO_MPTCP
// (MPTCP_SUBFLOW_ATTR_*).
type MPTCPSubflowAttr uint8

// The attributes of INET_ULP_INFO_MPTCP, with the widths the kernel
// writes.
const (
	MPTCPAttrTokenRem    MPTCPSubflowAttr = 1  // u32: the peer's token
	MPTCPAttrTokenLoc    MPTCPSubflowAttr = 2  // u32: our token
	MPTCPAttrRelWriteSeq MPTCPSubflowAttr = 3  // u32: the subflow's relative write sequence
	MPTCPAttrMapSeq      MPTCPSubflowAttr = 4  // u64: the current mapping's data sequence number
	MPTCPAttrMapSfSeq    MPTCPSubflowAttr = 5  // u32: the mapping's subflow sequence number
	MPTCPAttrSSNOffset   MPTCPSubflowAttr = 6  // u32: the subflow's initial sequence number
	MPTCPAttrMapDataLen  MPTCPSubflowAttr = 7  // u16: the mapping's length
	MPTCPAttrFlags       MPTCPSubflowAttr = 8  // u32: MPTCPSubflowFlag bits
	MPTCPAttrIDRem       MPTCPSubflowAttr = 9  // u8: the peer's address id
	MPTCPAttrIDLoc       MPTCPSubflowAttr = 10 // u8: our address id
)

// MPTCPSubflowFlag is a bit of MPTCP_SUBFLOW_ATTR_FLAGS.
type MPTCPSubflowFlag uint32

// The bits of MPTCP_SUBFLOW_ATTR_FLAGS (MPTCP_SUBFLOW_FLAG_*), with the
// letter ss prints for each.
const (
	MPTCPFlagMCapRem          MPTCPSubflowFlag = 1 << iota // M: the peer is MP_CAPABLE
	MPTCPFlagMCapLoc                                       // m: we asked for MP_CAPABLE
	MPTCPFlagJoinRem                                       // J: the peer joined with MP_JOIN
	MPTCPFlagJoinLoc                                       // j: we joined with MP_JOIN
	MPTCPFlagBkupRem                                       // B: the peer marked the subflow backup
	MPTCPFlagBkupLoc                                       // b: we marked it backup
	MPTCPFlagFullyEstablished                              // e: fully established
	MPTCPFlagConnected                                     // c: the handshake finished
	MPTCPFlagMapValid                                      // v: a valid mapping is in use
)

// MPTCPSubflowInfo is INET_ULP_INFO_MPTCP: an MPTCP subflow's tokens,
// address ids, flags and current data mapping.
type MPTCPSubflowInfo struct {
	// Attrs has bit 1<<a set for each MPTCPSubflowAttr a the kernel
	// sent; a field whose attribute is absent is 0.
	Attrs               uint16
	TokenRem, TokenLoc  uint32
	RelWriteSeq         uint32
	MapSeq              uint64
	MapSfSeq, SSNOffset uint32
	MapDataLen          uint32
	Flags               MPTCPSubflowFlag
	IDRem, IDLoc        uint8
}

// Has reports whether the kernel sent the attribute a.
func (m *MPTCPSubflowInfo) Has(a MPTCPSubflowAttr) bool { return a < 16 && m.Attrs&(1<<a) != 0 }

// MD5Key is one struct tcp_diag_md5sig: a TCP-MD5 signature key
// (TCP_MD5SIG) and the peers it applies to.
type MD5Key struct {
	// Family is tcpm_family: 2 (AF_INET) or 10 (AF_INET6).
	Family uint8
	// PrefixLen is tcpm_prefixlen: the key applies to the peers in
	// Addr/PrefixLen.
	PrefixLen uint8
	// Addr is tcpm_addr: its first 4 bytes for AF_INET, all 16 for any
	// other family, as ss reads it.
	Addr netip.Addr
	// Key is tcpm_key up to tcpm_keylen (at most 80 bytes). It shares
	// one array with the other keys of the socket.
	Key []byte
}

// Sizes of the structures and limits of the attributes above.
const (
	md5SigLen = 100 // sizeof(struct tcp_diag_md5sig)
	md5KeyMax = 80  // TCP_MD5SIG_MAXKEYLEN
)

// decodeMD5Sig decodes INET_DIAG_MD5SIG: an array of struct
// tcp_diag_md5sig,
//
//	__u8   tcpm_family;     0
//	__u8   tcpm_prefixlen;  1
//	__u16  tcpm_keylen;     2
//	__be32 tcpm_addr[4];    4
//	__u8   tcpm_key[80];   20
//
// one key per 100 bytes, a short last one read as zeros past its end (ss
// reads as many as the length covers). It copies b, which the caller may
// reuse. Empty b yields no keys.
func decodeMD5Sig(b []byte) []MD5Key {
	if len(b) == 0 {
		return nil
	}
	n := (len(b) + md5SigLen - 1) / md5SigLen
	buf := make([]byte, n*md5SigLen)
	copy(buf, b)
	keys := make([]MD5Key, n)
	for i := range keys {
		e := buf[i*md5SigLen : (i+1)*md5SigLen]
		k := &keys[i]
		k.Family, k.PrefixLen = e[0], e[1]
		if k.Family == afInet6 {
			k.Addr = netip.AddrFrom16([16]byte(e[4:20]))
		} else {
			k.Addr = netip.AddrFrom4([4]byte(e[4:8]))
		}
		kl := min(int(binary.NativeEndian.Uint16(e[2:4])), md5KeyMax)
		k.Key = e[20 : 20+kl : 20+kl]
	}
	return keys
}

// ulpNames are the kernel's ULPs, so that decoding a socket's allocates
// nothing in the common case.
var ulpNames = [...]string{"mptcp", "tls", "espintcp", "smc"}

// cString returns the bytes of b up to its first NUL.
func cString(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}

// ulpName returns name as a string, one of ulpNames where it is one.
func ulpName(name []byte) string {
	for _, n := range ulpNames {
		if n == string(name) {
			return n
		}
	}
	return string(name)
}

// padded4 reads b as a native-endian u32 the way ss's rta_getattr_u32
// does: a shorter payload (MPTCP_SUBFLOW_ATTR_MAP_DATALEN is a u16) is
// followed by the attribute's zeroed padding.
func padded4(b []byte) uint32 {
	var buf [4]byte
	copy(buf[:], b)
	return binary.NativeEndian.Uint32(buf[:])
}

// padded8 reads b as a native-endian u64, zeros past its end.
func padded8(b []byte) uint64 {
	var buf [8]byte
	copy(buf[:], b)
	return binary.NativeEndian.Uint64(buf[:])
}

// padded2 reads b as a native-endian u16, zeros past its end.
func padded2(b []byte) uint16 {
	var buf [2]byte
	copy(buf[:], b)
	return binary.NativeEndian.Uint16(buf[:])
}

// decodeULPInfo decodes the nested attributes of INET_DIAG_ULP_INFO. It
// reports false for malformed nesting at its top level, where nothing is
// kept; malformed attributes inside TLS or MPTCP end that nest with what
// was read before them, as ss's parser does.
func decodeULPInfo(b []byte) (ULPInfo, bool) {
	var u ULPInfo
	it := netlink.NewAttrs(b)
	for it.Next() {
		a := it.Type()
		if a == 0 || a > uint16(ULPAttrMPTCP) || u.Has(ULPAttr(a)) {
			continue
		}
		u.Attrs |= 1 << a
		switch ULPAttr(a) {
		case ULPAttrName:
			u.Name = ulpName(cString(it.Data()))
		case ULPAttrTLS:
			u.TLS = decodeTLSInfo(it.Data())
		case ULPAttrMPTCP:
			u.MPTCP = decodeMPTCPSubflow(it.Data())
		}
	}
	if it.Err() != nil {
		return ULPInfo{}, false
	}
	return u, true
}

// decodeTLSInfo decodes the nested TLS_INFO_* attributes.
func decodeTLSInfo(b []byte) TLSInfo {
	var t TLSInfo
	for it := netlink.NewAttrs(b); it.Next(); {
		a := it.Type()
		if a == 0 || a > uint16(TLSAttrRxNoPad) || t.Has(TLSAttr(a)) {
			continue
		}
		t.Attrs |= 1 << a
		v := padded2(it.Data())
		switch TLSAttr(a) {
		case TLSAttrVersion:
			t.Version = v
		case TLSAttrCipher:
			t.Cipher = v
		case TLSAttrTxConf:
			t.TxConf = v
		case TLSAttrRxConf:
			t.RxConf = v
		}
	}
	return t
}

// decodeMPTCPSubflow decodes the nested MPTCP_SUBFLOW_ATTR_* attributes.
func decodeMPTCPSubflow(b []byte) MPTCPSubflowInfo {
	var m MPTCPSubflowInfo
	for it := netlink.NewAttrs(b); it.Next(); {
		a := it.Type()
		if a == 0 || a > uint16(MPTCPAttrIDLoc) || m.Has(MPTCPSubflowAttr(a)) {
			continue
		}
		m.Attrs |= 1 << a
		d := it.Data()
		switch MPTCPSubflowAttr(a) {
		case MPTCPAttrTokenRem:
			m.TokenRem = padded4(d)
		case MPTCPAttrTokenLoc:
			m.TokenLoc = padded4(d)
		case MPTCPAttrRelWriteSeq:
			m.RelWriteSeq = padded4(d)
		case MPTCPAttrMapSeq:
			m.MapSeq = padded8(d)
		case MPTCPAttrMapSfSeq:
			m.MapSfSeq = padded4(d)
		case MPTCPAttrSSNOffset:
			m.SSNOffset = padded4(d)
		case MPTCPAttrMapDataLen:
			m.MapDataLen = padded4(d)
		case MPTCPAttrFlags:
			m.Flags = MPTCPSubflowFlag(padded4(d))
		case MPTCPAttrIDRem:
			if len(d) > 0 {
				m.IDRem = d[0]
			}
		case MPTCPAttrIDLoc:
			if len(d) > 0 {
				m.IDLoc = d[0]
			}
		}
	}
	return m
}
