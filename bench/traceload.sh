# traceload.sh - sourced by trace.sh and traceab.sh, once they have set
# BIN (their scratch directory, with connload built in it) and NS (a
# network namespace name of their own): one steady load of short
# loopback connections in NS for the whole run, how many it has made,
# and the cleanup at exit of the load, of a trace still running (TRACE,
# its PID) and of BIN. Nothing leaves loopback.
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
