package render

import (
	"strconv"

	"github.com/sockscope/sockscope/internal/netns"
)

// Namespace is what a listing says of a network namespace: its name and
// its container (netns.Label).
type Namespace = netns.Label

// appendNetNSCell appends the NETNS cell of a socket in namespace inode:
// its name, else its inode. It returns the display width less the length
// in bytes, as appendSafeDW does.
func appendNetNSCell(b []byte, inode uint64, o *Options) ([]byte, int) {
	if o.Namespace != nil {
		if ns := o.Namespace(inode); ns != nil && ns.Name != "" {
			return appendSafeDW(b, ns.Name)
		}
	}
	return strconv.AppendUint(b, inode, 10), 0
}

// appendNamespaceJSON appends what the JSON object of a socket in
// namespace inode says about it beyond "netns": "netns_name", and the
// "container" and "pod" objects of a container's namespace.
func appendNamespaceJSON(b []byte, inode uint64, o *Options) []byte {
	if o == nil || o.Namespace == nil {
		return b
	}
	ns := o.Namespace(inode)
	if ns == nil {
		return b
	}
	if ns.Name != "" {
		b = append(b, `,"netns_name":`...)
		b = AppendJSONString(b, ns.Name)
	}
	if !ns.InContainer() {
		return b
	}
	c := &ns.Container
	b = append(b, `,"container":{"id":`...)
	b = AppendJSONString(b, c.ID)
	if c.Runtime != "" {
		b = append(b, `,"runtime":`...)
		b = AppendJSONString(b, string(c.Runtime))
	}
	if c.Name != "" {
		b = append(b, `,"name":`...)
		b = AppendJSONString(b, c.Name)
	}
	if c.Image != "" {
		b = append(b, `,"image":`...)
		b = AppendJSONString(b, c.Image)
	}
	b = append(b, '}')
	if p := &c.Pod; p.UID != "" || p.Name != "" {
		b = append(b, `,"pod":{`...)
		sep := ""
		for _, kv := range [...][2]string{{"uid", p.UID}, {"name", p.Name}, {"namespace", p.Namespace}} {
			if kv[1] == "" {
				continue
			}
			b = append(b, sep...)
			b = AppendJSONString(b, kv[0])
			b = append(b, ':')
			b = AppendJSONString(b, kv[1])
			sep = ","
		}
		b = append(b, '}')
	}
	return b
}
