#!/bin/sh
# What the depot trusts: only what a token proves.  A device's token cannot
# deliver another device's records or corrections, a bundle UUID cannot be
# reused for other bytes, a request without a valid token is answered
# before its body is read, every logged field is escaped, and a database
# failure is explained in the log, not to the client.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
PEER="$TOP/tests/sync/peer.py"

depot_init
"$DEPOT" --db "$DEPOT_DB" device add hh2 > "$SCRATCH/token2"
chmod 600 "$SCRATCH/token2"
depot_start
URL="http://127.0.0.1:$PORT"
HH2="$SCRATCH/hh2.db"

check "the depot's database is readable by its owner only" \
	test "$(stat -c %a "$DEPOT_DB")" = 600

# hh1's two records reach the depot by a real sync.
make_records "$HH" 2 || not_ok "hh1's records made"
sync_to "$URL" --once > /dev/null 2>&1
check "hh1 synced its 2 records" test "$(depot_count)" = 2
HH1_REC=$("$FIELDCHECK" --db "$DEPOT_DB" list | head -1 | cut -f1)

# A bundle of hh2's, frozen by a sync to a login page, is the template of the forgeries.
IMP=$(free_port)
python3 "$NETFAULT" impostor "$IMP" &
at_exit "kill $!"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $IMP))"
make_records "$HH2" 1 hh2 || not_ok "hh2's record made"
"$FIELDCHECK" --db "$HH2" sync --server "http://127.0.0.1:$IMP" --device hh2 \
	--token-file "$SCRATCH/token2" --once > /dev/null 2>&1
sqlite3 "$HH2" "SELECT writefile('$SCRATCH/hh2.gz', bytes) FROM outbox LIMIT 1" > /dev/null
check "hh2 froze a bundle" test -s "$SCRATCH/hh2.gz"

# put FILE UUID TOKEN_FILE: prints the HTTP status; the reply body lands in $SCRATCH/reply.
put() {
	curl -s -o "$SCRATCH/reply" -w '%{http_code}' -X PUT --data-binary "@$1" \
		-H "Authorization: Bearer $(cat "$3")" -H "Content-Type: application/gzip" \
		-H "Repr-Digest: sha-256=:$(openssl dgst -sha256 -binary "$1" | base64 -w0):" \
		"$URL/v1/bundles/$2"
}
craft() { python3 "$PEER" craft "$SCRATCH/hh2.gz" "$@"; }
depot_has() { test "$(sqlite3 "$DEPOT_DB" "SELECT count(*) FROM records WHERE uuid = '$1'")" = 1; }

# ---- 1. A record's device is the token's device. ----
U=$(craft "$SCRATCH/forged.gz" --uuid "$(python3 -c 'import uuid; print(uuid.uuid4())')" \
	--record-device hh1 --inspector alice-forged --fresh-records)
code=$(put "$SCRATCH/forged.gz" "$U" "$SCRATCH/token2")
check "hh2's token delivering a record of device hh1: 400 (got $code)" test "$code" = 400
check "and the reply says whose record it is" grep -q 'names device hh1, but the token is hh2' "$SCRATCH/reply"
check "nothing of the forged bundle stored" test "$(depot_count)" = 2

U=$(craft "$SCRATCH/steal.gz" --uuid "$(python3 -c 'import uuid; print(uuid.uuid4())')" \
	--replaces "$HH1_REC" --fresh-records)
code=$(put "$SCRATCH/steal.gz" "$U" "$SCRATCH/token2")
check "hh2's record replacing hh1's: 400 (got $code)" test "$code" = 400
check "and the reply says it is another device's record" grep -q 'a record of another device' "$SCRATCH/reply"
check "hh1's record is not replaced" test "$(sqlite3 "$DEPOT_DB" "SELECT count(*) FROM records WHERE replaces = '$HH1_REC'")" = 0

# The real hh2 bundle is stored, and the depot notes who delivered it.
HH2_BUNDLE=$(sqlite3 "$HH2" "SELECT uuid FROM outbox LIMIT 1")
HH2_REC=$(sqlite3 "$HH2" "SELECT uuid FROM records LIMIT 1")
code=$(put "$SCRATCH/hh2.gz" "$HH2_BUNDLE" "$SCRATCH/token2")
check "hh2's own bundle: 201 (got $code)" test "$code" = 201
cp "$SCRATCH/reply" "$SCRATCH/receipt"
check "each record notes the device and bundle that delivered it" test \
	"$(sqlite3 "$DEPOT_DB" "SELECT received_from || ' ' || received_in FROM records WHERE uuid = '$HH2_REC'" 2>&1)" \
	= "hh2 $HH2_BUNDLE"
check "and that note cannot be rewritten" \
	sh -c "! sqlite3 '$DEPOT_DB' \"UPDATE records SET received_from = 'hh1' WHERE uuid = '$HH2_REC'\" 2>/dev/null"
check "each bundle notes its device and digest" test \
	"$(sqlite3 "$DEPOT_DB" "SELECT device || ' ' || sha256 FROM received_bundles WHERE uuid = '$HH2_BUNDLE'" 2>&1)" \
	= "hh2 $(sha256sum "$SCRATCH/hh2.gz" | cut -d' ' -f1)"

# ---- 2. A reused bundle UUID: the same bytes get the receipt, other bytes 409. ----
code=$(put "$SCRATCH/hh2.gz" "$HH2_BUNDLE" "$SCRATCH/token2")
check "the same bundle again: 200 (got $code)" test "$code" = 200
check "with the same receipt" cmp -s "$SCRATCH/receipt" "$SCRATCH/reply"
craft "$SCRATCH/other.gz" --fresh-records > /dev/null
code=$(put "$SCRATCH/other.gz" "$HH2_BUNDLE" "$SCRATCH/token2")
check "other records under a stored bundle UUID: 409 (got $code)" test "$code" = 409
check "the reply says the UUID was used" grep -q 'received before with other content' "$SCRATCH/reply"
check "and none of them stored" test "$(depot_count)" = 3
craft "$SCRATCH/hh1reuse.gz" --device hh1 --record-device hh1 --fresh-records > /dev/null
code=$(put "$SCRATCH/hh1reuse.gz" "$HH2_BUNDLE" "$TOKEN")
check "hh1 reusing hh2's bundle UUID: 409 (got $code)" test "$code" = 409
check "the depot logged the reuse" grep -q 'status=409 result=bundle-reused' "$DEPOT_LOG"

# ---- 4. No valid token: answered on the head, before the body is read. ----
check "a wrong token is answered 401 before the body is sent" \
	test "$(python3 "$PEER" early "$PORT" not-a-token 1048576 5)" = 401
check "a valid token waits for the body (no early answer)" \
	test "$(python3 "$PEER" early -- "$PORT" "$(cat "$TOKEN")" 1000 1)" = none
hwm() { sed -n 's/^VmHWM:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$DEPOT_PID/status"; }
before=$(hwm)
python3 "$PEER" uploads "$PORT" 60 not-a-token > /dev/null
after=$(hwm)
check "60 unauthenticated 1 MiB uploads at once: peak memory grew $((after - before)) KiB (< 16 MiB)" \
	test $((after - before)) -lt 16384
check "the depot still answers" health "$PORT"

# ---- 5. Every logged field is escaped: no forged line, no terminal escapes. ----
code=$(python3 "$PEER" rawpath "$PORT" \
	"/v1/bundles/x%0a2026-01-01T00:00:00.000Z%20PUT%20device=hh1%20bundle=y%20status=201%20result=stored%1b[31m")
check "a path with %0a and %1b: 401 (got $code)" test "$code" = 401
check "no forged log line" sh -c "! grep -q '^2026-01-01T00:00:00.000Z' '$DEPOT_LOG'"
check "no escape byte in the log" sh -c "! grep -q \"\$(printf '\\033')\" '$DEPOT_LOG'"
check "the newline is logged as \\x0a" grep -qF 'bundle=x\x0a2026' "$DEPOT_LOG"

# ---- 6. A database failure: a generic 503, the detail in the log. ----
python3 - "$DEPOT_DB" "$SCRATCH/locked" "$SCRATCH/release" <<'PY' &
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
end = time.monotonic() + 60
while not os.path.exists(sys.argv[3]) and time.monotonic() < end:
    time.sleep(0.05)
db.execute("ROLLBACK")
PY
HOLDER=$!
at_exit "touch '$SCRATCH/release'; kill $HOLDER 2>/dev/null"
wait_for 10 test -e "$SCRATCH/locked"
craft "$SCRATCH/late.gz" --uuid "$(python3 -c 'import uuid; print(uuid.uuid4())')" --fresh-records \
	> "$SCRATCH/late.uuid"
code=$(put "$SCRATCH/late.gz" "$(cat "$SCRATCH/late.uuid")" "$SCRATCH/token2")
touch "$SCRATCH/release"
wait "$HOLDER"
check "a locked database: 503 (got $code)" test "$code" = 503
check "the 503 names no path" sh -c "! grep -q 'depot.db\|$SCRATCH' '$SCRATCH/reply'"
check "the 503 says to try again later" grep -q 'try again later' "$SCRATCH/reply"
check "the log has the detail" grep -q 'status=503 result=unavailable .*detail=.*locked' "$DEPOT_LOG"
code=$(put "$SCRATCH/late.gz" "$(cat "$SCRATCH/late.uuid")" "$SCRATCH/token2")
check "once the lock is gone the same bundle is stored: 201 (got $code)" test "$code" = 201

check "its write-ahead log too" test "$(stat -c %a "$DEPOT_DB-wal")" = 600
check "the depot is still up" health "$PORT"
