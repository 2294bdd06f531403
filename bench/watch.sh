#!/usr/bin/env bash
# watch.sh - what sockscope watch costs, side by side with ss -tan run
# every second, on the socket farm of compare.sh (about SIZE TCP sockets
# over many processes, in private network and PID namespaces).
#
#   bench/watch.sh [SIZE] [SECONDS]      default 100000 60; needs root, tmux
#
# One after another, each for SECONDS, in the same population:
#   ss -tan every second                        (CPU share of one core)
#   sockscope watch --format ndjson -t at 1 Hz  (CPU share)
#   the same two with churn: bench/churn opening and resetting 1% of SIZE
#     sockets per second (RSS of watch sampled every 10 s)
#   sockscope watch -t, full screen in tmux (200x50) at 1 Hz, with churn,
#     for SECONDS*LONG (LONG default 1; 10 for the memory check), RSS
#     sampled every 10 s (the min-max leaves out the first minute of a run
#     longer than five); TUI_ONLY=1 runs only this and ss with churn
# The report (OUT, default bench/results/watch-<date>-s<SIZE>.md) gives each
# share and the ratios to ss's. Nothing leaves loopback.
set -euo pipefail
export PATH=$PATH:/usr/local/go/bin
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

if [[ ${1:-} != --inner ]]; then
	SIZE=${1:-100000} SECS=${2:-60} LONG=${LONG:-1}
	command -v tmux >/dev/null || { echo "watch: needs tmux" >&2; exit 1; }
	CHURN_DIR=$(mktemp -d /tmp/sockscope-churn.XXXXXX)
	trap 'rm -rf "$CHURN_DIR"' EXIT
	(cd "$ROOT" && go build -o "$CHURN_DIR/churn" ./bench/churn)
	mkdir -p "$HERE/results"
	REPORT=${OUT:-$HERE/results/watch-$(date +%Y%m%d-%H%M%S)-s$SIZE.md}
	EXEC="CHURN=$CHURN_DIR/churn SIZE=$SIZE SECS=$SECS LONG=$LONG TUI_ONLY=${TUI_ONLY:-} REPORT=$REPORT $HERE/watch.sh --inner" \
		PAIRS=1 "$HERE/compare.sh" "$SIZE"
	echo "watch: report in $REPORT" >&2
	exit 0
fi

S=$BIN/sockscope
TCK=$(getconf CLK_TCK)
RSS_LOG=${REPORT%.md}-rss.txt
: >"$RSS_LOG"
# ticks PID: user+system CPU ticks of a process so far.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
share() { awk -v t="$1" -v s="$2" -v k="$TCK" 'BEGIN { printf "%.1f", 100 * t / k / s }'; }

# every1s CMD: run CMD every second (start to start) for SECS; prints the
# CPU share its runs took.
every1s() {
	local out
	out=$( { /usr/bin/time -f '%U %S' bash -c '
		end=$(( $(date +%s%N) + '"$SECS"'000000000 ))
		while :; do
			t0=$(date +%s%N); (( t0 >= end )) && break
			'"$1"' >/dev/null
			t1=$(date +%s%N); left=$(( 1000000000 - (t1 - t0) ))
			(( left > 0 )) && sleep "0.$(printf %09d $left)"
		done' ; } 2>&1 >/dev/null | tail -1)
	awk -v u="${out% *}" -v s="${out#* }" -v d="$SECS" 'BEGIN { printf "%.1f", 100 * (u + s) / d }'
}

# measure PID SECONDS: CPU share of PID over SECONDS, RSS min/max in KiB
# sampled every 10 s (after the first minute when the run is longer than
# five: the heap settles after the first full walks); the samples go to
# RSS_LOG.
measure() {
	local pid=$1 secs=$2 t0 lo=0 hi=0 r skip=0
	((secs > 300)) && skip=60
	t0=$(ticks "$pid")
	for ((i = 0; i < secs; i++)); do
		sleep 1
		if ((i % 10 == 9)); then
			r=$(rss "$pid")
			echo "$((i + 1)) $r" >>"$RSS_LOG"
			((i < skip)) && continue
			((lo == 0 || r < lo)) && lo=$r
			((r > hi)) && hi=$r
		fi
	done
	echo "$(share $(($(ticks "$pid") - t0)) "$secs") $lo $hi"
}

ndjson() {
	"$S" watch --format ndjson -t --interval 1s >/dev/null &
	local pid=$!
	sleep 0.2
	measure "$pid" "$SECS"
	kill -INT "$pid"
	wait "$pid" || true
}

{
	echo "# sockscope watch against ss -tan every second: $(date -Is)"
	echo
	echo "kernel $(uname -r), $(nproc) CPUs, load at start $(cut -d' ' -f1-3 /proc/loadavg); $(ss -V)"
	echo "population: $(ss -tan | tail -n +2 | wc -l) TCP sockets, $(ls -d /proc/[0-9]* | wc -l) processes; $SECS s per run"
	echo
	echo "| run | CPU % of one core | against ss -tan every second | RSS min–max (KiB) |"
	echo "|---|---:|---:|---|"
	if [[ -z ${TUI_ONLY:-} ]]; then
		ss_static=$(every1s "ss -tan")
		read -r w_static _ _ < <(ndjson)
		echo "| ss -tan every second | $ss_static | 1 | |"
		echo "| watch --format ndjson -t, 1 Hz | $w_static | $(awk -v a="$w_static" -v b="$ss_static" 'BEGIN { printf "%.2f", a / b }') | |"
	fi
	"$CHURN" -rate $((SIZE / 100)) -life 2s 2>/dev/null &
	CHURN_PID=$!
	trap 'kill $CHURN_PID 2>/dev/null || true' EXIT
	sleep 3
	ss_churn=$(every1s "ss -tan")
	echo "| ss -tan every second, 1% churn | $ss_churn | 1 | |"
	if [[ -z ${TUI_ONLY:-} ]]; then
		read -r w_churn w_lo w_hi < <(ndjson)
		echo "| watch --format ndjson -t, 1 Hz, 1% churn | $w_churn | $(awk -v a="$w_churn" -v b="$ss_churn" 'BEGIN { printf "%.2f", a / b }') | $w_lo–$w_hi |"
	fi
	sock=/tmp/sockscope-bench-tmux-$$
	tmux -S "$sock" new-session -d -x 200 -y 50 "$S watch -t --interval 1s"
	sleep 0.5
	pane=$(tmux -S "$sock" list-panes -F '#{pane_pid}')
	pid=$(pgrep -P "$pane" -x sockscope || echo "$pane")
	read -r w_tui t_lo t_hi < <(measure "$pid" $((SECS * LONG)))
	tmux -S "$sock" kill-server || true
	echo "| watch -t full screen (tmux 200x50), 1 Hz, 1% churn, $((SECS * LONG)) s | $w_tui | $(awk -v a="$w_tui" -v b="$ss_churn" 'BEGIN { printf "%.2f", a / b }') | $t_lo–$t_hi |"
	echo
	echo "RSS samples (seconds KiB): $RSS_LOG"
} | tee "$REPORT"
