#!/usr/bin/env bash
# netns.sh - sockscope --all-netns against a shell loop of `ip netns exec NS
# ss` over the same namespaces: NS namespaces (default 50), each with about
# SIZE TCP sockets (default 2000) made by ../shared/bench/sockfarm over
# PROCS processes (default 2 a namespace).
#
#   bench/netns.sh [NS] [SIZE]        needs root
#
# Environment: PAIRS (default 7), FARM (sockfarm source dir), OUT (report
# file, default bench/results/netns-<date>-n<NS>-s<SIZE>.md), SHARED=1 (the
# namespaces share the kernel's TCP hash table), EXEC (a shell command to
# run against the namespaces instead of the comparisons; $BIN/sockscope is
# the build under test). The pairs run alternately
# (bench/pairtime); ratios B/A are what to compare. Everything runs in a
# private mount and PID namespace inside a parent network namespace, so the
# namespaces sockscope finds are the ones made here and the parent.
#
# By default each namespace gets a TCP hash table of its own
# (net.ipv4.tcp_child_ehash_entries, set in the parent), as on a container
# host that sets it: with one table for all, every namespace's dump, ss's
# and ours alike, walks every TCP socket of the machine, and both tools
# cost namespaces x sockets of kernel time (SHARED=1 measures that too).
# Nothing leaves loopback.
set -euo pipefail
export PATH=$PATH:/usr/local/go/bin
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
die() { echo "netns: $*" >&2; exit 1; }

if [[ ${1:-} != --inner ]]; then
	NS=${1:-50} SIZE=${2:-2000}
	[[ $NS =~ ^[0-9]+$ && $SIZE =~ ^[0-9]+$ ]] || die "NS and SIZE must be numbers"
	[[ $EUID -eq 0 ]] || die "needs root (network, mount and PID namespaces)"
	for t in ip unshare ss go; do command -v "$t" >/dev/null || die "missing $t"; done
	export BIN=${BIN:-$(mktemp -d /tmp/sockscope-nsbench.XXXXXX)}
	export FARM=${FARM:-$ROOT/../shared/bench/sockfarm}
	export PAIRS=${PAIRS:-7} PROCS=${PROCS:-2}
	mkdir -p "$HERE/results"
	export OUT=${OUT:-$HERE/results/netns-$(date +%Y%m%d-%H%M%S)-n$NS-s$SIZE.md}
	(cd "$ROOT" && CGO_ENABLED=0 go build -o "$BIN/sockscope" ./cmd/sockscope && go build -o "$BIN/pairtime" ./bench/pairtime)
	(cd "$FARM" && go build -o "$BIN/sockfarm" .)
	PARENT=sockscope-nsbench-$$
	ip netns add "$PARENT"
	trap 'ip netns del "$PARENT" 2>/dev/null || true; rm -rf "$BIN"' EXIT
	if [[ -z ${SHARED:-} ]]; then
		ip netns exec "$PARENT" sysctl -qw net.ipv4.tcp_child_ehash_entries=$((SIZE * 2)) ||
			die "cannot give each namespace a hash table of its own (SHARED=1 measures without)"
	fi
	# A private /run/netns (its own mount namespace) and /proc (its own
	# PID namespace) inside the parent network namespace: the named
	# namespaces and their farms go with it.
	setsid ip netns exec "$PARENT" unshare --mount --pid --fork --mount-proc --propagation private --kill-child "$SELF" --inner "$NS" "$SIZE" &
	INNER=$!
	trap 'kill -TERM -- "-$INNER" 2>/dev/null || true; wait "$INNER" || true; exit 130' INT TERM
	wait "$INNER"
	echo "netns: report in $OUT" >&2
	exit 0
fi

NS=$2 SIZE=$3
mkdir -p /run/netns
mount -t tmpfs tmpfs /run/netns
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait || true
	for i in $(seq "$NS"); do ip netns del "nsb$i" 2>/dev/null || true; done
}
trap cleanup EXIT
for i in $(seq "$NS"); do
	ip netns add "nsb$i"
	ip -n "nsb$i" link set lo up
	"$BIN/sockfarm" --netns "nsb$i" --established $((SIZE / 2)) --procs "$PROCS" \
		--ready-file "$BIN/ready$i" >"$BIN/farm$i.log" 2>&1 &
	PIDS+=($!)
done
for i in $(seq "$NS"); do
	for _ in $(seq 3000); do
		[[ -e $BIN/ready$i ]] && break
		sleep 0.1
	done
	[[ -e $BIN/ready$i ]] || { cat "$BIN/farm$i.log" >&2; die "sockfarm $i not ready"; }
done

S=$BIN/sockscope
if [[ -n ${EXEC:-} ]]; then
	bash -c "$EXEC"
	exit
fi
for tool in "ss -tan" "ss -tanp"; do
	name=${tool// /_}
	{
		echo '#!/bin/sh'
		echo "$tool"
		echo "for ns in \$(ip netns list | cut -d' ' -f1); do ip netns exec \"\$ns\" $tool; done"
	} >"$BIN/loop-$name"
	chmod +x "$BIN/loop-$name"
done
{
	echo "# sockscope --all-netns vs a loop of ip netns exec NS ss: $(date -Is)"
	echo
	echo "kernel $(uname -r), $(nproc) CPUs, load at start $(cut -d' ' -f1-3 /proc/loadavg); $(ss -V)"
	echo "namespaces: $NS made here (+ the parent), $SIZE TCP sockets each over $PROCS processes; TCP hash table: ${SHARED:+shared}${SHARED:-one per namespace (tcp_child_ehash_entries)}"
	echo "sockscope --all-netns -tan lines: $("$S" --all-netns -tan | wc -l); loop lines: $("$BIN/loop-ss_-tan" | wc -l)"
	echo
	for pair in "$BIN/loop-ss_-tan|$S --all-netns -tan" "$BIN/loop-ss_-tanp|$S --all-netns -tanp"; do
		a=${pair%%|*} b=${pair#*|}
		echo "## ${b#"$BIN/"} against ${a#"$BIN/"}"
		echo
		"$BIN/pairtime" -n "$PAIRS" -a "$a" -b "$b" | sed "s|$BIN/||g"
		echo
	done
} | tee "$OUT"
