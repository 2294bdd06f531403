# traceload.sh - sourced by trace.sh and traceab.sh, once they have set
# BIN (their scratch directory, with connload built in it) and NS (a
# network namespace name of their own): one steady load of short
# loopback connections in NS for the whole run, how many it has made,
# the CPU processes ran (runtime), and the cleanup at exit of the load,
# of a trace still running (TRACE, its PID) and of BIN. Nothing leaves
# loopback.
LOAD= TRACE=
cleanup() {
	[[ -z $TRACE ]] || interrupt_trace 2>/dev/null || true
	[[ -z $LOAD ]] || kill "$LOAD" 2>/dev/null || true
	wait 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$BIN"
}
trap cleanup EXIT

# interrupt_trace asks the trace running (TRACE) to end: INT, as Ctrl-C.
interrupt_trace() { kill -INT "$TRACE"; }

# start_load ARGS: starts bench/connload with ARGS in NS, until cleanup.
start_load() {
	ip netns add "$NS"
	ip netns exec "$NS" ip link set lo up
	ip netns exec "$NS" "$BIN/connload" -seconds 86400 "$@" >/dev/null &
	LOAD=$!
}

# opens prints the connects NS has made (its TCP ActiveOpens).
opens() { awk '/^Tcp:/ && ++n == 2 { print $6 }' "/proc/$LOAD/net/snmp"; }

# runtime prints what every thread of the processes given ran, in ns
# (their schedstat: finer than /proc/PID/stat's jiffies). A thread that
# ends meanwhile takes its time with it: connload's threads live the
# whole run, and so do trace's. printf, not print: mawk writes a sum past
# 2^31 as 3.3e+09, which the shell's arithmetic refuses.
runtime() {
	local p
	for p; do cat /proc/"$p"/task/*/schedstat 2>/dev/null; done | awk '{ s += $1 } END { printf "%.0f\n", s }'
}
