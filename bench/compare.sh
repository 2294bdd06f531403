#!/usr/bin/env bash
# compare.sh - sockscope against ss, side by side, on a socket population of
# about SIZE TCP sockets made by ../shared/bench/sockfarm in a private
# network namespace (own socket hash tables) and PID namespace (own /proc).
#
#   bench/compare.sh [SIZE]        default 100000; needs root
#
# Environment: PROCS (socket processes, default 200), PAIRS (default 7),
# FARM (sockfarm source dir, default ../shared/bench/sockfarm), OUT (report
# file, default bench/results/compare-<date>-s<SIZE>-p<PROCS>.md), EXEC (a
# shell command to run against the population instead of the comparisons,
# e.g. for profiling: $BIN/sockscope is the build under test).
# Each comparison runs A and B alternately PAIRS times (bench/pairtime) and
# reports the ratio B/A per pair and its median. Nothing leaves loopback.
set -euo pipefail
export PATH=$PATH:/usr/local/go/bin
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
die() { echo "compare: $*" >&2; exit 1; }

if [[ ${1:-} != --inner ]]; then
	SIZE=${1:-100000}
	[[ $SIZE =~ ^[0-9]+$ ]] || die "SIZE must be a number"
	[[ $EUID -eq 0 ]] || die "needs root (network and PID namespaces)"
	for t in ip unshare ss go; do command -v "$t" >/dev/null || die "missing $t"; done
	export BIN=${BIN:-$(mktemp -d /tmp/sockscope-bench.XXXXXX)}
	export FARM=${FARM:-$ROOT/../shared/bench/sockfarm}
	export PROCS=${PROCS:-200} PAIRS=${PAIRS:-7}
	mkdir -p "$HERE/results"
	export OUT=${OUT:-$HERE/results/compare-$(date +%Y%m%d-%H%M%S)-s$SIZE-p$PROCS.md}
	(cd "$ROOT" && CGO_ENABLED=0 go build -o "$BIN/sockscope" ./cmd/sockscope && go build -o "$BIN/pairtime" ./bench/pairtime)
	(cd "$FARM" && go build -o "$BIN/sockfarm" .)
	NETNS=sockscope-bench-$$
	ip netns add "$NETNS"
	trap 'ip netns del "$NETNS" 2>/dev/null || true; rm -rf "$BIN"' EXIT
	EHASH=$(sysctl -n net.ipv4.tcp_ehash_entries)
	UHASH=$(sysctl -n net.ipv4.udp_hash_entries)
	ip netns exec "$NETNS" sysctl -qw "net.ipv4.tcp_child_ehash_entries=${EHASH#-}" \
		"net.ipv4.udp_child_hash_entries=${UHASH#-}" ||
		echo "compare: warning: no private socket hash tables" >&2
	setsid ip netns exec "$NETNS" unshare --net --pid --fork --mount-proc --kill-child "$SELF" --inner "$SIZE" &
	INNER=$!
	trap 'kill -TERM -- "-$INNER" 2>/dev/null || true; wait "$INNER" || true; exit 130' INT TERM
	wait "$INNER"
	echo "compare: report in $OUT" >&2
	exit 0
fi

SIZE=$2
ip link set lo up
READY=$(mktemp -u /tmp/sockfarm-ready.XXXXXX)
"$BIN/sockfarm" --established $((SIZE * 48 / 100)) --time-wait $((SIZE * 2 / 100)) \
	--close-wait $((SIZE / 200)) --listen 10 --udp $((SIZE / 100)) --procs "$PROCS" \
	--ready-file "$READY" >"$BIN/farm.log" 2>&1 &
FARM_PID=$!
trap 'kill -TERM $FARM_PID 2>/dev/null; wait $FARM_PID 2>/dev/null || true' EXIT
for _ in $(seq 3000); do
	[[ -e $READY ]] && break
	kill -0 $FARM_PID 2>/dev/null || { cat "$BIN/farm.log" >&2; die "sockfarm failed"; }
	sleep 0.1
done
[[ -e $READY ]] || die "sockfarm not ready"

S=$BIN/sockscope
if [[ -n ${EXEC:-} ]]; then
	bash -c "$EXEC"
	exit
fi
{
	echo "# sockscope vs ss: $(date -Is)"
	echo
	echo "kernel $(uname -r), $(nproc) CPUs, load at start $(cut -d' ' -f1-3 /proc/loadavg); $(ss -V)"
	echo "population: $(ss -tan | tail -n +2 | wc -l) TCP sockets, $(ls -d /proc/[0-9]* | wc -l) processes in the PID namespace, PROCS=$PROCS"
	echo "sockscope -tan lines: $("$S" -tan | wc -l); ss -tan lines: $(ss -tan | wc -l)"
	echo
	# A client's port (dport = :PORT matches its peer alone), for a filter
	# the kernel applies with few matches, and the farm's program name, for
	# a filter on owners.
	PORT=$(ss -tnH state established | awk 'NR == 1 { sub(/.*:/, "", $3); print $3 }')
	PROG=$(cat /proc/$FARM_PID/comm)
	echo "filters: dport = :$PORT ($(ss -tanH dport = :"$PORT" | wc -l) sockets), program = $PROG"
	printf '#!/bin/sh\nss -tanp | grep -F "$1"\n' >"$BIN/ss-grep"
	chmod +x "$BIN/ss-grep"
	echo
	# sockscope through the name ss (a symlink), against the real one.
	mkdir -p "$BIN/as-ss"
	ln -sf "$S" "$BIN/as-ss/ss"
	for pair in "ss -tan|$S -tan" "ss -tanp|$S -tanp" "$S -tanp|$S -tan --format json" "$S -tan|$S -tan --format json" \
		"ss -tan dport = :$PORT|$S -tan dport = :$PORT" \
		"$BIN/ss-grep $PROG|$S -tanp program = $PROG" \
		"ss -tani|$S list --tcp --all --numeric --info" \
		"ss -tan|$BIN/as-ss/ss -tan" "ss -tanp|$BIN/as-ss/ss -tanp"; do
		a=${pair%%|*} b=${pair#*|}
		echo "## ${b#"$BIN/"} against ${a#"$BIN/"}" | sed 's|ss-grep \([^ ]*\)|ss -tanp \| grep -F \1|'
		echo
		"$BIN/pairtime" -n "$PAIRS" -a "$a" -b "$b" | sed "s|$BIN/||g"
		echo
	done
} | tee "$OUT"
