package procattr

import "testing"

// Container ids used by the tests and the fixture tree (mkproc.sh).
const (
	dockerID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	criID    = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
)

func TestParseCgroup(t *testing.T) {
	const id = dockerID
	for _, tc := range []struct {
		name string
		in   string
		want cgroupInfo
	}{
		{"v2 service", "0::/system.slice/nginx.service\n",
			cgroupInfo{Path: "/system.slice/nginx.service", Unit: "nginx.service"}},
		{"v2 init", "0::/init.scope\n", cgroupInfo{Path: "/init.scope", Unit: "init.scope"}},
		{"v2 root", "0::/\n", cgroupInfo{Path: "/"}},
		{"v2 session", "0::/user.slice/user-1000.slice/session-3.scope\n",
			cgroupInfo{Path: "/user.slice/user-1000.slice/session-3.scope", Unit: "session-3.scope"}},
		{"v2 user service", "0::/user.slice/user-1000.slice/user@1000.service/session.slice/pipewire.service\n",
			cgroupInfo{Path: "/user.slice/user-1000.slice/user@1000.service/session.slice/pipewire.service", Unit: "pipewire.service"}},
		{"v2 user app scope", "0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-4242.scope\n",
			cgroupInfo{Path: "/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-4242.scope", Unit: "app-gnome-firefox-4242.scope"}},
		{"v2 user manager itself", "0::/user.slice/user-1000.slice/user@1000.service/init.scope\n",
			cgroupInfo{Path: "/user.slice/user-1000.slice/user@1000.service/init.scope", Unit: "init.scope"}},
		{"delegated subtree below a unit", "0::/system.slice/containerd.service/sub/leaf\n",
			cgroupInfo{Path: "/system.slice/containerd.service/sub/leaf", Unit: "containerd.service"}},
		{"colon in path", "0::/system.slice/a:b.service\n", cgroupInfo{Path: "/system.slice/a:b.service", Unit: "a:b.service"}},
		{"hybrid: unit from name=systemd",
			"12:pids:/system.slice/ssh.service\n1:name=systemd:/system.slice/ssh.service\n0::/\n",
			cgroupInfo{Path: "/system.slice/ssh.service", Unit: "ssh.service"}},
		{"hybrid at the root", "9:name=systemd:/\n4:memory:/process_api/30f198e09af44d4f0d84153012893c02\n0::/\n",
			cgroupInfo{Path: "/"}},
		{"v1 only, no systemd", "4:memory:/process_api/30f198e09af44d4f0d84153012893c02\n3:cpu:/\n",
			cgroupInfo{Path: "/process_api/30f198e09af44d4f0d84153012893c02"}},
		{"docker, systemd driver", "0::/system.slice/docker-" + id + ".scope\n",
			cgroupInfo{Path: "/system.slice/docker-" + id + ".scope", Unit: "docker-" + id + ".scope", Container: id}},
		{"docker, cgroupfs driver, v1", "12:memory:/docker/" + id + "\n11:cpu,cpuacct:/docker/" + id + "\n",
			cgroupInfo{Path: "/docker/" + id, Container: id}},
		{"docker, cgroupfs, hybrid with systemd at root",
			"12:memory:/docker/" + id + "\n1:name=systemd:/\n0::/\n",
			cgroupInfo{Path: "/", Container: id}},
		{"kubernetes, cgroupfs", "0::/kubepods/besteffort/pod5c1f7fb4-2d0a-4cfb-9f3b-1d6e1f7a3c11/" + id + "\n",
			cgroupInfo{Path: "/kubepods/besteffort/pod5c1f7fb4-2d0a-4cfb-9f3b-1d6e1f7a3c11/" + id, Container: id}},
		{"kubernetes, containerd, systemd driver",
			"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-" + criID + ".scope\n",
			cgroupInfo{Path: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-" + criID + ".scope",
				Unit: "cri-containerd-" + criID + ".scope", Container: criID}},
		{"cri-o", "0::/kubepods.slice/crio-" + id + ".scope\n",
			cgroupInfo{Path: "/kubepods.slice/crio-" + id + ".scope", Unit: "crio-" + id + ".scope", Container: id}},
		{"cri-o conmon is not the container", "0::/kubepods.slice/crio-conmon-" + id + ".scope\n",
			cgroupInfo{Path: "/kubepods.slice/crio-conmon-" + id + ".scope", Unit: "crio-conmon-" + id + ".scope"}},
		{"podman", "0::/machine.slice/libpod-" + id + ".scope/container\n",
			cgroupInfo{Path: "/machine.slice/libpod-" + id + ".scope/container", Unit: "libpod-" + id + ".scope", Container: id}},
		{"podman conmon", "0::/machine.slice/libpod-conmon-" + id + ".scope\n",
			cgroupInfo{Path: "/machine.slice/libpod-conmon-" + id + ".scope", Unit: "libpod-conmon-" + id + ".scope"}},
		// A runtime's id is 64 hex digits (internal/containers): a
		// shorter one is some other unit's name.
		{"short hex scope id", "0::/system.slice/docker-0123456789ab.scope\n",
			cgroupInfo{Path: "/system.slice/docker-0123456789ab.scope", Unit: "docker-0123456789ab.scope"}},
		{"podman, cgroupfs driver", "12:pids:/libpod_parent/libpod-" + id + "\n0::/\n",
			cgroupInfo{Path: "/libpod_parent/libpod-" + id, Container: id}},
		{"too short to be an id", "0::/system.slice/docker-abc.scope\n",
			cgroupInfo{Path: "/system.slice/docker-abc.scope", Unit: "docker-abc.scope"}},
		{"LXC payload", "0::/lxc.payload.web/system.slice/nginx.service\n",
			cgroupInfo{Path: "/lxc.payload.web/system.slice/nginx.service", Unit: "nginx.service", Container: "web"}},
		{"LXC, old layout", "4:memory:/lxc/db\n", cgroupInfo{Path: "/lxc/db", Container: "db"}},
		{"uppercase hex is not an id", "0::/docker/" + "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF" + "\n",
			cgroupInfo{Path: "/docker/0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"}},
		{"no trailing newline", "0::/system.slice/cron.service", cgroupInfo{Path: "/system.slice/cron.service", Unit: "cron.service"}},
		{"empty", "", cgroupInfo{}},
		{"malformed lines skipped", "garbage\n5:cpu\n0::relative\n0::/ok.service\n",
			cgroupInfo{Path: "/ok.service", Unit: "ok.service"}},
		{"a slice is not a unit", "0::/system.slice\n", cgroupInfo{Path: "/system.slice"}},
	} {
		if got := parseCgroup([]byte(tc.in)); got != tc.want {
			t.Errorf("%s: parseCgroup(%q)\n got %+v\nwant %+v", tc.name, tc.in, got, tc.want)
		}
	}
}
