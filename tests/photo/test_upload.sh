#!/bin/sh
# Photos on the wire: records first, then each photo with tus 1.0 core's
# HEAD and PATCH, keyed by SHA-256, to a real depot on 127.0.0.1.  A photo
# the depot holds is never sent again (the same device, or another one);
# the depot verifies the hash (400, nothing stored), refuses a photo no
# record of the device names, refuses one over its limit (the record still
# delivered), and resumes an upload cut at every 10 % of its body.
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 1
need_tools "photos on the wire" cjpeg curl python3
. "$TOP/tests/sync/common.sh"

# jpeg SEED: a noisy 1200 x 900 photo (640 x 480 once imported, some 100 KiB).
jpeg() {
	python3 -c '
import random, sys
random.seed(int(sys.argv[1]))
w, h = 1200, 900
rows = [bytes(random.getrandbits(8) for _ in range(w * 3)) for _ in range(8)]
sys.stdout.buffer.write(b"P6 %d %d 255\n" % (w, h) + b"".join(rows[y % 8] for y in range(h)))' "$1" |
		cjpeg -quality 90 > "$SCRATCH/p$1.jpg"
}
for i in 1 2 3 4 5; do jpeg $i; done
# add DB DEVICE FILE...: a hazard record of DEVICE with these photos.
add() {
	_db=$1 _dev=$2
	shift 2
	mkdir -p "$SCRATCH/cfg-$_dev/fieldcheck"
	printf 'device = %s\n' "$_dev" > "$SCRATCH/cfg-$_dev/fieldcheck/config"
	for _f in "$@"; do set -- "$@" "evidence=@$_f"; shift; done
	XDG_CONFIG_HOME="$SCRATCH/cfg-$_dev" "$FIELDCHECK" --db "$_db" --forms "$TOP/tests/photo/forms" \
		record add --form hazard --inspector wang what=kerb "$@" > /dev/null
}
patches() { grep -c ' PATCH ' "$DEPOT_LOG"; }
status_of() { "$FIELDCHECK" --db "$1" sync --status | sed -n "s/^$2 //p"; }
held() { find "$DEPOT_DB.photos" -name '*.jpg' | grep -c .; }
AUTH="Authorization: Bearer $(cat "$TOKEN" 2>/dev/null)"

depot_init
depot_start
AUTH="Authorization: Bearer $(cat "$TOKEN")"
add "$HH" hh1 "$SCRATCH/p1.jpg" "$SCRATCH/p2.jpg"
sync_to "http://127.0.0.1:$PORT" > /dev/null 2> "$SCRATCH/err"
check "a record with two photos syncs" [ $? -eq 0 ]
check "the record went before its photos" sh -c "grep -E ' (PUT|PATCH) ' '$DEPOT_LOG' | head -1 | grep -q ' PUT '"
check "the depot holds both photos" [ "$(held)" -eq 2 ]
check "each the handheld's bytes" sh -c "for f in '$HH.photos'/*/*.jpg; do cmp -s \"\$f\" '$DEPOT_DB.photos'/\$(basename \$(dirname \"\$f\"))/\$(basename \"\$f\") || exit 1; done"
check "sync --status: no photo pending" [ "$(status_of "$HH" 'photos pending')" = 0 ]
check "no partial upload is left" [ "$(find "$DEPOT_DB.photos/.uploads" -type f | grep -c .)" -eq 0 ]
n=$(patches)
sync_to "http://127.0.0.1:$PORT" > /dev/null 2>&1
check "a second sync sends no photo again" [ "$(patches)" -eq "$n" ]

# Another device with the same photo: the depot answers HEAD with the whole length.
add "$SCRATCH/hh2.db" hh2 "$SCRATCH/p1.jpg"
"$DEPOT" --db "$DEPOT_DB" device add hh2 > "$SCRATCH/token2"
chmod 600 "$SCRATCH/token2"
"$FIELDCHECK" --db "$SCRATCH/hh2.db" sync --server "http://127.0.0.1:$PORT" --device hh2 \
	--token-file "$SCRATCH/token2" > /dev/null 2>&1
check "two devices, one photo: the second device's sync succeeds" [ $? -eq 0 ]
check "and sends none of its bytes" [ "$(patches)" -eq "$n" ]
check "and counts it delivered" [ "$(status_of "$SCRATCH/hh2.db" 'photos pending')" = 0 ]

# A photo no record of this device names: refused before a byte is stored.
code() { curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" -H 'Tus-Resumable: 1.0.0' "$@"; }
other=$(sha256sum "$SCRATCH/p4.jpg" | cut -c1-64)
check "HEAD of a photo no record names: 403" [ "$(code -I "http://127.0.0.1:$PORT/v1/photos/$other")" = 403 ]
check "PATCH of it: 403, nothing kept" [ "$(code -X PATCH -H 'Expect: 100-continue' -H 'Upload-Offset: 0' \
	-H 'Content-Type: application/offset+octet-stream' --data-binary @"$SCRATCH/p4.jpg" \
	"http://127.0.0.1:$PORT/v1/photos/$other")" = 403 ]
check "and no byte of it kept" [ "$(find "$DEPOT_DB.photos" -name "$other*" | grep -c .)" -eq 0 ]
check "a malformed hash: 400" [ "$(code -I "http://127.0.0.1:$PORT/v1/photos/ABC")" = 400 ]
check "no token: 401" [ "$(curl -s -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$PORT/v1/photos/$other")" = 401 ]

# A record at the depot whose photo is not there yet: its photo removed from the
# handheld before the sync (kept aside here), so the curl below plays the handheld.
add "$HH" hh1 "$SCRATCH/p3.jpg"
sha=$("$FIELDCHECK" --db "$HH" list --json | python3 -c 'import json,sys; r=[json.loads(l) for l in sys.stdin]; print(r[-1]["answers"]["evidence"][7:71])')
"$FIELDCHECK" --db "$HH" photo cat "$sha" > "$SCRATCH/p3.stored"
rm "$HH.photos/$(echo "$sha" | cut -c1-2)/$sha.jpg"
sync_to "http://127.0.0.1:$PORT" > /dev/null 2>&1
check "a photo gone from the handheld is set aside, the record delivered" \
	[ "$(status_of "$HH" 'photos refused')" = 1 ]
URL="http://127.0.0.1:$PORT/v1/photos/$sha"
len=$(wc -c < "$SCRATCH/p3.stored")
offset() { curl -s -I -H "$AUTH" -H 'Tus-Resumable: 1.0.0' "$URL" | tr -d '\r' | sed -n 's/^Upload-Offset: //p'; }
check "HEAD: Upload-Offset 0 and the record's Upload-Length" \
	sh -c "curl -s -I -H '$AUTH' '$URL' | tr -d '\r' | grep -qx 'Upload-Length: $len'"
head -c "$len" /dev/zero > "$SCRATCH/zeros"
patch_at() {  # patch_at OFFSET FILE: the HTTP status
	code -X PATCH -H 'Expect: 100-continue' -H "Upload-Offset: $1" \
		-H 'Content-Type: application/offset+octet-stream' \
		--data-binary @"$2" "$URL"
}
check "the right length, the wrong bytes: 400" [ "$(patch_at 0 "$SCRATCH/zeros")" = 400 ]
check "and nothing stored of them" [ "$(offset)" = 0 ]
check "a wrong Content-Type: 415" [ "$(code -X PATCH -H 'Upload-Offset: 0' -H 'Content-Type: application/octet-stream' --data-binary @"$SCRATCH/p3.stored" "$URL")" = 415 ]
# Cut at every 10 % of the body: each time the depot keeps what arrived.
python3 - "$PORT" "$sha" "$(cat "$TOKEN")" "$SCRATCH/p3.stored" > "$SCRATCH/cuts" <<'PY'
import socket, sys
port, sha, token, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
data = open(path, "rb").read()
def request(method, offset=None, body=b"", length=None):
    s = socket.create_connection(("127.0.0.1", port))
    h = "%s /v1/photos/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nTus-Resumable: 1.0.0\r\n" % (method, sha, token)
    if offset is not None:
        h += "Upload-Offset: %d\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: %d\r\n" % (offset, length)
    s.sendall(h.encode() + b"\r\n" + body)
    return s
def held():
    s = request("HEAD")
    reply = b""
    while b"\r\n\r\n" not in reply:
        chunk = s.recv(4096)
        if not chunk:
            break
        reply += chunk
    s.close()
    for line in reply.decode().split("\r\n"):
        if line.lower().startswith("upload-offset:"):
            return int(line.split(":")[1])
    return -1
offsets = []
for k in range(1, 10):
    start = held()
    cut = len(data) * k // 10
    if cut > start:
        s = request("PATCH", start, data[start:cut], len(data) - start)
        s.shutdown(socket.SHUT_WR)
        s.close()
    # the depot sees the close and keeps what it read: wait until it says so
    for _ in range(200):
        got = held()
        if got >= cut:
            break
        import time; time.sleep(0.05)
    offsets.append(got)
print(" ".join(str(o) for o in offsets))
PY
cuts_ok() {
	python3 -c '
import sys
offs = [int(x) for x in open(sys.argv[1]).read().split()]
n = int(sys.argv[2])
sys.exit(0 if len(offs) == 9 and all(o == n * k // 10 for o, k in zip(offs, range(1, 10))) else 1)' "$SCRATCH/cuts" "$len"
}
check "an upload cut at every 10 % keeps every byte that arrived ($(cat "$SCRATCH/cuts"))" cuts_ok
check "a PATCH at another offset: 409" [ "$(patch_at 5 "$SCRATCH/p3.stored")" = 409 ]
tail -c +$((len * 9 / 10 + 1)) "$SCRATCH/p3.stored" > "$SCRATCH/rest"
check "the rest from the depot's offset: 204" [ "$(patch_at $((len * 9 / 10)) "$SCRATCH/rest")" = 204 ]
check "the photo is stored whole" cmp -s "$SCRATCH/p3.stored" "$DEPOT_DB.photos/$(echo "$sha" | cut -c1-2)/$sha.jpg"

# The depot killed during a photo upload over a slow link: restarted, the
# handheld's retry asks HEAD and sends only the rest.
add "$HH" hh1 "$SCRATCH/p5.jpg"
sha5=$("$FIELDCHECK" --db "$HH" list --json | python3 -c 'import json,sys; r=[json.loads(l) for l in sys.stdin]; print(r[-1]["answers"]["evidence"][7:71])')
python3 "$NETFAULT" proxy 0 "$PORT" --rate-up 40000 > "$SCRATCH/slow.px" &
SLOWPX=$!
at_exit "kill $SLOWPX 2>/dev/null"
PX=$(wait_port "$SCRATCH/slow.px")
sync_to "http://127.0.0.1:$PX" --retry-for 60 --connect-timeout 1 > /dev/null 2> "$SCRATCH/kill.err" &
SYNC=$!
some_arrived() { [ "$(cat "$DEPOT_DB.photos/.uploads/$sha5".* 2>/dev/null | wc -c)" -gt 10000 ]; }
wait_for 30 some_arrived
depot_kill
held_at_kill=$(cat "$DEPOT_DB.photos/.uploads/$sha5".* | wc -c)
mark=$(wc -l < "$DEPOT_LOG")
depot_start
wait "$SYNC"
check "the depot killed mid-photo: the sync still ends well" [ $? -eq 0 ]
check "the photo is stored whole" cmp -s "$HH.photos/$(echo "$sha5" | cut -c1-2)/$sha5.jpg" \
	"$DEPOT_DB.photos/$(echo "$sha5" | cut -c1-2)/$sha5.jpg"
resumed() { tail -n +"$((mark + 1))" "$DEPOT_LOG" | grep " HEAD .*$sha5" | head -1 | grep -q "detail=offset=$held_at_kill\$"; }
check "the retry went on from the $held_at_kill bytes the depot kept" resumed
kill "$SLOWPX" 2>/dev/null

# Over the depot's limit: the record is delivered, the photo refused with the limit named.
depot_stop
depot_start --max-photo-bytes 2048
add "$HH" hh1 "$SCRATCH/p4.jpg"
sync_to "http://127.0.0.1:$PORT" > /dev/null 2> "$SCRATCH/err"
check "a photo over the depot's limit: the sync still succeeds" [ $? -eq 0 ]
check "the record is at the depot" [ "$(depot_count)" -eq 5 ]
check "the photo is refused, set aside" [ "$(status_of "$HH" 'photos refused')" = 2 ]
check "the sync says so, naming the limit" grep -q "1 photo not sent, kept on this device .*over this depot's limit of 2048 bytes" "$SCRATCH/err"
check "the depot says which limit" grep -qF 'limit\x20of\x202048\x20bytes' "$DEPOT_LOG"

# The supervisor's side: the day's photos out of the depot's database.
day=$("$FIELDCHECK" --db "$DEPOT_DB" list | head -1 | cut -f3 | cut -c1-10)
"$FIELDCHECK" --db "$DEPOT_DB" --forms "$TOP/tests/photo/forms" export --day "$day" \
	--media "$SCRATCH/media" --format csv -o "$SCRATCH/day.csv" 2> "$SCRATCH/err"
check "export --media exits 0" [ $? -eq 0 ]
check "it writes the five photos the depot holds" [ "$(ls "$SCRATCH/media" | grep -c .)" -eq 5 ]
check "named <uuid>_<question>[_n].jpg" sh -c "ls '$SCRATCH/media' | grep -Evq '^[0-9a-f-]{36}_evidence(_[12])?\.jpg$' && exit 1; ls '$SCRATCH/media' | grep -q '_evidence_2\.jpg$'"
check "the photo the depot refused is named as not yet received" grep -q "not yet received" "$SCRATCH/err"
csv_names_match() {
	python3 - "$SCRATCH/day.csv" "$SCRATCH/media" <<'PY'
import csv, hashlib, os, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
named = 0
for r in rows:
    for name, sha in zip(r["photos"].split(), r["photos_sha256"].split()):
        named += 1
        path = os.path.join(sys.argv[2], name)
        if os.path.exists(path) and hashlib.sha256(open(path, "rb").read()).hexdigest() != sha:
            sys.exit(1)
sys.exit(0 if named == 6 else 1)
PY
}
check "the CSV names every photo with its SHA-256, the files' own" csv_names_match
"$FIELDCHECK" --db "$DEPOT_DB" --forms "$TOP/tests/photo/forms" report --day "$day" > "$SCRATCH/report" 2>&1
check "the text report counts the photos" grep -q '^Photos: 6 in 5 records$' "$SCRATCH/report"
