#!/usr/bin/env bash
# traceab.sh - trace's own CPU a connection, two builds in turn under one
# steady load: bench/connload -blocking making RATE (default 10000) short
# loopback connections a second in a network namespace of its own, and
# `A trace ARGS` and `B trace ARGS` run alternately, PAIRS times (default
# 6), each for a window of WIN seconds (default 5) after a start of 1.5 s.
# Each window gives the build's threads' run time (their schedstat, in
# ns: finer than the jiffies of /proc/PID/stat) over the namespace's
# connects (TCP ActiveOpens), in µs a connection; at the end, the means
# and each pair's B/A by bench/ratios (its median and mean, with 90%
# intervals: the pairs are independent). Output to /dev/null.
# Needs root. Nothing leaves loopback.
#
#   bench/traceab.sh A B [ARGS...]     e.g. bench/traceab.sh /tmp/old/sockscope /tmp/new/sockscope --format ndjson
set -euo pipefail
export PATH=$PATH:/usr/local/go/bin
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
[[ $EUID -eq 0 ]] || { echo "traceab.sh: needs root" >&2; exit 1; }
(($# >= 2)) || { echo "usage: traceab.sh A B [trace's arguments]" >&2; exit 2; }
A=$1 B=$2
shift 2
RATE=${RATE:-10000} WIN=${WIN:-5} PAIRS=${PAIRS:-6}
BIN=$(mktemp -d /tmp/sockscope-traceab.XXXXXX)
NS=sockscope-traceab-$$
# shellcheck source=bench/traceload.sh
. "$HERE/traceload.sh"
(cd "$ROOT" && go build -o "$BIN/connload" ./bench/connload && go build -o "$BIN/ratios" ./bench/ratios)
start_load -blocking -rate "$RATE"
sleep 4
window() { # prints the build's µs a connection over one window
	"$1" trace "${@:2}" >/dev/null 2>/dev/null &
	TRACE=$!
	sleep 1.5
	local c0 t0 c1 t1
	c0=$(opens) t0=$(runtime "$TRACE")
	sleep "$WIN"
	c1=$(opens) t1=$(runtime "$TRACE")
	interrupt_trace
	wait "$TRACE" || true
	TRACE=
	if ! [[ $c0 =~ ^[0-9]+$ && $c1 =~ ^[0-9]+$ ]] || ((c1 <= c0)); then
		echo "traceab.sh: the load made no connection in a window (it ended?)" >&2
		exit 1
	fi
	awk -v n=$((c1 - c0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.3f", t / 1e3 / n }'
}
echo "trace's own CPU, µs a connection ($RATE/s, connload -blocking, windows of $WIN s; trace $*)"
sa= sb= ratios=
for i in $(seq "$PAIRS"); do
	a=$(window "$A" "$@")
	b=$(window "$B" "$@")
	echo "pair $i: A $a  B $b"
	sa="$sa $a" sb="$sb $b"
	ratios="$ratios$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", b / a }')"$'\n'
done
awk -v a="$sa" -v b="$sb" 'BEGIN { n = split(a, x); split(b, y); for (i = 1; i <= n; i++) { sx += x[i]; sy += y[i] }
	printf "mean: A %.3f  B %.3f  B/A %.3f\n", sx / n, sy / n, sy / sx }'
echo "each pair's B/A: $(printf '%s' "$ratios" | "$BIN/ratios" -block 1)"
