#!/bin/sh
# Slow connections cannot lock the depot out: 300 connections that send a
# request head one line every 2 s (and come straight back when ended), from
# the handheld's own address and then from five others, while /v1/health
# answers and a real `fieldcheck sync` completes.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
PEER="$TOP/tests/sync/peer.py"

depot_init && depot_start
URL="http://127.0.0.1:$PORT"

# flood SOURCES PER_SOURCE ENDED: starts the flood in the background (stopped by $SCRATCH/stop).
flood() {
	rm -f "$SCRATCH/stop" "$SCRATCH/ready"
	python3 "$PEER" flood "$PORT" "$1" "$2" 120 --stop-file "$SCRATCH/stop" \
		--ready-file "$SCRATCH/ready" > "$SCRATCH/flood.out" &
	FLOOD=$!
	at_exit "touch '$SCRATCH/stop'; kill $FLOOD 2>/dev/null"
	# Until the depot has ended at least as many as it holds: past the head deadline,
	# a steady state where every slot keeps coming back.
	wait_for 60 sh -c "[ \$(sed -n 's/.*ended //p' '$SCRATCH/ready' 2>/dev/null) -ge $3 ]"
}
flood_stop() {
	touch "$SCRATCH/stop"
	wait "$FLOOD"
}
# Three health checks in a row, each answered within 5 s.
health_thrice() {
	for _ in 1 2 3; do
		curl -sf --max-time 5 "$URL/v1/health" | grep -q fieldcheck-depot || return 1
	done
}

# ---- One slow head, one slow body: ended at the head deadline (10 s), and for a body
# slower than 256 B/s after its 10 s grace, not kept while bytes trickle in. ----
python3 "$PEER" slow "$PORT" head - 40 > "$SCRATCH/slowhead" &
SLOWHEAD=$!
python3 "$PEER" slow -- "$PORT" body "$(cat "$TOKEN")" 40 > "$SCRATCH/slowbody"
wait "$SLOWHEAD"
check "a head sent a line a second is ended at its deadline ($(cat "$SCRATCH/slowhead") s)" \
	sh -c "[ '$(cat "$SCRATCH/slowhead")' != never ] && [ $(cat "$SCRATCH/slowhead") -le 13 ]"
check "a body sent at 10 B/s is ended ($(cat "$SCRATCH/slowbody") s)" \
	sh -c "[ '$(cat "$SCRATCH/slowbody")' != never ] && [ $(cat "$SCRATCH/slowbody") -le 14 ]"

# ---- 300 slow connections from the handheld's own address (every handheld behind one NAT). ----
make_records "$HH" 30 || not_ok "records made"
flood 127.0.0.1 300 300
check "flood from one address: /v1/health answers" health_thrice
sync_to "$URL" --retry-for 60 > /dev/null 2> "$SCRATCH/sync1.err"
check "flood from one address: a real sync completes (exit $?)" test "$(queued)" = 0
check "flood from one address: all 30 records on the depot" test "$(depot_count)" = 30
check "flood from one address: /v1/health still answers" health_thrice
flood_stop

# ---- 320 from five addresses. ----
make_records "$HH" 30 || not_ok "more records made"
flood 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6 64 320
check "flood from five addresses: /v1/health answers" health_thrice
sync_to "$URL" --retry-for 60 > /dev/null 2> "$SCRATCH/sync2.err"
check "flood from five addresses: a real sync completes" test "$(queued)" = 0
check "flood from five addresses: all 60 records on the depot" test "$(depot_count)" = 60
flood_stop
check "the depot is up after the floods" health "$PORT"

# ---- Full: a newcomer that finds no connection to evict is answered 503. ----
depot_stop
depot_start --per-address 2
over() {
	python3 - "$PORT" <<'PY'
import socket, sys
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
for s in held:
    s.sendall(b"PUT /v1/bundles/x HTTP/1.1\r\n")
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(5)
s.sendall(b"GET /v1/anything HTTP/1.1\r\nHost: depot\r\n\r\n")
print(s.recv(4096).split(b" ")[1].decode())
PY
}
code=$(over)
check "a third unauthenticated connection from an address limited to 2: 503 (got $code)" test "$code" = 503
check "and the depot says it is busy" grep -q 'status=503 result=busy' "$DEPOT_LOG"
check "the depot is up at the end" health "$PORT"
