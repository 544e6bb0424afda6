#!/bin/sh
# Faults while syncing, each ending with every record on the depot exactly
# once and none lost on the handheld:
#   the depot SIGKILLed mid-upload 20+ times (and restarted) while sync runs;
#   the connection cut mid-body by a proxy;
#   the depot down for a while, then back;
#   a server slower than the client's timeout (the depot commits, the reply comes too late).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

depot_init
make_records "$SCRATCH/base.db" 300 || not_ok "records made"

# all_there LABEL: the end state every fault must reach.
all_there() {
	check "$1: handheld shows 0 queued" test "$(queued)" = 0
	check "$1: depot holds all 300 records" test "$(depot_count)" = 300
	check "$1: each exactly once" test "$(depot_unique)" = 300
	answers "$HH" > "$SCRATCH/hh.answers"
	answers "$DEPOT_DB" > "$SCRATCH/depot.answers"
	check "$1: depot answers identical to the handheld's" cmp -s "$SCRATCH/hh.answers" "$SCRATCH/depot.answers"
}
fresh() {
	depot_kill
	rm -f "$DEPOT_DB"* "$HH"*
	depot_init
	cp "$SCRATCH/base.db" "$HH"
	: > "$DEPOT_LOG"
}

# ---- SIGKILL mid-upload, 20+ times ----
# Small bundles (a few records each) so there are many uploads.  The depot
# is armed by writing its PID where the proxy looks: the proxy then passes
# on part of the next PUT (a third, two thirds, all but its last bytes, or
# all of it, in turn), lets the depot read it, and SIGKILLs it; its events
# file says where each request was, so only kills of an upload in flight
# (no reply begun) are counted.  Before each kill the proxy lets one upload
# through, so the client progresses and its backoff starts again from 0.25 s.
fresh
depot_start
EVENTS="$SCRATCH/events"
ARMED="$SCRATCH/armed"
: > "$EVENTS"
: > "$ARMED"
python3 "$NETFAULT" proxy 0 "$PORT" --events "$EVENTS" --kill-pid-file "$ARMED" \
	--kill-at 0.33,0.67,0.999,1 > "$SCRATCH/px1" &
PXPID=$!
PX=$(wait_port "$SCRATCH/px1")
at_exit "kill $PXPID 2>/dev/null"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $PX))"
sync_to "http://127.0.0.1:$PX" --max-bundle 1024 --retry-for 60 --connect-timeout 1 \
	--timeout 5 > "$SCRATCH/sync.out" 2> "$SCRATCH/sync.err" &
SYNC=$!
at_exit "kill $SYNC 2>/dev/null"
killed() { grep -c '^kill PUT .* replied=0' "$EVENTS"; }
rounds=0
while [ "$(killed)" -lt 24 ] && [ "$rounds" -lt 40 ] && kill -0 "$SYNC" 2>/dev/null; do
	rounds=$((rounds + 1))
	echo "$DEPOT_PID" > "$ARMED"
	# The proxy empties the file when it has killed the depot.
	wait_for 30 test ! -s "$ARMED" || break
	wait "$DEPOT_PID" 2>/dev/null
	DEPOT_PID=
	depot_start || break
done
: > "$ARMED"
wait "$SYNC"
st=$?
kills=$(killed)
check "depot SIGKILLed mid-upload $kills times while sync ran (>= 20, no reply begun)" test "$kills" -ge 20
# A kill after the whole body may land after the depot has begun its reply
# (it commits fast); such kills still test the client but are not counted.
echo "# $(grep -c '^kill PUT' "$EVENTS") kills in all, $kills before any reply began"
check "kill: some kills cut the body short, some came after the whole body" \
	sh -c "grep -q 'kill PUT sent=\([0-9]*\) of=\1 ' '$EVENTS' && grep -v 'kill PUT sent=\([0-9]*\) of=\1 ' '$EVENTS' | grep -q 'kill PUT'"
check "kill: fieldcheck sync exits 0 in the end" test "$st" -eq 0
check "kill: the client retried after failures" grep -q 'retrying in' "$SCRATCH/sync.err"
all_there "kill x$kills"
check "kill: depot database intact" sh -c "sqlite3 '$DEPOT_DB' 'PRAGMA integrity_check' | grep -qx ok"
kill "$PXPID"

# ---- Connection cut mid-body by a proxy (the first 5 connections) ----
fresh
depot_start
: > "$EVENTS"
python3 "$NETFAULT" proxy 0 "$PORT" --cut-after 700 --faults 5 --events "$EVENTS" > "$SCRATCH/px2" &
PXPID=$!
PX=$(wait_port "$SCRATCH/px2")
at_exit "kill $PXPID 2>/dev/null"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $PX))"
sync_to "http://127.0.0.1:$PX" --max-bundle 4096 --retry-for 30 --timeout 5 > /dev/null 2> "$SCRATCH/cut.err"
check "cut: sync exits 0 after the cuts" test $? -eq 0
check "cut: the cuts were seen as failures" grep -q 'retrying in' "$SCRATCH/cut.err"
# The proxy's first connection is the readiness probe above; the next 4 are uploads.
check "cut: 4 uploads cut mid-body (after 700 bytes of longer requests)" \
	test "$(awk '/^cut PUT sent=700 of=[0-9]+$/ { split($4, t, "="); if (t[2] > 700) n++ } END { print n + 0 }' \
	"$EVENTS")" -eq 4
check "cut: nothing rejected by the depot (no partial body stored)" sh -c "! grep -q 'status=400' '$DEPOT_LOG'"
all_there "cut"
kill "$PXPID"

# ---- Depot down for a while, then back ----
fresh
PORT=$(free_port)
sync_to "http://127.0.0.1:$PORT" --retry-for 30 --connect-timeout 1 > /dev/null 2> "$SCRATCH/down.err" &
SYNC=$!
wait_for 20 grep -q 'retrying in' "$SCRATCH/down.err"
check "down: sync keeps retrying while the depot is down" kill -0 "$SYNC"
check "down: nothing sent yet (300 queued)" test "$(queued)" = 300
depot_start
wait "$SYNC"
check "down: sync exits 0 once the depot is back" test $? -eq 0
all_there "down"

# With --once a down depot is a failure with the reason, and nothing changes.
fresh
PORT=$(free_port)
sync_to "http://127.0.0.1:$PORT" --once --connect-timeout 1 > /dev/null 2> "$SCRATCH/once.err"
check "down --once: exits non-zero" test $? -ne 0
check "down --once: says why" grep -q 'sync failed:.*127.0.0.1' "$SCRATCH/once.err"
check "down --once: still 300 queued" test "$(queued)" = 300

# ---- A server slower than the client's timeout ----
# The proxy holds the depot's reply 3 s for the first 3 connections; the
# client gives up after 1 s, so the depot has committed bundles the client
# does not know about.  The retry gets 200 for those, and nothing doubles.
depot_start
python3 "$NETFAULT" proxy 0 "$PORT" --delay 3 --faults 3 > "$SCRATCH/px3" &
PXPID=$!
PX=$(wait_port "$SCRATCH/px3")
at_exit "kill $PXPID 2>/dev/null"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $PX))"
sync_to "http://127.0.0.1:$PX" --timeout 1 --max-bundle 8192 --retry-for 30 > /dev/null 2> "$SCRATCH/slow.err"
check "slow: sync exits 0" test $? -eq 0
check "slow: the client timed out first" grep -q 'did not answer in time' "$SCRATCH/slow.err"
check "slow: the depot answered a repeat with 200" grep -q 'status=200 result=again' "$DEPOT_LOG"
all_there "slow"
kill "$PXPID"

# A server that never answers, with --once: fails in about the timeout.
python3 "$NETFAULT" silent 0 > "$SCRATCH/silent" &
at_exit "kill $! 2>/dev/null"
SIL=$(wait_port "$SCRATCH/silent")
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $SIL))"
make_records "$HH" 1
t0=$(date +%s%N)
sync_to "http://127.0.0.1:$SIL" --once --timeout 1 > /dev/null 2>&1
st=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "silent server: --once fails" test "$st" -ne 0
check "silent server: within the timeout ($ms ms <= 3000)" test "$ms" -le 3000
check "silent server: the record is still queued" test "$(queued)" = 1
