#!/usr/bin/env bash
# serve.sh - what a scrape of sockscope serve costs, side by side with
# sockscope -tanp, on the socket farm of compare.sh (about SIZE TCP
# sockets over PROCS processes, in private network and PID namespaces).
#
#   bench/serve.sh [SIZE]       default 100000; needs root
#
# In the same population, serve on loopback with --scrape.cache 0 (every
# scrape reads):
#   one scrape against sockscope -tanp, alternately PAIRS times (pairtime;
#     the first scrape, which walks every process, is made before)
#   the series on /metrics with default settings
#   100 scrapes at once (one reading shared), against one scrape alone
#   SCRAPES scrapes back to back (default 3600: an hour of 1 s scrapes),
#     serve's RSS and goroutines every 100
# The report is OUT (default bench/results/serve-<date>-s<SIZE>.md). Nothing
# leaves loopback.
set -euo pipefail
export PATH=$PATH:/usr/local/go/bin
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

if [[ ${1:-} != --inner ]]; then
	SIZE=${1:-100000}
	TOOLS=$(mktemp -d /tmp/sockscope-serve.XXXXXX)
	trap 'rm -rf "$TOOLS"' EXIT
	(cd "$ROOT" && go build -o "$TOOLS/scrape" ./bench/scrape)
	mkdir -p "$HERE/results"
	REPORT=${OUT:-$HERE/results/serve-$(date +%Y%m%d-%H%M%S)-s$SIZE.md}
	EXEC="SCRAPE=$TOOLS/scrape SCRAPES=${SCRAPES:-3600} REPORT=$REPORT $HERE/serve.sh --inner" \
		PAIRS=1 "$HERE/compare.sh" "$SIZE"
	echo "serve: report in $REPORT" >&2
	exit 0
fi

S=$BIN/sockscope
URL=http://127.0.0.1:10393/metrics
"$S" serve --web.listen-address 127.0.0.1:10393 --scrape.cache 0 2>"$BIN/serve.log" &
SERVE=$!
trap 'kill $SERVE 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q serving "$BIN/serve.log" && break; sleep 0.1; done
{
	echo "# sockscope serve: $(date -Is)"
	echo
	echo "kernel $(uname -r), $(nproc) CPUs, load at start $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "population: $(ss -tan | tail -n +2 | wc -l) TCP sockets, $(ls -d /proc/[0-9]* | wc -l) processes, PROCS=$PROCS"
	echo
	echo "## the first scrape (a walk of every process's files)"
	echo
	echo '```'
	"$SCRAPE" -url "$URL" -n 1 -series
	echo '```'
	echo
	echo "## one scrape against sockscope -tanp (B/A)"
	echo
	"$BIN/pairtime" -n "${PAIRS_SERVE:-9}" -a "$S -tanp" -b "$SCRAPE -url $URL -n 1"
	echo
	echo "## one scrape alone, then 100 at once"
	echo
	echo '```'
	"$SCRAPE" -url "$URL" -n 9
	"$SCRAPE" -url "$URL" -n 1 -c 100
	echo '```'
	echo
	echo "## $SCRAPES scrapes back to back"
	echo
	echo '```'
	"$SCRAPE" -url "$URL" -n "$SCRAPES" -rss "$SERVE" -every 100
	echo '```'
} >"$REPORT"
