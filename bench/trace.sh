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
# is the machine's busy time (/proc/stat) over the run; the report (OUT,
# default bench/results/trace-<date>.md) gives each pair's ratio and the
# median. Nothing leaves loopback.
set -euo pipefail
export PATH=$PATH:/usr/local/go/bin
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RATE=${1:-10000} SECS=${2:-20} PAIRS=${PAIRS:-3}
[[ $EUID -eq 0 ]] || { echo "trace.sh: needs root" >&2; exit 1; }
BIN=$(mkdir -p /tmp && mktemp -d /tmp/sockscope-trace.XXXXXX)
NS=sockscope-trace-$$
trap 'ip netns del "$NS" 2>/dev/null || true; rm -rf "$BIN"' EXIT
(cd "$ROOT" && CGO_ENABLED=0 go build -o "$BIN/sockscope" ./cmd/sockscope && go build -o "$BIN/connload" ./bench/connload)
mkdir -p "$HERE/results"
OUT=${OUT:-$HERE/results/trace-$(date +%Y%m%d-%H%M%S).md}
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
run() { # prints: busy jiffies, connload's line; a fresh namespace each
	local b0 b1 line
	ip netns del "$NS" 2>/dev/null || true
	ip netns add "$NS"
	ip netns exec "$NS" ip link set lo up
	b0=$(busy)
	line=$(ip netns exec "$NS" "$BIN/connload" -rate "$RATE" -seconds "$SECS")
	b1=$(busy)
	echo "$((b1 - b0)) $line"
}
own() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # a process's CPU, in jiffies
traced() { # run, with trace running; appends trace's own CPU over the run
	"$BIN/sockscope" trace --format ndjson >/dev/null 2>>"$BIN/trace.err" &
	local pid=$! t0 out
	sleep 2
	t0=$(own $pid)
	out=$(run)
	echo "$out (trace's own CPU: $(($(own $pid) - t0)) jiffies)"
	kill -INT $pid
	wait $pid || true
}
{
	echo "# sockscope trace: $(date -Is)"
	echo
	echo "kernel $(uname -r), $(nproc) CPUs, load at start $(cut -d' ' -f1-3 /proc/loadavg); $RATE connections/s for $SECS s, $PAIRS pairs"
	echo
	echo "| pair | without trace (jiffies) | with trace (jiffies) | with/without | without: load | with: load |"
	echo "|---:|---:|---:|---:|---|---|"
	ratios=()
	for i in $(seq "$PAIRS"); do
		if ((i % 2)); then
			without=$(run)
			with=$(traced)
		else
			with=$(traced)
			without=$(run)
		fi
		w0=${without%% *} w1=${with%% *}
		r=$(awk -v a="$w0" -v b="$w1" 'BEGIN { printf "%.3f", b / a }')
		ratios+=("$r")
		echo "| $i | $w0 | $w1 | $r | ${without#* } | ${with#* } |"
	done
	echo
	printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "median with/without: **%.3f**\n", a[int((NR + 1) / 2)] }'
	echo
	echo "trace's own messages:"
	echo '```'
	cat "$BIN/trace.err"
	echo '```'
} >"$OUT"
cat "$OUT"
