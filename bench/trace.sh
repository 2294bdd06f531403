#!/usr/bin/env bash
# trace.sh - what sockscope trace costs: the machine's CPU while
# bench/connload makes RATE short loopback connections a second (default
# 10000) for SECS seconds (default 20), without trace and then with
# `sockscope trace --format ndjson` running (output to /dev/null), in a
# network namespace of its own; and whether trace lost any event. The
# "with" column also gives trace's own process's CPU over the run (its
# user-space side; the program's runs are in the load's own time).
#
#   bench/trace.sh [RATE] [SECS]      needs root
#
# Each run has a fresh namespace (the TIME_WAIT a run leaves would slow
# the next one's connects); runs alternate, PAIRS times (default 3). CPU
# is counted two ways over each run:
#   - the work's: connload's own (its threads, and what the kernel did in
#     them: the packets, and the eBPF program at each change of state),
#     the ksoftirqd threads', and with trace, trace's process's;
#   - the machine's busy time (/proc/stat), which also holds whatever
#     else the machine did meanwhile (on a shared VM, a spread of some
#     ±8% between runs of the same work).
# The report (OUT, default bench/results/trace-<date>.md) gives each
# pair's ratios and their medians. With STATS=1 the runs with trace also
# give the time trace's eBPF programs ran (bench/bpfstat: the kernel's
# BPF statistics, which cost a little themselves), so that the part of
# the work's CPU that is trace's own is known. Nothing leaves loopback.
set -euo pipefail
export PATH=$PATH:/usr/local/go/bin
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RATE=${1:-10000} SECS=${2:-20} PAIRS=${PAIRS:-3}
[[ $EUID -eq 0 ]] || { echo "trace.sh: needs root" >&2; exit 1; }
BIN=$(mkdir -p /tmp && mktemp -d /tmp/sockscope-trace.XXXXXX)
NS=sockscope-trace-$$
trap 'ip netns del "$NS" 2>/dev/null || true; rm -rf "$BIN"' EXIT
(cd "$ROOT" && CGO_ENABLED=0 go build -o "$BIN/sockscope" ./cmd/sockscope && go build -o "$BIN/connload" ./bench/connload &&
	go build -o "$BIN/bpfstat" ./bench/bpfstat)
mkdir -p "$HERE/results"
OUT=${OUT:-$HERE/results/trace-$(date +%Y%m%d-%H%M%S).md}
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
own() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # a process's CPU, in jiffies
softirqd() { # the ksoftirqd threads' CPU, in jiffies
	local p n=0
	for p in $(pgrep -x 'ksoftirqd/[0-9]+'); do n=$((n + $(own "$p"))); done
	echo $n
}
HZ=$(getconf CLK_TCK)
run() { # prints: the work's CPU (ms), busy jiffies, connload's line; $1: trace's PID or empty
	local b0 b1 s0 s1 t0 t1=0 line load
	ip netns del "$NS" 2>/dev/null || true
	ip netns add "$NS"
	ip netns exec "$NS" ip link set lo up
	[[ -z ${1:-} ]] || t0=$(own "$1")
	b0=$(busy) s0=$(softirqd)
	local stat=
	if [[ -n ${1:-} && ${STATS:-} == 1 ]]; then
		"$BIN/bpfstat" -for "$((SECS - 1))s" -name sockscope_tcp,sockscope_udpc,sockscope_udpr >"$BIN/bpfstat.out" &
		stat=$!
	fi
	line=$(ip netns exec "$NS" "$BIN/connload" -rate "$RATE" -seconds "$SECS")
	[[ -z $stat ]] || wait "$stat"
	b1=$(busy) s1=$(softirqd)
	[[ -z ${1:-} ]] || t1=$(($(own "$1") - t0))
	load=$(sed -n 's/.* cpu \([0-9]*\) ms$/\1/p' <<<"$line")
	[[ -z ${1:-} ]] || line="$line (trace's own CPU: $((t1 * 1000 / HZ)) ms)"
	[[ -z ${1:-} || ${STATS:-} != 1 ]] || line="$line (its programs, $((SECS - 1)) s of it: $(cat "$BIN/bpfstat.out"))"
	echo "$((load + (s1 - s0 + t1) * 1000 / HZ)) $((b1 - b0)) $line"
}
traced() { # run, with trace running
	"$BIN/sockscope" trace --format ndjson >/dev/null 2>>"$BIN/trace.err" &
	local pid=$!
	sleep 2
	run $pid
	kill -INT $pid
	wait $pid || true
}
median() { sort -n | awk '{ a[NR] = $1 } END { printf "%.3f", a[int((NR + 1) / 2)] }'; }
{
	echo "# sockscope trace: $(date -Is)"
	echo
	echo "kernel $(uname -r), $(nproc) CPUs, load at start $(cut -d' ' -f1-3 /proc/loadavg); $RATE connections/s for $SECS s, $PAIRS pairs"
	echo
	echo "| pair | work's CPU without (ms) | with (ms) | with/without | machine busy without (jiffies) | with (jiffies) | with/without | without: load | with: load |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---|---|"
	work=() machine=()
	for i in $(seq "$PAIRS"); do
		if ((i % 2)); then
			without=$(run)
			with=$(traced)
		else
			with=$(traced)
			without=$(run)
		fi
		read -r c0 b0 l0 <<<"$without"
		read -r c1 b1 l1 <<<"$with"
		rw=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.3f", b / a }')
		rmach=$(awk -v a="$b0" -v b="$b1" 'BEGIN { printf "%.3f", b / a }')
		work+=("$rw") machine+=("$rmach")
		echo "| $i | $c0 | $c1 | $rw | $b0 | $b1 | $rmach | $l0 | $l1 |"
	done
	echo
	echo "median with/without: the work's CPU **$(printf '%s\n' "${work[@]}" | median)**, the machine's busy time **$(printf '%s\n' "${machine[@]}" | median)**"
	echo
	echo "trace's own messages:"
	echo '```'
	cat "$BIN/trace.err"
	echo '```'
} >"$OUT"
cat "$OUT"
