#!/bin/sh
# The depot's refusals that the other suites do not reach, each against a
# real depot on 127.0.0.1 with a real bundle a handheld froze: 403 for a
# bundle sent with another device's token, 415 for a body that is not gzip,
# 503 while another process holds the database's write lock (and the same
# bundle stored once the lock is gone), and SIGTERM finishing an upload that
# is in flight before the depot exits 0.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

depot_init
depot_start || { not_ok "the depot starts"; exit 1; }
URL="http://127.0.0.1:$PORT"
"$DEPOT" --db "$DEPOT_DB" device add hh2 > "$SCRATCH/token2"
make_records "$HH" 5 || not_ok "records made"
# A bundle frozen by the handheld's own sync (to a port where nothing answers).
sync_to "http://127.0.0.1:$(free_port)" --once --connect-timeout 1 > /dev/null 2>&1
sqlite3 "$HH" "SELECT writefile('$SCRATCH/b.gz', bytes), uuid FROM outbox LIMIT 1" | cut -d'|' -f2 > "$SCRATCH/uuid"
UUID=$(cat "$SCRATCH/uuid")
check "a frozen bundle from hh1" test -s "$SCRATCH/b.gz"

# put FILE UUID TOKEN_FILE [CONTENT_TYPE]: prints the HTTP status; the body goes to $SCRATCH/reply.
put() {
	curl -s -o "$SCRATCH/reply" -w '%{http_code}' --max-time 30 -X PUT --data-binary "@$1" \
		-H "Authorization: Bearer $(cat "$3")" -H "Content-Type: ${4:-application/gzip}" \
		-H "Repr-Digest: sha-256=:$(openssl dgst -sha256 -binary "$1" | base64 -w0):" \
		"$URL/v1/bundles/$2"
}

code=$(put "$SCRATCH/b.gz" "$UUID" "$SCRATCH/token2")
check "hh1's bundle with hh2's token: 403 (got $code)" test "$code" = 403
check "403: the reply names both devices" sh -c "grep -q hh1 '$SCRATCH/reply' && grep -q hh2 '$SCRATCH/reply'"
check "403: nothing stored" test "$(depot_count)" = 0

code=$(put "$SCRATCH/b.gz" "$UUID" "$TOKEN" text/plain)
check "a body that is not application/gzip: 415 (got $code)" test "$code" = 415
check "415: the reply says which type it wants" grep -q 'application/gzip' "$SCRATCH/reply"
check "415: nothing stored" test "$(depot_count)" = 0

# 503: another process holds the write lock longer than the depot waits (5 s).
python3 - "$DEPOT_DB" "$SCRATCH/locked" "$SCRATCH/unlock" <<'PY' &
import os, sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.05)
con.execute("ROLLBACK")
PY
locker=$!
at_exit "kill $locker 2>/dev/null"
wait_for 10 test -e "$SCRATCH/locked"
code=$(put "$SCRATCH/b.gz" "$UUID" "$TOKEN")
check "the database locked by another writer: 503 (got $code)" test "$code" = 503
check "503: logged as unavailable, with the cause as detail" grep -q 'status=503 result=unavailable .*detail=' "$DEPOT_LOG"
touch "$SCRATCH/unlock"
wait "$locker"
code=$(put "$SCRATCH/b.gz" "$UUID" "$TOKEN")
check "the lock gone, the same bundle: 201 (got $code)" test "$code" = 201
check "its 5 records stored once" test "$(depot_count)" = 5

# SIGTERM with an upload in flight: the client sends the headers and half the
# body, the depot is told to stop, then the rest arrives and is answered.
make_records "$HH" 3
sync_to "http://127.0.0.1:$(free_port)" --once --connect-timeout 1 > /dev/null 2>&1
sqlite3 "$HH" "SELECT writefile('$SCRATCH/c.gz', bytes), uuid FROM outbox WHERE uuid <> '$UUID' LIMIT 1" |
	cut -d'|' -f2 > "$SCRATCH/uuid2"
UUID2=$(cat "$SCRATCH/uuid2")
python3 - "$PORT" "$SCRATCH/c.gz" "$UUID2" "$TOKEN" "$SCRATCH/half" "$SCRATCH/go" > "$SCRATCH/slow.out" <<'PY' &
import base64, hashlib, os, socket, sys, time
port, path, uuid, token_file, half, go = sys.argv[1:]
body = open(path, "rb").read()
token = open(token_file).read().strip()
digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
head = ("PUT /v1/bundles/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
        "Content-Type: application/gzip\r\nRepr-Digest: sha-256=:%s:\r\nContent-Length: %d\r\n"
        "Connection: close\r\n\r\n" % (uuid, token, digest, len(body))).encode()
s = socket.create_connection(("127.0.0.1", int(port)))
s.sendall(head + body[: len(body) // 2])
open(half, "w").close()
while not os.path.exists(go):
    time.sleep(0.05)
s.sendall(body[len(body) // 2:])
reply = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    reply += chunk
print(reply.split(b"\r\n", 1)[0].decode())
PY
slow=$!
at_exit "kill $slow 2>/dev/null"
wait_for 10 test -e "$SCRATCH/half"
kill -TERM "$DEPOT_PID"
check "SIGTERM: the depot counts the upload in flight" \
	wait_for 10 grep -q 'SIGTERM, finishing 1 request(s) in flight' "$DEPOT_LOG"
touch "$SCRATCH/go"
wait "$slow"
check "SIGTERM: the upload in flight is answered 201 ($(cat "$SCRATCH/slow.out"))" \
	grep -q '^HTTP/1.1 201' "$SCRATCH/slow.out"
wait "$DEPOT_PID"
st=$?
DEPOT_PID=
check "SIGTERM: the depot then exits 0" test "$st" -eq 0
check "SIGTERM: its 3 records are stored (8 in all)" test "$(depot_count)" = 8
