package filter

import (
	"github.com/sockscope/sockscope/internal/containers"
	"github.com/sockscope/sockscope/internal/netns"
	"github.com/sockscope/sockscope/internal/sockets"
)

// Namespace is what the caller knows of a network namespace, for the
// fields that name it: netns = NAME, container, pod, k8s_namespace and
// image (netns.Label: an empty Name matches no netns = NAME, the zero
// Container no container field). The filter package discovers none of
// it; the caller hands it over through Plan.Namespace (or EvalWith).
type Namespace = netns.Label

// NamespaceFunc returns what is known of the network namespace with the
// given inode, nil if nothing is.
type NamespaceFunc func(inode uint64) *Namespace

// nsOf returns what ns knows of s's namespace, nil if nothing. An inode of
// 0 is a source that does not know the namespace.
func nsOf(ns NamespaceFunc, s *sockets.Socket) *Namespace {
	if ns == nil || s.NetNS == 0 {
		return nil
	}
	return ns(s.NetNS)
}

// evalNamespaceStr matches a glob on a namespace field (netns, container,
// pod, k8s_namespace, image) against s's namespace and, for container, the
// containers of the processes holding s. An empty value matches no
// pattern.
func evalNamespaceStr(n *Str, s *sockets.Socket, ns NamespaceFunc) bool {
	if x := nsOf(ns, s); x != nil {
		c := &x.Container
		switch n.Field {
		case FieldNetNS:
			if matchValue(n.Glob, x.Name) {
				return true
			}
		case FieldContainer:
			if matchContainer(n.Glob, c.ID, c.Name) {
				return true
			}
		case FieldPod:
			if matchValue(n.Glob, c.Pod.Name) {
				return true
			}
		case FieldK8sNamespace:
			if matchValue(n.Glob, c.Pod.Namespace) {
				return true
			}
		case FieldImage:
			if matchValue(n.Glob, c.Image) {
				return true
			}
		}
	}
	if n.Field != FieldContainer {
		return false
	}
	for _, p := range s.Processes {
		if p.Info != nil && matchContainer(n.Glob, p.Info.Container, "") {
			return true
		}
	}
	return false
}

func matchValue(glob, v string) bool { return v != "" && globMatch(glob, v, false) }

// matchContainer matches a container by its name, its id or its short id
// (the first 12 hex digits of a long id, as the runtimes print it). No id
// is no container.
func matchContainer(glob, id, name string) bool {
	if id == "" {
		return false
	}
	if matchValue(glob, name) || globMatch(glob, id, false) {
		return true
	}
	short := containers.Container{ID: id}.ShortID()
	return short != id && globMatch(glob, short, false)
}
