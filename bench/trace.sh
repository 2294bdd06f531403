#!/usr/bin/env bash
# trace.sh - what sockscope trace costs: the CPU a steady load of RATE
# short loopback connections a second (default 10000, bench/connload, in
# a network namespace of its own) takes per connection, in windows of WIN
# seconds (default 3) with `sockscope trace` running (NDJSON, or the
# table where TRACE_ARGS says; output to /dev/null) and without it,
# alternating; and whether trace lost any event. Needs root.
#
#   bench/trace.sh [RATE] [WIN]       PAIRS windows with trace (default 20)
#
# Why windows of one long load rather than runs of their own: this VM's
# CPU per connection drifts by a tenth and more over minutes, and a fresh
# run's own start (the namespace's first TIME_WAITs) varies too. Windows a
# few seconds apart see the same machine: each window with trace is
# compared with the mean of the windows without it just before and just
# after, which takes out a drift steady over that time. A window with
# trace begins a second after trace says it is tracing (its start, the
# kernel's BTF read and the programs loaded, is not in it) and ends
# before it is stopped; one without begins a second after trace ended.
#
# The load is open-loop: where the machine cannot keep up its rate, its
# connections pile up and it collapses. A window with fewer than 90% of
# RATE x WIN connections stops the run, keeping the windows before it.
#
# CPU is counted two ways over each window, and divided by the window's
# connections (the namespace's TCP ActiveOpens):
#   - the work's: connload's own (its threads, and what the kernel did in
#     them: the packets, and trace's eBPF programs at each change of
#     state), the ksoftirqd threads', and with trace, trace's process's;
#   - the machine's busy time (/proc/stat), which also holds whatever
#     else the machine did meanwhile.
# The report (OUT, default bench/results/trace-<date>.md) gives each
# window's ratio, their median and mean, and a 90% interval of the mean
# (a bootstrap of the windows). With STATS=1 each window with trace also
# gives the time trace's eBPF programs ran (bench/bpfstat: the kernel's
# BPF statistics, which cost a little themselves), so that the part of
# the work's CPU that is trace's own is known. TRACE_ARGS are trace's
# arguments (default "--format ndjson"; "" for the table, "-tu" for TCP
# and UDP's socket ends in a table). LOAD_ARGS are connload's (LOAD_ARGS=-blocking: the
# lightest load, raw blocking system calls on threads, as a small C
# program makes it). NULL=1 runs, in trace's place, a process that does
# nothing: what the method reads where there is nothing to measure (on
# this VM, 30 windows read a mean of 0.984, 0.969–0.998; windows from
# 0.875 to 1.075), the yardstick for any figure it gives. Nothing leaves
# loopback.
set -euo pipefail
export PATH=$PATH:/usr/local/go/bin
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RATE=${1:-10000} WIN=${2:-3} PAIRS=${PAIRS:-20} TRACE_ARGS=${TRACE_ARGS---format ndjson} LOAD_ARGS=${LOAD_ARGS:-}
[[ $EUID -eq 0 ]] || { echo "trace.sh: needs root" >&2; exit 1; }
BIN=$(mkdir -p /tmp && mktemp -d /tmp/sockscope-trace.XXXXXX)
NS=sockscope-trace-$$
# shellcheck source=bench/traceload.sh
. "$HERE/traceload.sh"
(cd "$ROOT" && CGO_ENABLED=0 go build -o "$BIN/sockscope" ./cmd/sockscope && go build -o "$BIN/connload" ./bench/connload &&
	go build -o "$BIN/bpfstat" ./bench/bpfstat && go build -o "$BIN/ratios" ./bench/ratios)
mkdir -p "$HERE/results"
OUT=${OUT:-$HERE/results/trace-$(date +%Y%m%d-%H%M%S).md}
HZ=$(getconf CLK_TCK)
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
own() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # a process's CPU, in jiffies
softirqd() { # the ksoftirqd threads' CPU, in jiffies
	local p n=0
	for p in $(pgrep -x 'ksoftirqd/[0-9]+'); do n=$((n + $(own "$p"))); done
	echo $n
}
perconn() { awk -v w="$1" -v n="$2" -v hz="$HZ" 'BEGIN { printf "%.3f", w * 1e6 / hz / n }'; } # jiffies $1 over $2 connections, in µs each
kept_up() { [[ $1 =~ ^[0-9]+$ ]] && (($1 >= RATE * WIN * 9 / 10)); } # a window of the load at its rate
window() { # prints: connections, the work's CPU and the machine's busy time (jiffies), trace's CPU
	local c0 w0 b0 t0=0 t1=0 stat=
	if [[ -n $TRACE && ${STATS:-} == 1 ]]; then
		"$BIN/bpfstat" -for "${WIN}s" -name sockscope_tcp,sockscope_udpc,sockscope_udpr >"$BIN/bpfstat.out" &
		stat=$!
	fi
	[[ -z $TRACE ]] || t0=$(own "$TRACE")
	c0=$(opens) w0=$(($(own "$LOAD") + $(softirqd))) b0=$(busy)
	sleep "$WIN"
	[[ -z $TRACE ]] || t1=$(own "$TRACE")
	echo "$(($(opens) - c0)) $(($(own "$LOAD") + $(softirqd) - w0 + t1 - t0)) $(($(busy) - b0)) $((t1 - t0))"
	[[ -z $stat ]] || wait "$stat"
}
start_trace() { # starts trace and waits until it traces
	: >"$BIN/trace.err"
	if [[ ${NULL:-} == 1 ]]; then
		sleep 86400 &
		TRACE=$!
		echo "a null trace: sleep, tracing nothing" >"$BIN/trace.err"
	else
		# shellcheck disable=SC2086
		"$BIN/sockscope" trace $TRACE_ARGS >/dev/null 2>"$BIN/trace.err" &
		TRACE=$!
	fi
	for _ in $(seq 100); do
		grep -q 'tracing' "$BIN/trace.err" && break
		sleep 0.1
	done
	sleep 1
}
stop_trace() {
	interrupt_trace
	wait "$TRACE" || true
	TRACE=
	cat "$BIN/trace.err" >>"$BIN/trace.all"
	sleep 1
}
# shellcheck disable=SC2086
start_load -rate "$RATE" $LOAD_ARGS
sleep 5 # its first seconds: TIME_WAITs piling up
: >"$BIN/trace.all"
{
	echo "# sockscope trace: $(date -Is)"
	echo
	echo "kernel $(uname -r), $(nproc) CPUs, load at start $(cut -d' ' -f1-3 /proc/loadavg); $RATE connections/s, windows of $WIN s, $PAIRS with \`sockscope trace $TRACE_ARGS\`$([[ ${NULL:-} != 1 ]] || echo " (NULL=1: in its place a process that does nothing)"), load \`connload $LOAD_ARGS\`"
	echo
	echo "Each window's CPU per connection, in µs; a window with trace against the mean of the windows without it before and after."
	echo
	echo "| window | connections | work's CPU / conn | machine / conn | trace's own / conn | work with / without | machine with / without |"
	echo "|---:|---:|---:|---:|---:|---:|---:|"
	read -r n w b _ <<<"$(window)"
	kept_up "$n" || { echo "The load made $n connections in its first window of $WIN s: this machine cannot keep up $RATE a second."; exit 1; }
	prevw=$(perconn "$w" "$n")
	prevb=$(perconn "$b" "$n")
	echo "| without | $n | $prevw | $prevb | | | |"
	work=() machine=() own=()
	for i in $(seq "$PAIRS"); do
		start_trace
		read -r n w b t <<<"$(window)"
		stop_trace
		onw=$(perconn "$w" "$n")
		onb=$(perconn "$b" "$n")
		ont=$(perconn "$t" "$n")
		stat=
		[[ ${STATS:-} != 1 ]] || stat=" (programs: $(cat "$BIN/bpfstat.out"))"
		read -r n2 w2 b2 _ <<<"$(window)"
		if ! kept_up "$n" || ! kept_up "$n2"; then
			echo
			echo "**Stopped at window $i:** the load made $n and then $n2 connections in windows of $WIN s, under $((RATE * WIN * 9 / 10)): it fell behind (this machine, busy, cannot keep up $RATE a second), so the windows from here on would not measure trace. The windows above are kept."
			break
		fi
		nextw=$(perconn "$w2" "$n2")
		nextb=$(perconn "$b2" "$n2")
		rw=$(awk -v a="$prevw" -v b="$nextw" -v x="$onw" 'BEGIN { printf "%.3f", 2 * x / (a + b) }')
		rb=$(awk -v a="$prevb" -v b="$nextb" -v x="$onb" 'BEGIN { printf "%.3f", 2 * x / (a + b) }')
		work+=("$rw") machine+=("$rb") own+=("$(awk -v t="$ont" -v a="$prevw" -v b="$nextw" 'BEGIN { printf "%.4f", 2 * t / (a + b) }')")
		echo "| with $i | $n | $onw | $onb | $ont$stat | $rw | $rb |"
		echo "| without | $n2 | $nextw | $nextb | | | |"
		prevw=$nextw prevb=$nextb
	done
	echo
	((${#work[@]} > 0)) || { echo "No window to compare."; exit 1; }
	echo "work's CPU with/without: $(printf '%s\n' "${work[@]}" | "$BIN/ratios")"
	echo
	echo "machine's busy time with/without: $(printf '%s\n' "${machine[@]}" | "$BIN/ratios")"
	echo
	echo "trace's own process / the work without: $(printf '%s\n' "${own[@]}" | "$BIN/ratios")"
	echo
	echo "trace's own messages:"
	echo '```'
	sort "$BIN/trace.all" | uniq -c
	echo '```'
} >"$OUT"
cat "$OUT"
