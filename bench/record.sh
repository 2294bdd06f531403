#!/usr/bin/env bash
# record.sh - what sockscope record costs at RATE short loopback
# connections a second (default 1000) for SECS seconds (default 30):
# record's CPU (user+system, as a share of one core), the rows written,
# and how much the database grew (the file and its write-ahead log), in a
# network namespace of its own.
#
#   bench/record.sh [RATE] [SECS]      needs root
#
# MODE=poll records without eBPF (--no-bpf: polling every INTERVAL,
# default 1s) instead of with it. LOAD=churn makes the load bench/churn's
# instead of bench/connload's: RATE sockets opened and as many closed a
# second, each connection living 2 s (so some 2*RATE sockets stand at any
# time), which is what polling can see; connload's connections last a few
# milliseconds and polling sees none of them. With churn, record keeps
# only its port's connections (PORT, default 47000): eBPF sees every
# namespace's, and the machine may be running others.
#
# Nothing leaves loopback.
set -euo pipefail
export PATH=$PATH:/usr/local/go/bin
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RATE=${1:-1000} SECS=${2:-30}
MODE=${MODE:-ebpf} LOAD=${LOAD:-connload} INTERVAL=${INTERVAL:-1s} PORT=${PORT:-47000}
[[ $EUID -eq 0 ]] || { echo "record.sh: needs root" >&2; exit 1; }
BIN=$(mktemp -d /tmp/sockscope-record.XXXXXX)
NS=sockscope-record-$$
trap 'ip netns del "$NS" 2>/dev/null || true; rm -rf "$BIN"' EXIT
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
(cd "$ROOT" && CGO_ENABLED=0 go build -o "$BIN/sockscope" ./cmd/sockscope && go build -o "$BIN/connload" ./bench/connload && go build -o "$BIN/churn" ./bench/churn)
DB=$BIN/h.db
FLAGS=()
[[ $MODE == poll ]] && FLAGS=(--no-bpf --interval "$INTERVAL")
[[ $LOAD == churn ]] && FLAGS+=("sport = :$PORT or dport = :$PORT")
ip netns exec "$NS" "$BIN/sockscope" record "${FLAGS[@]}" --db "$DB" 2>"$BIN/record.err" &
REC=$!
sleep 2
size() { # the database and its write-ahead log, in bytes
	local n=0 f
	for f in "$DB" "$DB-wal"; do
		[[ -e $f ]] && n=$((n + $(stat -c %s "$f")))
	done
	echo $n
}
TCK=$(getconf CLK_TCK)
# The recorder runs under ip netns exec: its child is the sockscope.
PID=$(pgrep -P $REC sockscope || echo $REC)
t0=$(awk '{ print $14 + $15 }' /proc/$PID/stat)
s0=$(size)
if [[ $LOAD == churn ]]; then
	ip netns exec "$NS" "$BIN/churn" -rate "$RATE" -life 2s -addr "127.0.0.1:$PORT" 2>"$BIN/churn.err" &
	CH=$!
	sleep "$SECS"
	kill -INT $CH
	wait $CH || true
	load="churn: $RATE sockets opened and closed a second, each connection living 2s, for ${SECS}s"
else
	load=$(ip netns exec "$NS" "$BIN/connload" -rate "$RATE" -seconds "$SECS")
fi
sleep 1
t1=$(awk '{ print $14 + $15 }' /proc/$PID/stat)
kill -INT $REC
wait $REC || true
s1=$(size)
rows=$("$BIN/sockscope" history --db "$DB" --format ndjson | wc -l)
echo "# sockscope record: $(date -Is)"
echo
echo "kernel $(uname -r), $(nproc) CPUs; record with $MODE$([[ $MODE == poll ]] && echo " every $INTERVAL"); $load"
echo
awk -v t=$((t1 - t0)) -v k="$TCK" -v s="$SECS" -v r="$rows" -v g=$((s1 - s0)) 'BEGIN {
	printf "record: %.1f%% of a core; %d events stored; database grew %d bytes (%.0f bytes an event)\n", 100 * t / k / s, r, g, g / r }'
