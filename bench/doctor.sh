#!/usr/bin/env bash
# doctor.sh - what sockscope doctor's own work costs against its readings,
# on the socket farm of compare.sh (about SIZE TCP sockets over PROCS
# processes, in private network and PID namespaces).
#
#   bench/doctor.sh [SIZE]       default 100000; needs root
#
# In the same population:
#   doctor --window 0, RUNS times (default 7), with SOCKSCOPE_DOCTOR_TIMES:
#     its first reading (CLOSE_WAIT and SYN_SENT), its second (every
#     socket with owners' details and tcp_info), and its own work after
#     them (the counters and limits read again, the rules, the report)
#   peak RSS of doctor against one listing that holds every socket with
#     its owners' details (list -ta --format json), alternately (pairtime)
# The report is OUT (default bench/results/doctor-<date>-s<SIZE>.md).
# Nothing leaves loopback.
set -euo pipefail
export PATH=$PATH:/usr/local/go/bin
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ ${1:-} != --inner ]]; then
	SIZE=${1:-100000}
	mkdir -p "$HERE/results"
	REPORT=${OUT:-$HERE/results/doctor-$(date +%Y%m%d-%H%M%S)-s$SIZE.md}
	EXEC="RUNS=${RUNS:-7} REPORT=$REPORT $HERE/doctor.sh --inner" PAIRS=1 "$HERE/compare.sh" "$SIZE"
	echo "doctor: report in $REPORT" >&2
	exit 0
fi

S=$BIN/sockscope
{
	echo "# sockscope doctor: $(date -Is)"
	echo
	echo "kernel $(uname -r), $(nproc) CPUs, load at start $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "population: $(ss -tan | tail -n +2 | wc -l) TCP sockets, $(ls -d /proc/[0-9]* | wc -l) processes, PROCS=$PROCS"
	echo
	echo "## doctor's own work against its second reading"
	echo
	echo '```'
	for _ in $(seq "$RUNS"); do
		{ SOCKSCOPE_DOCTOR_TIMES=1 "$S" doctor --window 0 --format json 2>&1 >/dev/null || true; } | grep "doctor times"
	done
	echo '```'
	echo
	echo "## peak RSS: doctor (B) against list -ta --format json (A)"
	echo
	"$BIN/pairtime" -n 5 -ok 0,3,4 -a "$S list -ta --format json" -b "$S doctor --window 0 --format json"
} >"$REPORT"
