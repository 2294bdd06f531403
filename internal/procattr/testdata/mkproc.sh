#!/bin/sh
# mkproc.sh rebuilds the fake proc tree proc/ used by TestAttributeFixture
# (run from this directory). Every file is hand-written to the shape the
# kernel produces; each PID exercises one case, named below.
set -eu
rm -rf proc passwd
mkdir proc
D=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
K=fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210

# proc PID COMM STAT_REST UID CMDLINE(printf format) CGROUP(printf format)
# writes stat, comm, status, cmdline and cgroup of one process.
proc() {
	p=proc/$1
	mkdir -p "$p/fd"
	printf '%s (%s) %s\n' "$1" "$2" "$3" >"$p/stat"
	printf '%s\n' "$2" >"$p/comm"
	printf 'Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%s\nPid:\t%s\nPPid:\t0\nUid:\t%s\t%s\t%s\t%s\nGid:\t0\t0\t0\t0\n' \
		"$2" "$1" "$1" "$4" "$4" "$4" "$4" >"$p/status"
	printf "$5" >"$p/cmdline"
	printf "$6" >"$p/cgroup"
}

# 1: init; a unix socket and a listener also held by 600.
proc 1 systemd 'S 0 1 1 0 -1 4194560 0 0' 0 '/sbin/init\0splash\0' '0::/init.scope\n'
ln -s /usr/lib/systemd/systemd proc/1/exe
ln -s /dev/null proc/1/fd/0
ln -s /dev/null proc/1/fd/1
ln -s 'socket:[1001]' proc/1/fd/3
ln -s 'anon_inode:[eventpoll]' proc/1/fd/4
ln -s 'socket:[1002]' proc/1/fd/5

# 100: nginx master, argv rewritten with spaces (one element), cgroup v1
# hybrid (unified path "/", unit from name=systemd); holds 2001 twice.
proc 100 nginx 'S 1 100 100 0 -1 4194624 0 0' 0 \
	'nginx: master process /usr/sbin/nginx -g daemon on;\0' \
	'12:pids:/system.slice/nginx.service\n4:memory:/system.slice/nginx.service\n1:name=systemd:/system.slice/nginx.service\n0::/\n'
ln -s /usr/sbin/nginx proc/100/exe
ln -s 'socket:[2001]' proc/100/fd/7
ln -s 'socket:[2001]' proc/100/fd/6
ln -s 'pipe:[77]' proc/100/fd/8

# 101: nginx worker forked from 100: shares listener 2001, user www-data.
proc 101 nginx 'S 100 100 100 0 -1 4194624 0 0' 33 'nginx: worker process\0' \
	'0::/system.slice/nginx.service\n'
ln -s /usr/sbin/nginx proc/101/exe
ln -s 'socket:[2001]' proc/101/fd/6
ln -s 'socket:[2002]' proc/101/fd/9
ln -s /var/log/nginx/access.log proc/101/fd/10

# 200: comm with spaces and parentheses, deleted exe, docker container.
proc 200 'my (weird) prog' 'R 1 200 200 0 -1 0 0 0' 1000 './prog\0--name=a b\0' \
	"0::/system.slice/docker-$D.scope\n"
ln -s '/tmp/x/prog (deleted)' proc/200/exe
ln -s 'socket:[3001]' proc/200/fd/3

# 300: kernel thread: no exe, empty cmdline, empty fd table.
proc 300 'kworker/0:1-events' 'I 2 0 0 0 -1 69238880 0 0' 0 '' '0::/\n'
touch proc/300/fd/.keep

# 400: only non-socket fds.
proc 400 cat 'S 1 400 400 0 -1 0 0 0' 0 'cat\0' '0::/user.slice/user-1000.slice/session-2.scope\n'
ln -s /usr/bin/cat proc/400/exe
ln -s /dev/pts/0 proc/400/fd/0
ln -s 'pipe:[78]' proc/400/fd/1

# 500: exited between the fd walk and reading its name: no stat, no comm.
mkdir -p proc/500/fd
ln -s 'socket:[5001]' proc/500/fd/3

# 600: uid without a passwd entry, Kubernetes pod (containerd), sparse fds.
proc 600 envoy 'S 1 600 600 0 -1 0 0 0' 4242 'envoy\0-c\0/etc/envoy.yaml\0' \
	"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/cri-containerd-$K.scope\n"
ln -s /usr/local/bin/envoy proc/600/exe
ln -s 'socket:[6001]' proc/600/fd/3
ln -s 'socket:[1002]' proc/600/fd/12

# 700: exited between listing /proc and opening its directory.
ln -s /nonexistent proc/700

# Entries that are not processes.
ln -s 100 proc/self
mkdir proc/net
printf '12345.67 23456.78\n' >proc/uptime

printf 'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nalice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n' >passwd
