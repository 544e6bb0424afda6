#!/bin/sh
# Bundles the depot refuses for their content (409 conflict, 413 too large)
# are set aside with the depot's reason: their records stay on the handheld,
# the rest of the queue still goes, sync exits non-zero saying why, they are
# not sent again by themselves, and `fieldcheck outbox retry` queues one again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

depot_init && depot_start
URL="http://127.0.0.1:$PORT"
DEAD="http://127.0.0.1:$(free_port)"
status_of() { "$FIELDCHECK" --db "$1" sync --status | sed -n "s/^$2 //p"; }
puts_of() { grep -c "PUT device=hh1 bundle=$1 " "$DEPOT_LOG"; }

# ---- 409: record A reached the depot with other content (e.g. an old copy). ----
make_records "$HH" 1 || not_ok "record A made"
sync_to "$DEAD" --once > /dev/null 2>&1   # freezes A's bundle, then finds no depot
A_BUNDLE=$(sqlite3 "$HH" "SELECT uuid FROM outbox")
sqlite3 "$HH" "SELECT writefile('$SCRATCH/a.gz', bytes) FROM outbox" > /dev/null
check "A's bundle is frozen in the outbox" test -s "$SCRATCH/a.gz"
python3 - "$SCRATCH/a.gz" "$SCRATCH/other.gz" <<'PY'
import gzip, json, sys, uuid
lines = gzip.decompress(open(sys.argv[1], "rb").read()).decode().splitlines()
h = json.loads(lines[0]); h["uuid"] = str(uuid.uuid4()); lines[0] = json.dumps(h)
r = json.loads(lines[1]); r["answers"]["asset_id"] = "OTHER"; lines[1] = json.dumps(r, ensure_ascii=False)
open(sys.argv[2], "wb").write(gzip.compress(("\n".join(lines) + "\n").encode()))
PY
OTHER=$(zcat "$SCRATCH/other.gz" | head -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["uuid"])')
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$SCRATCH/other.gz" \
	-H "Authorization: Bearer $(cat "$TOKEN")" -H "Content-Type: application/gzip" \
	-H "Repr-Digest: sha-256=:$(openssl dgst -sha256 -binary "$SCRATCH/other.gz" | base64 -w0):" \
	"$URL/v1/bundles/$OTHER")
check "the other copy of A is on the depot (201, got $code)" test "$code" = 201

make_records "$HH" 2 || not_ok "records B and C made"
sync_to "$URL" --once > "$SCRATCH/out" 2> "$SCRATCH/err"
st=$?
check "sync exits non-zero while a bundle is refused (got $st)" test "$st" -eq 1
check "and says what the depot refused, and why" \
	grep -q "refused 1 record in 1 bundle.*$A_BUNDLE, 409: .*different content" "$SCRATCH/err"
check "and how to see and re-queue it" grep -q "fieldcheck outbox list.*fieldcheck outbox retry" "$SCRATCH/err"
check "the rest of the queue went: B and C sent" test "$("$FIELDCHECK" --db "$HH" list --status sent | wc -l)" -eq 2
check "the depot has A (its other copy), B and C" test "$(depot_count)" = 3
check "A is kept on the handheld, bundled" test "$("$FIELDCHECK" --db "$HH" list --status bundled | wc -l)" -eq 1
check "sync --status: queued 0" test "$(status_of "$HH" queued)" = 0
check "sync --status: refused 1" test "$(status_of "$HH" refused)" = 1
"$FIELDCHECK" --db "$HH" outbox list > "$SCRATCH/list"
check "outbox list: one line" test "$(wc -l < "$SCRATCH/list")" -eq 1
check "outbox list: the bundle, refused, 409 and the depot's reason" \
	grep -q "^$A_BUNDLE	refused	.*	1	[0-9]*	.*	409	.*already stored with different content" "$SCRATCH/list"
sync_to "$URL" --once > /dev/null 2> "$SCRATCH/err2"
st=$?
check "a second sync still exits 1 (got $st)" test "$st" -eq 1
check "without sending the refused bundle again (1 PUT)" test "$(puts_of "$A_BUNDLE")" -eq 1
"$FIELDCHECK" --db "$HH" outbox retry 00000000-0000-4000-8000-000000000000 > /dev/null 2> "$SCRATCH/err3"
check "retry of a bundle that is not refused fails (exit 1)" test $? -eq 1
check "and says so" grep -q "no refused bundle" "$SCRATCH/err3"
"$FIELDCHECK" --db "$HH" outbox retry nonsense > /dev/null 2>&1
check "retry of a non-UUID is a usage error (exit 2)" test $? -eq 2

# ---- 413 on a second handheld: refused, then re-queued once the depot takes it. ----
HH2="$SCRATCH/hh2.db"
depot_stop
depot_start --max-body 1024
# Random text barely compresses: 2000 characters of remarks make a bundle over 1 KiB.
big=$(python3 -c 'import random; random.seed(7); print("".join(random.choice("0123456789abcdef") for _ in range(2000)))')
"$FIELDCHECK" --db "$HH2" --forms "$FORMS" record add --form road --inspector bob --at 31.2,121.4,5 \
	asset_id=R-big road_class=arterial condition=fair "remarks=$big" > /dev/null || not_ok "a large record made"
"$FIELDCHECK" --db "$HH2" sync --server "$URL" --device hh1 --token-file "$TOKEN" --once \
	> /dev/null 2> "$SCRATCH/big.err"
st=$?
check "over the depot's body limit: sync exits 1 (got $st)" test "$st" -eq 1
check "saying 413" grep -q ", 413: " "$SCRATCH/big.err"
check "the large record is kept" test "$("$FIELDCHECK" --db "$HH2" list --status bundled | wc -l)" -eq 1
BIG=$("$FIELDCHECK" --db "$HH2" outbox list | cut -f1)
depot_stop
depot_start
"$FIELDCHECK" --db "$HH2" outbox retry "$BIG" > "$SCRATCH/retry.out"
check "outbox retry queues it again" grep -q "queued again: $BIG" "$SCRATCH/retry.out"
check "and it counts as queued" test "$(status_of "$HH2" queued)" = 1
"$FIELDCHECK" --db "$HH2" sync --server "$URL" --device hh1 --token-file "$TOKEN" --once > /dev/null 2>&1
check "the next sync sends the same bundle and exits 0" test $? -eq 0
check "the depot logged that bundle stored" grep -q "bundle=$BIG status=201" "$DEPOT_LOG"
check "nothing queued or refused on that handheld" \
	test "$(status_of "$HH2" queued) $(status_of "$HH2" refused)" = "0 0"
check "depot alive at the end" health "$PORT"
