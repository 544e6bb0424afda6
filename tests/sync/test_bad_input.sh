#!/bin/sh
# Bad input to the depot: broken bundles, wrong tokens, oversized bodies,
# repeats, and a Wi-Fi login page posing as the depot.  Each must end in
# the right status, nothing stored, and the depot still up.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

depot_init && depot_start
URL="http://127.0.0.1:$PORT"
make_records "$HH" 5 || not_ok "records made"

# ---- A login-page impostor answering 200 HTML: nothing may be marked sent. ----
python3 "$NETFAULT" impostor 0 > "$SCRATCH/impostor" &
at_exit "kill $!"
IMP=$(wait_port "$SCRATCH/impostor")
sync_to "http://127.0.0.1:$IMP" --once > /dev/null 2> "$SCRATCH/imp.err"
st=$?
check "sync to a login page fails" test "$st" -ne 0
check "and says it is not the depot's receipt" grep -q "login page" "$SCRATCH/imp.err"
check "impostor: all 5 still queued on the handheld" test "$(queued)" = 5
check "impostor: no record marked sent" test "$("$FIELDCHECK" --db "$HH" list --status sent | wc -l)" -eq 0

# The bundle the handheld froze (the outbox keeps its bytes until sent).
sqlite3 "$HH" "SELECT writefile('$SCRATCH/b.gz', bytes), uuid FROM outbox LIMIT 1" | cut -d'|' -f2 > "$SCRATCH/uuid"
UUID=$(cat "$SCRATCH/uuid")
check "a frozen bundle is in the outbox" test -s "$SCRATCH/b.gz"
check "the bundle is plain gzip NDJSON (zcat | json)" sh -c "zcat '$SCRATCH/b.gz' | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]'"
check "fieldcheck bundle cat prints its 6 lines" test "$("$FIELDCHECK" bundle cat "$SCRATCH/b.gz" | wc -l)" -eq 6
check "fieldcheck bundle check validates it" sh -c "'$FIELDCHECK' bundle check '$SCRATCH/b.gz' | grep -q '^ok $UUID hh1 5 records'"

# put FILE UUID [TOKEN] [DIGEST]: prints the HTTP status.
put() {
	_tok=${3:-$(cat "$TOKEN")}
	_dig=${4:-sha-256=:$(openssl dgst -sha256 -binary "$1" | base64 -w0):}
	curl -s -o "$SCRATCH/reply" -w '%{http_code}' -X PUT --data-binary "@$1" \
		-H "Authorization: Bearer $_tok" -H "Content-Type: application/gzip" \
		-H "Repr-Digest: $_dig" "$URL/v1/bundles/$2"
}
nothing_stored() { test "$(depot_count)" = 0; }

# ---- Broken bundles: 4xx, nothing stored, depot stays up. ----
python3 - "$SCRATCH/b.gz" "$SCRATCH" <<'PY'
import gzip, sys, zlib
src, out = sys.argv[1], sys.argv[2]
data = bytearray(open(src, "rb").read())
flip = bytearray(data); flip[len(flip) // 2] ^= 0x10
open(out + "/flip.gz", "wb").write(flip)
open(out + "/trunc.gz", "wb").write(data[: len(data) * 2 // 3])
# A gzip bomb: 1 GiB of zeros in about 1 MiB... kept under the body limit: 512 MiB in ~500 KiB.
z = zlib.compressobj(9, zlib.DEFLATED, 31)
bomb = z.compress(b"") 
chunk = b"\0" * (1 << 20)
for _ in range(512):
    bomb += z.compress(chunk)
bomb += z.flush()
open(out + "/bomb.gz", "wb").write(bomb)
# Valid gzip, but a record line that is not a record.
text = gzip.decompress(bytes(data)).decode().splitlines()
text[2] = text[2].replace('"uuid"', '"uuid_x"', 1)
open(out + "/badrec.gz", "wb").write(gzip.compress(("\n".join(text) + "\n").encode()))
PY
for case in flip trunc bomb badrec; do
	code=$(put "$SCRATCH/$case.gz" "$UUID")
	check "$case bundle: 400 (got $code)" test "$code" = 400
	check "$case bundle: nothing stored" nothing_stored
	check "$case bundle: depot still answers health" health "$PORT"
done
put "$SCRATCH/bomb.gz" "$UUID" > /dev/null
check "gzip bomb: the reply names the decompressed limit" grep -q 'decompresses to more than' "$SCRATCH/reply"
code=$(put "$SCRATCH/b.gz" "$UUID" "" "sha-256=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:")
check "wrong digest: 400 (got $code)" test "$code" = 400
check "wrong digest: the reason is in the body" grep -q 'does not match' "$SCRATCH/reply"
check "wrong digest: nothing stored" nothing_stored

# ---- Tokens ----
code=$(put "$SCRATCH/b.gz" "$UUID" "not-a-real-token")
check "wrong token: 401 (got $code)" test "$code" = 401
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$SCRATCH/b.gz" \
	-H "Content-Type: application/gzip" "$URL/v1/bundles/$UUID")
check "missing token: 401 (got $code)" test "$code" = 401
"$DEPOT" --db "$DEPOT_DB" device add hh2 > "$SCRATCH/token2"
"$DEPOT" --db "$DEPOT_DB" device revoke hh2
check "device list shows hh2 revoked" sh -c "'$DEPOT' --db '$DEPOT_DB' device list | grep -q '^hh2	revoked'"
code=$(put "$SCRATCH/b.gz" "$UUID" "$(cat "$SCRATCH/token2")")
check "revoked token: 401 (got $code)" test "$code" = 401
check "tokens: nothing stored" nothing_stored
check "the depot keeps only token hashes" sh -c "! sqlite3 '$DEPOT_DB' .dump | grep -qF '$(cat "$TOKEN")'"

# ---- Oversized ----
head -c 2000000 /dev/urandom > "$SCRATCH/big"
code=$(put "$SCRATCH/big" "$UUID")
check "oversized body: 413 (got $code)" test "$code" = 413
check "oversized: depot still up" health "$PORT"

# ---- The same bundle twice: 201 then 200 with the same body, no duplicates. ----
code=$(put "$SCRATCH/b.gz" "$UUID"); cp "$SCRATCH/reply" "$SCRATCH/reply1"
check "first upload: 201 (got $code)" test "$code" = 201
code=$(put "$SCRATCH/b.gz" "$UUID")
check "same bundle again: 200 (got $code)" test "$code" = 200
check "same body both times" cmp -s "$SCRATCH/reply1" "$SCRATCH/reply"
check "no duplicates: 5 on the depot" test "$(depot_count)" = 5

# ---- Conflict: a stored UUID with other content is 409 and stores nothing. ----
python3 - "$SCRATCH/b.gz" "$SCRATCH/conflict.gz" <<'PY'
import gzip, json, sys, uuid
lines = gzip.decompress(open(sys.argv[1], "rb").read()).decode().splitlines()
h = json.loads(lines[0]); h["uuid"] = str(uuid.uuid4()); lines[0] = json.dumps(h)
r = json.loads(lines[1]); r["answers"]["asset_id"] = "TAMPERED"; lines[1] = json.dumps(r, ensure_ascii=False)
r2 = json.loads(lines[2]); r2["uuid"] = str(uuid.uuid4()); lines[2] = json.dumps(r2, ensure_ascii=False)
open(sys.argv[2], "wb").write(gzip.compress(("\n".join(lines) + "\n").encode()))
PY
CUUID=$(zcat "$SCRATCH/conflict.gz" | head -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["uuid"])')
code=$(put "$SCRATCH/conflict.gz" "$CUUID")
check "conflicting record content: 409 (got $code)" test "$code" = 409
check "conflict: nothing of that bundle stored (still 5)" test "$(depot_count)" = 5
check "conflict is logged" grep -q 'status=409 result=conflict' "$DEPOT_LOG"

# ---- The real sync now finishes the job: the bundle is already there, 200 marks it sent. ----
sync_to "$URL" --once > /dev/null 2>&1
check "sync to the real depot after all that exits 0" test $? -eq 0
check "handheld shows 0 queued" test "$(queued)" = 0
check "depot still holds exactly 5" test "$(depot_count)" = 5

# ---- The client refuses a token file others can read. ----
chmod 644 "$TOKEN"
make_records "$HH" 1
sync_to "$URL" --once > /dev/null 2> "$SCRATCH/perm.err"
check "world-readable token file refused" grep -q 'readable by others' "$SCRATCH/perm.err"
chmod 600 "$TOKEN"
check "depot alive at the end" health "$PORT"
