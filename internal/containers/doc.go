// Package containers tells which container (and Kubernetes pod) a process
// belongs to, from the process's cgroup, and names it from the container
// runtimes' own state files, never by asking a daemon.
//
// # Identification
//
// Identify reads the content of /proc/PID/cgroup (cgroup v2 "0::/path" and
// v1 "N:controllers:/path" lines) and IdentifyPath one cgroup path. Both are
// pure functions over untrusted text: they never fail, never panic and
// allocate nothing for a process that is not in a container, because they
// run for every process on the machine. They know the layouts written by
// docker (docker-<id>.scope, /docker/<id>), containerd's CRI plugin
// (cri-containerd-<id>.scope, /kubepods/.../<id>), CRI-O (crio-<id>.scope,
// its monitor crio-conmon-<id>.scope), podman (libpod-<id>.scope,
// /libpod_parent/libpod-<id>, its monitor libpod-conmon-<id>.scope), LXC
// (/lxc/NAME, lxc.payload.NAME, its monitor lxc.monitor.NAME),
// systemd-nspawn (machine.slice/machine-NAME.scope, systemd's \x2d escapes
// undone) and the Kubernetes pod around any of them (kubepods-...-pod<uid>.slice
// with the UID's dashes written as underscores, or /kubepods/<qos>/pod<uid>).
// The deepest container in the path wins, so a container nested in another
// (docker in docker, docker in LXC) is named as the inner one.
//
// A runtime's monitor process (conmon, lxc monitor) sits beside the
// container in a cgroup named after it but runs in the host's namespaces:
// it is reported with Monitor set, and a caller naming a network namespace
// after a container must skip it.
//
// # Names
//
// A Resolver adds what the cgroup does not carry (the container's name, its
// image, the pod's name and namespace) from the files the runtimes write,
// read-only, under a configurable root: docker's
// /var/lib/docker/containers/<id>/config.v2.json, the OCI bundle's
// config.json annotations (containerd's
// /run/containerd/io.containerd.runtime.v2.task/<ns>/<id>/config.json,
// CRI-O's /run/containers/storage/overlay-containers/<id>/userdata/config.json)
// and the containers/storage list podman and CRI-O share
// (/var/lib/containers/storage/overlay-containers/containers.json, and a
// rootless user's ~/.local/share/containers/storage when the cgroup is under
// that user's systemd manager). It
// caches per container id and never fails its caller: what cannot be read
// stays empty.
//
// # Namespaces
//
// Resolver.OfNamespace names a network namespace from the processes in it:
// the container of its first process, unless that process is on the host
// (the host's namespace, which host-network containers share) or is a
// monitor. Container.NetnsLabel is what such a namespace is shown as: the
// pod (NAMESPACE/NAME) for Kubernetes, whose containers share one
// namespace, else the container's name or short id.
package containers
