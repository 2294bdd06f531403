#!/usr/bin/env bash
# trace.sh - what sockscope trace costs: the CPU a steady load of RATE
# short loopback connections a second (default 10000, bench/connload, in
# a network namespace of its own) takes per connection, in windows of WIN
# seconds (default 1) with trace's program attached and without it,
# alternating, in one `sockscope trace` running throughout (output to
# /dev/null); and whether trace lost any event. Needs root.
#
#   bench/trace.sh [RATE] [WIN]       PAIRS windows with the program (default 150)
#
# Why one trace, paused and resumed: this VM's CPU per connection moves
# in steps (on one day 45, 55 and 67 µs, each held some 10 s, within a
# step 1-s windows a percent or two apart), so only windows close
# together compare. A trace started and ended for each window put its
# start (0.25 s of CPU, the kernel's BTF read, the first snapshot) and a
# few seconds between them. With SOCKSCOPE_BENCH_PAUSE set, trace
# detaches its program at SIGUSR1 and attaches it again at SIGUSR2 (see
# internal/cli): a window without the program is the machine without
# trace but for a process asleep. Each window with the program is set
# against the mean of the windows without it just before and just after.
# A window begins once trace said it had paused or resumed.
#
# The load is open-loop: where the machine cannot keep up its rate, its
# connections pile up and it collapses. A window with fewer than 90% of
# RATE x WIN connections stops the run, keeping the windows before it.
#
# CPU is counted two ways over each window, and divided by the window's
# connections (the namespace's TCP ActiveOpens):
#   - the work's, in ns (every thread's schedstat): connload's own (its
#     threads, and what the kernel did in them: the packets, and trace's
#     eBPF programs at each change of state), the ksoftirqd threads',
#     and trace's process's;
#   - the machine's busy time (the wall clock times the CPUs, less the
#     time they were idle, as the kernel measures it to the µs), which
#     also holds whatever else the machine did meanwhile.
# The report (OUT, default bench/results/trace-<date>.md) gives each
# window's ratio and their median and mean, each with a 90% interval
# (bench/ratios). The median is the figure: a window that straddles a
# step reads far off either way, and the mean carries those. With STATS=1
# each window with the program also gives the time trace's eBPF
# programs ran (bench/bpfstat: the kernel's BPF statistics, which cost a
# little themselves), so that the part of the work's CPU that is trace's
# own is known. TRACE_ARGS are trace's arguments (default "--format
# ndjson"; "" for the table; with -tu, UDP's programs stay attached in
# the windows without TCP's: only TCP's is paused). LOAD_ARGS are connload's
# (LOAD_ARGS=-blocking: the lightest load, raw blocking system calls on
# threads, as a small C program makes it). NULL=1 never resumes the
# program: every window is without it, and what the method reads there
# is the yardstick for any figure it gives. Nothing leaves loopback.
set -euo pipefail
export PATH=$PATH:/usr/local/go/bin
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RATE=${1:-10000} WIN=${2:-1} PAIRS=${PAIRS:-150} TRACE_ARGS=${TRACE_ARGS---format ndjson} LOAD_ARGS=${LOAD_ARGS:-}
[[ $EUID -eq 0 ]] || { echo "trace.sh: needs root" >&2; exit 1; }
BIN=$(mkdir -p /tmp && mktemp -d /tmp/sockscope-trace.XXXXXX)
NS=sockscope-trace-$$
# shellcheck source=bench/traceload.sh
. "$HERE/traceload.sh"
(cd "$ROOT" && CGO_ENABLED=0 go build -o "$BIN/sockscope" ./cmd/sockscope && go build -o "$BIN/connload" ./bench/connload &&
	go build -o "$BIN/bpfstat" ./bench/bpfstat && go build -o "$BIN/ratios" ./bench/ratios)
mkdir -p "$HERE/results"
OUT=${OUT:-$HERE/results/trace-$(date +%Y%m%d-%H%M%S).md}
HZ=$(getconf CLK_TCK) NCPU=$(nproc) START=$(date +%s%N)
# idle prints the CPUs' idle time so far, in ns: cpuidle's (µs) where
# there is a cpuidle driver, else /proc/stat's idle and iowait (which
# NO_HZ also measures exactly, but prints in 1/HZ s).
idle() {
	if compgen -G '/sys/devices/system/cpu/cpu[0-9]*/cpuidle/state0/time' >/dev/null; then
		cat /sys/devices/system/cpu/cpu[0-9]*/cpuidle/state*/time | awk '{ s += $1 } END { printf "%.0f\n", s * 1e3 }'
	else
		awk -v hz="$HZ" '/^cpu / { printf "%.0f\n", ($5 + $6) * 1e9 / hz }' /proc/stat
	fi
}
# busy prints the time the CPUs were not idle since START, in ns: the
# wall clock times the CPUs less their idle time. Not /proc/stat's user
# and system: those are sampled at each tick (where the tick finds a
# CPU busy, the whole tick is counted), which read the same load with
# trace 9% busier where the CPUs' idle time said 3%.
busy() {
	local t i
	t=$(($(date +%s%N) - START)) i=$(idle)
	echo $((t * NCPU - i))
}
KSOFTIRQD=$(pgrep -x 'ksoftirqd/[0-9]+' | tr '\n' ' ' || true)
perconn() { awk -v w="$1" -v n="$2" 'BEGIN { printf "%.3f", w / 1e3 / n }'; }                        # ns $1 over $2 connections, in µs each
kept_up() { [[ $1 =~ ^[0-9]+$ ]] && (($1 >= RATE * WIN * 9 / 10)); } # a window of the load at its rate
window() { # prints: connections, the work's CPU (ns), the machine's busy time (ns), trace's CPU (ns)
	local c0 w0 b0 t0 t1 stat=
	if [[ $1 == on && ${STATS:-} == 1 ]]; then
		"$BIN/bpfstat" -for "${WIN}s" -name sockscope_tcp >"$BIN/bpfstat.out" &
		stat=$!
	fi
	t0=$(runtime "$TRACE")
	# shellcheck disable=SC2086
	c0=$(opens) w0=$(runtime "$LOAD" $KSOFTIRQD) b0=$(busy)
	sleep "$WIN"
	t1=$(runtime "$TRACE")
	# shellcheck disable=SC2086
	echo "$(($(opens) - c0)) $(($(runtime "$LOAD" $KSOFTIRQD) - w0 + t1 - t0)) $(($(busy) - b0)) $((t1 - t0))"
	[[ -z $stat ]] || wait "$stat"
}
said() { # waits until trace has said $1 $2 times, some 5 s at most
	for _ in $(seq 500); do
		(($(grep -c "$1" "$BIN/trace.err") >= $2)) && return
		sleep 0.01
	done
	echo "trace.sh: trace did not say \"$1\" in some 5 s:" >&2
	cat "$BIN/trace.err" >&2
	exit 1
}
pause() { kill -USR1 "$TRACE" && said paused "$1"; }
resume() { kill -USR2 "$TRACE" && said resumed "$1"; }
# shellcheck disable=SC2086
start_load -rate "$RATE" $LOAD_ARGS
: >"$BIN/trace.err"
# shellcheck disable=SC2086
LC_ALL=C SOCKSCOPE_BENCH_PAUSE=1 "$BIN/sockscope" trace $TRACE_ARGS >/dev/null 2>"$BIN/trace.err" &
TRACE=$!
said tracing 1
pause 1
sleep 5 # the load's first seconds: TIME_WAITs piling up
{
	echo "# sockscope trace: $(date -Is)"
	echo
	echo "kernel $(uname -r), $(nproc) CPUs, load at start $(cut -d' ' -f1-3 /proc/loadavg); $RATE connections/s, windows of $WIN s, $PAIRS with the program of \`sockscope trace $TRACE_ARGS\`$([[ ${NULL:-} != 1 ]] || echo " (NULL=1: never resumed, every window without it)"), load \`connload $LOAD_ARGS\`"
	echo
	echo "Each window's CPU per connection, in µs; a window with trace against the mean of the windows without it before and after."
	echo
	echo "| window | connections | work's CPU / conn | machine / conn | trace's own / conn | work with / without | machine with / without |"
	echo "|---:|---:|---:|---:|---:|---:|---:|"
	read -r n w b _ <<<"$(window off)"
	kept_up "$n" || { echo "The load made $n connections in its first window of $WIN s: this machine cannot keep up $RATE a second."; exit 1; }
	prevw=$(perconn "$w" "$n")
	prevb=$(perconn "$b" "$n")
	echo "| without | $n | $prevw | $prevb | | | |"
	work=() machine=() own=()
	for i in $(seq "$PAIRS"); do
		[[ ${NULL:-} == 1 ]] || resume "$i"
		read -r n w b t <<<"$(window on)"
		[[ ${NULL:-} == 1 ]] || pause $((i + 1))
		read -r n2 w2 b2 _ <<<"$(window off)"
		if ! kept_up "$n" || ! kept_up "$n2"; then
			echo
			echo "**Stopped at window $i:** the load made $n and then $n2 connections in windows of $WIN s, under $((RATE * WIN * 9 / 10)): it fell behind (this machine, busy, cannot keep up $RATE a second), so the windows from here on would not measure trace. The windows above are kept."
			break
		fi
		onw=$(perconn "$w" "$n")
		onb=$(perconn "$b" "$n")
		ont=$(perconn "$t" "$n")
		stat=
		[[ ${STATS:-} != 1 ]] || stat=" (programs: $(cat "$BIN/bpfstat.out"))"
		nextw=$(perconn "$w2" "$n2")
		nextb=$(perconn "$b2" "$n2")
		rw=$(awk -v a="$prevw" -v b="$nextw" -v x="$onw" 'BEGIN { printf "%.4f", 2 * x / (a + b) }')
		rb=$(awk -v a="$prevb" -v b="$nextb" -v x="$onb" 'BEGIN { printf "%.4f", 2 * x / (a + b) }')
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
	interrupt_trace
	wait "$TRACE" || true
	TRACE=
	echo "trace's own messages:"
	echo '```'
	grep -v 'paused$\|resumed$' "$BIN/trace.err" | sort | uniq -c
	echo '```'
} >"$OUT"
cat "$OUT"
