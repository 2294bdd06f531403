package netstats

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/summary"
)

// Limits are the kernel settings sockets are measured against (the
// exporter's gauges, the doctor's thresholds). A zero field is unknown.
type Limits struct {
	// MaxOrphans is net.ipv4.tcp_max_orphans, MaxTWBuckets
	// net.ipv4.tcp_max_tw_buckets.
	MaxOrphans, MaxTWBuckets int64
	// TCPMem is net.ipv4.tcp_mem (min, pressure, max), in bytes.
	TCPMem [3]int64
	// Ephemeral is the range of local ports picked for outgoing
	// connections.
	Ephemeral summary.PortRange
	// SynCookies and TWReuse are net.ipv4.tcp_syncookies and
	// net.ipv4.tcp_tw_reuse, whose 0 means something: -1 is unknown
	// (NoSetting). ReadLimits sets them; a Limits made otherwise says
	// NoSetting itself.
	SynCookies, TWReuse int
}

// NoSetting is the value of a setting whose zero is meaningful, when it
// is not known.
const NoSetting = -1

// ReadLimits reads the limits from the sysctl files under dir
// (/proc/sys on Linux), turning pages into bytes with pageSize. A missing
// file leaves its field zero; other failures are joined into the error
// returned with what could be read. Where there is no such directory
// (Windows), every field is zero (the settings NoSetting) and the error
// wraps fs.ErrNotExist.
func ReadLimits(dir string, pageSize int) (Limits, error) {
	l := Limits{SynCookies: NoSetting, TWReuse: NoSetting}
	var errList []error
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errList = append(errList, err)
		}
		return b
	}
	if _, err := os.Stat(dir); err != nil {
		return l, err
	}
	var err error
	if b := read("net/ipv4/tcp_max_orphans"); b != nil {
		if l.MaxOrphans, err = parseInt(b); err != nil {
			errList = append(errList, err)
		}
	}
	if b := read("net/ipv4/tcp_max_tw_buckets"); b != nil {
		if l.MaxTWBuckets, err = parseInt(b); err != nil {
			errList = append(errList, err)
		}
	}
	if b := read("net/ipv4/tcp_mem"); b != nil {
		if l.TCPMem, err = ParseTCPMem(b, pageSize); err != nil {
			errList = append(errList, err)
		}
	}
	for _, f := range []struct {
		name string
		v    *int
	}{{"net/ipv4/tcp_syncookies", &l.SynCookies}, {"net/ipv4/tcp_tw_reuse", &l.TWReuse}} {
		if b := read(f.name); b != nil {
			if v, err := parseInt(b); err != nil {
				errList = append(errList, err)
			} else {
				*f.v = int(v)
			}
		}
	}
	if b := read("net/ipv4/ip_local_port_range"); b != nil {
		if l.Ephemeral, err = summary.ParsePortRange(string(b)); err != nil {
			errList = append(errList, err)
		}
	}
	return l, errors.Join(errList...)
}

// ParseTCPMem decodes net.ipv4.tcp_mem ("min pressure max", in pages)
// into bytes.
func ParseTCPMem(b []byte, pageSize int) ([3]int64, error) {
	var mem [3]int64
	f := bytes.Fields(b)
	if len(f) != 3 {
		return mem, fmt.Errorf("%w: tcp_mem %q: want three numbers", errs.ErrMalformed, quote(b))
	}
	for i, w := range f {
		v, err := strconv.ParseInt(string(w), 10, 64)
		if err != nil || v < 0 || pageSize > 0 && v > math.MaxInt64/int64(pageSize) {
			return [3]int64{}, fmt.Errorf("%w: tcp_mem %q: not a page count", errs.ErrMalformed, quote(b))
		}
		mem[i] = v * int64(pageSize)
	}
	return mem, nil
}

func parseInt(b []byte) (int64, error) {
	v, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: sysctl value %q: not a number", errs.ErrMalformed, quote(b))
	}
	return v, nil
}

// quote returns at most 40 bytes of b, the part of a bad value an error
// quotes.
func quote(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 40 {
		b = b[:40]
	}
	return string(b)
}
