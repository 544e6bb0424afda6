#!/bin/sh
# Docking both ways (docs/sync-protocol.md, "Change feed"): the depot's
# catalogue of checklists and its tasks from the command line, the change
# feed a device reads (its own changes only, bounded pages, 304 when nothing
# is new, cursors from another device or beyond the feed refused), and
# fieldcheck sync applying it on a handheld.  One depot for every check.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

D() { "$DEPOT" --db "$DEPOT_DB" "$@"; }
depot_init
D device add hh2 > "$SCRATCH/token2"
D device add gone > /dev/null
D device revoke gone

# ---- The catalogue ----
D forms add "$FORMS/road.csv" > "$SCRATCH/add1"
check "forms add: a checklist enters the catalogue" grep -q '^added: road version' "$SCRATCH/add1"
D forms add "$FORMS/road.csv" > "$SCRATCH/add2"
check "forms add: the same file again is already held" grep -q '^already held: road' "$SCRATCH/add2"
printf 'survey,,\n,type,name\n,bogus_type,x\n' > "$SCRATCH/bad.csv"
D forms add "$SCRATCH/bad.csv" > /dev/null 2> "$SCRATCH/bad.err"
check "forms add: a checklist the form engine refuses is not added, with FILE:LINE" \
	exit_says $? 1 "$SCRATCH/bad.err" "bad.csv:"
# Version 2 of road, and a checklist no handheld has: kerb.
sed 's/^,road,道路巡查 Road inspection,2,/,road,道路巡查 Road inspection v3,3,/' "$FORMS/road.csv" > "$SCRATCH/road2.csv"
sed 's/^,road,道路巡查 Road inspection,2,/,kerb,路缘石 Kerbs,1,/' "$FORMS/road.csv" > "$SCRATCH/kerb.csv"
D forms list > "$SCRATCH/list1"
check "forms list: one line a version, offered" grep -q '^road	2	[0-9a-f]\{64\}	.*	offered$' "$SCRATCH/list1"

# ---- Tasks ----
D task add --form nothere --asset X --inspector alice --device hh1 > /dev/null 2> "$SCRATCH/t.err"
check "task add: a checklist not in the catalogue is refused" \
	exit_says $? 1 "$SCRATCH/t.err" "no checklist 'nothere'"
D task add --form road --version 9 --asset X --inspector alice --device hh1 > /dev/null 2> "$SCRATCH/t.err"
check "task add: a version not in the catalogue is refused" \
	exit_says $? 1 "$SCRATCH/t.err" "version '9'"
D task add --form road --asset X --inspector alice --device gone > /dev/null 2> "$SCRATCH/t.err"
check "task add: a revoked device is refused" exit_says $? 1 "$SCRATCH/t.err" "device gone is revoked"
D task add --form road --asset X --inspector alice --at 95,10 > /dev/null 2> "$SCRATCH/t.err"
check "task add: a position off the globe is refused" exit_says $? 2 "$SCRATCH/t.err" "--at 95,10"
T1=$(D task add --form road --asset "K12 护栏" --inspector alice --device hh1 --at 31.2301,121.4701 \
	--due 2026-12-01 --note "核查修复")
T2=$(D task add --form road --asset "R-9" --inspector bob --device hh2)
T3=$(D task add --form road --asset "R-10" --inspector carol 2> "$SCRATCH/t3.err")
check "task add: assigned to the device given" sh -c "D() { '$DEPOT' --db '$DEPOT_DB' \"\$@\"; }; D task list | grep -q '^$T1	assigned	inspect	alice	hh1	road	K12 护栏	2026-12-01T23:59:59.000Z'"
check "task add: no device known for the inspector: open, and said" \
	sh -c "grep -q 'is open' '$SCRATCH/t3.err' && '$DEPOT' --db '$DEPOT_DB' task list | grep -q '^$T3	open'"
D task cancel "$T2" > /dev/null
check "task cancel: cancelled" sh -c "'$DEPOT' --db '$DEPOT_DB' task list --inspector bob | grep -q '	cancelled	'"
D task cancel "$T2" > /dev/null 2> "$SCRATCH/t.err"
check "task cancel: twice is refused" exit_says $? 1 "$SCRATCH/t.err" "is cancelled"

# ---- The feed, on the wire ----
depot_start || { not_ok "the depot starts"; exit 1; }
URL="http://127.0.0.1:$PORT"
# feed TOKEN_FILE QUERY [HEADER]: prints the status; the body goes to $SCRATCH/page.
feed() {
	curl -s -o "$SCRATCH/page" -w '%{http_code}' --max-time 30 -H "Authorization: Bearer $(cat "$1")" \
		${3:+-H "$3"} "$URL/v1/changes$2"
}
code=$(feed "$TOKEN" "")
check "GET /v1/changes: 200 (got $code)" test "$code" = 200
check "hh1's feed: the checklist and its own task, not hh2's" \
	python3 -c "import json; p = json.load(open('$SCRATCH/page')); t = [c['type'] for c in p['changes']]; \
assert t == ['checklist', 'task'], t; assert p['changes'][1]['task']['uuid'] == '$T1'; assert not p['more']"
CURSOR=$(python3 -c "import json; print(json.load(open('$SCRATCH/page'))['cursor'])")
code=$(feed "$SCRATCH/token2" "")
check "hh2's feed: the checklist and its cancelled task" \
	python3 -c "import json; p = json.load(open('$SCRATCH/page')); \
assert [c['type'] for c in p['changes']] == ['checklist', 'task']; assert p['changes'][1]['task']['state'] == 'cancelled'"
gz_page() {
	curl -s --compressed -D "$SCRATCH/gz.head" -o "$SCRATCH/gz.body" -w '%{size_download}' \
		-H "Authorization: Bearer $(cat "$TOKEN")" "$URL/v1/changes" > "$SCRATCH/gz.size"
	grep -qi '^content-encoding: gzip' "$SCRATCH/gz.head" &&
		[ "$(cat "$SCRATCH/gz.size")" -lt "$(wc -c < "$SCRATCH/gz.body")" ] &&
		python3 -c "import json; json.load(open('$SCRATCH/gz.body'))"
}
check "a page with a checklist goes gzipped to a client that takes it, smaller on the wire" gz_page
code=$(feed "$TOKEN" "?limit=1")
check "a page of at most limit changes says more follow" \
	python3 -c "import json; p = json.load(open('$SCRATCH/page')); assert len(p['changes']) == 1 and p['more']"
code=$(feed "$TOKEN" "?since=$CURSOR" "If-None-Match: \"$CURSOR\"")
check "nothing new since the cursor, asked conditionally: 304 (got $code)" test "$code" = 304
code=$(feed "$TOKEN" "?since=$CURSOR")
check "nothing new, unconditionally: an empty page (got $code)" \
	python3 -c "import json; p = json.load(open('$SCRATCH/page')); assert p['changes'] == [] and p['cursor'] == '$CURSOR'"
code=$(feed "$TOKEN" "?since=1.hh2")
check "a cursor of another device's: 403 (got $code)" test "$code" = 403
code=$(feed "$TOKEN" "?since=999.hh1")
check "a cursor beyond the feed: 409 (got $code)" test "$code" = 409
code=$(feed "$TOKEN" "?since=abc")
check "a malformed cursor: 400 (got $code)" test "$code" = 400
printf 'not-a-token\n' > "$SCRATCH/badtoken"
code=$(feed "$SCRATCH/badtoken" "")
check "an unknown token: 401 (got $code)" test "$code" = 401
check "the feed's requests are logged with the cursor" grep -q "GET device=hh1 bundle=$CURSOR status=304 result=unchanged" "$DEPOT_LOG"

# ---- The handheld applies the feed after its uploads ----
D forms add "$SCRATCH/kerb.csv" > /dev/null
D forms add "$SCRATCH/road2.csv" > /dev/null
make_records "$HH" 2 || not_ok "records made on hh1"
sync_to "$URL" > "$SCRATCH/s1.out" 2> "$SCRATCH/s1.err"
check "a sync uploads, then brings the feed: 3 checklists, 1 task" \
	exit_says $? 0 "$SCRATCH/s1.err" "from the depot: 3 checklists, 1 task, 0 decisions"
check "the task is on the handheld, assigned, with its place and due time" \
	test "$(sqlite3 "$HH" "SELECT state, asset, lat, due FROM tasks WHERE uuid = '$T1'")" = \
	"assigned|K12 护栏|31.2301|2026-12-01T23:59:59.000Z"
check "the cursor moved with the page" sh -c "sqlite3 '$HH' \"SELECT value FROM settings WHERE key = 'feed.cursor'\" | grep -q '\.hh1$'"
"$FIELDCHECK" --db "$HH" --forms "$FORMS" forms list > "$SCRATCH/forms.out" 2> "$SCRATCH/forms.err"
check "a checklist new to the handheld is listed after one sync, no file copied" \
	grep -q '^kerb	1	路缘石 Kerbs	.*depot:kerb@1$' "$SCRATCH/forms.out"
check "the new version of road is listed beside the old" grep -q '^road	3	.*depot:road@3$' "$SCRATCH/forms.out"
XDG_CONFIG_HOME="$SCRATCH/device-hh1" "$FIELDCHECK" --db "$HH" --forms "$FORMS" record add --form kerb \
	--inspector alice --at 31.23,121.47,5 asset_id=K-1 road_class=arterial condition=good \
	subsidence=none pothole=none > /dev/null 2> "$SCRATCH/kerb.err"
check "a record of the new checklist is saved on the handheld" \
	test "$(sqlite3 "$HH" "SELECT count(*) FROM records WHERE form_id = 'kerb'")" = 1

snapshot() { sqlite3 "$HH" "SELECT * FROM tasks; SELECT id, hash, retired_at IS NULL FROM checklists; SELECT * FROM reviews; SELECT value FROM settings WHERE key = 'feed.cursor'"; }
snapshot > "$SCRATCH/before"
sync_to "$URL" > /dev/null 2> "$SCRATCH/s2.err"
check "a second sync: nothing new, said" grep -q "nothing new for this device" "$SCRATCH/s2.err"
check "a second sync asked conditionally: answered 304" grep -q "GET device=hh1 .*status=304 result=unchanged" "$DEPOT_LOG"
snapshot > "$SCRATCH/after"
check "a second sync changes nothing on the handheld" cmp -s "$SCRATCH/before" "$SCRATCH/after"

# A decision on one of hh1's records (the review's store_review_add_many writes this row), and a cancel.
REC=$(sqlite3 "$DEPOT_DB" "SELECT uuid FROM records ORDER BY created_at LIMIT 1")
sqlite3 "$DEPOT_DB" "INSERT INTO reviews (record_uuid, decision, comment, reviewer, decided_at)
	VALUES ('$REC', 'follow-up', '护栏松动，请复查', 'zhang', '2026-11-30T02:00:00.000Z')"
D task cancel "$T1" > /dev/null
sync_to "$URL" > /dev/null 2> "$SCRATCH/s3.err"
check "the decision and the cancel reach the handheld" grep -q "from the depot: 0 checklists, 1 task, 1 decision" "$SCRATCH/s3.err"
check "the decision is on the handheld with its comment" \
	test "$(sqlite3 "$HH" "SELECT decision, comment, reviewer FROM reviews WHERE record_uuid = '$REC'")" = "follow-up|护栏松动，请复查|zhang"
check "the task is cancelled on the handheld" test "$(sqlite3 "$HH" "SELECT state FROM tasks WHERE uuid = '$T1'")" = cancelled

# The same page applied twice changes nothing: rewind the cursor and sync again.
snapshot | grep -v '\.hh1$' > "$SCRATCH/before"
sqlite3 "$HH" "UPDATE settings SET value = '0.hh1' WHERE key = 'feed.cursor'"
sync_to "$URL" > /dev/null 2> "$SCRATCH/s4.err"
snapshot | grep -v '\.hh1$' > "$SCRATCH/after"
check "every page again (cursor rewound): nothing doubled or changed" cmp -s "$SCRATCH/before" "$SCRATCH/after"

# ---- Bad input and faults ----
# A checklist that does not load on the handheld (put in the catalogue behind forms add's back):
# kept out, the rest applied, and named in the depot's log.
printf 'survey,,\n,type,name\n,bogus_type,x\n' > "$SCRATCH/broken.csv"
sqlite3 "$DEPOT_DB" "INSERT INTO checklists (form_id, version, hash, csv, added_at)
	VALUES ('broken', '1', '$(sha256sum "$SCRATCH/broken.csv" | cut -c1-64)', readfile('$SCRATCH/broken.csv'), '2026-11-30T00:00:00.000Z');
	INSERT INTO changes (device, kind, ref, at) VALUES (NULL, 'checklist', last_insert_rowid(), '2026-11-30T00:00:00.000Z')"
T4=$(D task add --form road --asset R-44 --inspector alice --device hh1)
sync_to "$URL" > /dev/null 2> "$SCRATCH/s5.err"
check "a checklist that does not load here is kept out and said; the task still arrives" \
	grep -q "0 checklists, 1 task, 0 decisions; kept out: checklist broken version 1 does not load" "$SCRATCH/s5.err"
check "it is not in the handheld's store" test "$(sqlite3 "$HH" "SELECT count(*) FROM checklists WHERE form_id = 'broken'")" = 0
check "the depot's log names it" grep -q "detail=checklist-failed-to-load:[0-9a-f]\{64\}$" "$DEPOT_LOG"

# A malformed, a truncated and an oversized page from something that is not quite the depot.
cat > "$SCRATCH/stub.py" <<'PY'
import http.server, sys
body = open(sys.argv[1], "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print("stub: listening on 127.0.0.1:%d" % s.server_port, flush=True)
s.serve_forever()
PY
bad_page() {
	printf '%s' "$1" > "$SCRATCH/page.json"
	python3 "$SCRATCH/stub.py" "$SCRATCH/page.json" > "$SCRATCH/stub.log" 2>&1 &
	_stub=$!
	_p=$(wait_port "$SCRATCH/stub.log")
	snapshot > "$SCRATCH/before"
	sync_to "http://127.0.0.1:$_p" --once > /dev/null 2> "$SCRATCH/bad.err"
	_st=$?
	kill "$_stub"; wait "$_stub" 2>/dev/null
	snapshot > "$SCRATCH/after"
	[ "$_st" = 1 ] && grep -q "$2" "$SCRATCH/bad.err" && cmp -s "$SCRATCH/before" "$SCRATCH/after" && return 0
	echo "# exit $_st; stderr: $(tr '\n' ' ' < "$SCRATCH/bad.err")" >&2
	return 1
}
GOOD_TASK='{"uuid":"6f1c7a52-8d5e-4c1b-9a7e-2f1d3c4b5a69","kind":"inspect","form":"road","version":"2","asset":"X","inspector":"alice","device":"hh1","note":"","state":"assigned","created_at":"2026-11-30T00:00:00.000Z","created_by":"depot","updated_at":"2026-11-30T00:00:00.000Z"}'
check "a truncated page: refused, nothing applied, the cursor kept" \
	bad_page "{\"cursor\":\"99.hh1\",\"more\":false,\"changes\":[{\"seq\":99,\"type\":\"task\",\"task\":$GOOD_TASK" "malformed"
check "a page whose task has a bad UUID: refused whole, saying which change" \
	bad_page "{\"cursor\":\"99.hh1\",\"more\":false,\"changes\":[{\"seq\":98,\"type\":\"task\",\"task\":$GOOD_TASK},{\"seq\":99,\"type\":\"task\",\"task\":{\"uuid\":\"nope\"}}]}" "change 2: 'uuid' is not a UUID"
check "a page with an unknown change type: refused" \
	bad_page '{"cursor":"99.hh1","more":false,"changes":[{"seq":1,"type":"magic","magic":{}}]}' "unknown type 'magic'"
check "a decision that is not one: refused" \
	bad_page "{\"cursor\":\"99.hh1\",\"more\":false,\"changes\":[{\"seq\":1,\"type\":\"decision\",\"decision\":{\"record\":\"$REC\",\"decision\":\"maybe\",\"reviewer\":\"z\",\"decided_at\":\"x\"}}]}" "'decision' must be"

# The depot restarted between two pages: 450 tasks (three pages); a proxy kills the depot as
# the second page is asked for; the next sync goes on from the first page's cursor.
sqlite3 "$DEPOT_DB" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 450)
	INSERT INTO tasks (uuid, kind, form_id, form_version, asset, inspector, device, note, state,
	  created_at, created_by, updated_at)
	SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
	  substr(lower(hex(randomblob(2))), 2) || '-a' || substr(lower(hex(randomblob(2))), 2) || '-' ||
	  lower(hex(randomblob(6))), 'inspect', 'road', '1', 'B-' || i, 'alice', 'hh1', '', 'assigned',
	  '2026-11-30T00:00:00.000Z', 'bulk', '2026-11-30T00:00:00.000Z' FROM n;
	INSERT INTO changes (device, kind, ref, at) SELECT 'hh1', 'task', uuid, created_at FROM tasks WHERE created_by = 'bulk'"
cat > "$SCRATCH/killer.py" <<'PY'
import os, signal, socket, sys, threading
depot_port, pid_file = int(sys.argv[1]), sys.argv[2]
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0)); ls.listen(16)
print("killer: listening on 127.0.0.1:%d" % ls.getsockname()[1], flush=True)
gets = [0]
def pump(a, b, up):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            if up:
                gets[0] += d.count(b"GET /v1/changes")
                if gets[0] == 2:
                    os.kill(int(open(pid_file).read()), signal.SIGKILL)
                    break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
while True:
    c, _ = ls.accept()
    u = socket.create_connection(("127.0.0.1", depot_port))
    threading.Thread(target=pump, args=(c, u, True), daemon=True).start()
    threading.Thread(target=pump, args=(u, c, False), daemon=True).start()
PY
echo "$DEPOT_PID" > "$SCRATCH/depot.pid"
python3 "$SCRATCH/killer.py" "$PORT" "$SCRATCH/depot.pid" > "$SCRATCH/killer.log" 2>&1 &
KILLER=$!
at_exit "kill $KILLER 2>/dev/null"
KP=$(wait_port "$SCRATCH/killer.log")
sync_to "http://127.0.0.1:$KP" --once > /dev/null 2> "$SCRATCH/s6.err"
check "the depot killed as the second page is asked for: the sync fails" test $? = 1
check "the first page is kept, with its cursor" \
	test "$(sqlite3 "$HH" "SELECT count(*) FROM tasks WHERE asset LIKE 'B-%'")" = 200
wait "$DEPOT_PID" 2>/dev/null
DEPOT_PID=
depot_start || not_ok "the depot restarts on the same port"
sync_to "$URL" > /dev/null 2> "$SCRATCH/s7.err"
check "restarted: the next sync brings the rest, each task once" \
	test "$(sqlite3 "$HH" "SELECT count(*), count(DISTINCT uuid) FROM tasks WHERE asset LIKE 'B-%'")" = "450|450"

# A cursor the depot refuses (beyond its feed: restored from an older backup): the handheld
# starts the feed over, which changes nothing it holds.
snapshot | grep -v '\.hh1$' > "$SCRATCH/before"
sqlite3 "$HH" "UPDATE settings SET value = '999999.hh1' WHERE key = 'feed.cursor'"
sync_to "$URL" > /dev/null 2> "$SCRATCH/s8.err"
check "a cursor beyond the feed: refused by the depot, the handheld starts over" \
	exit_says $? 0 "$SCRATCH/s8.err" "(the feed started over)"
snapshot | grep -v '\.hh1$' > "$SCRATCH/after"
check "starting over changed nothing held" cmp -s "$SCRATCH/before" "$SCRATCH/after"

# Two supervisors send the same record to verify at once: one task stands, the other is refused.
REC1=$(sqlite3 "$DEPOT_DB" "SELECT uuid FROM records ORDER BY created_at LIMIT 1 OFFSET 1")
D task add --form road --asset R-2 --inspector alice --device hh1 --follows "$REC1" > "$SCRATCH/a.out" 2> "$SCRATCH/a.err" &
pa=$!
D task add --form road --asset R-2 --inspector carol --device hh1 --follows "$REC1" > "$SCRATCH/b.out" 2> "$SCRATCH/b.err" &
pb=$!
wait "$pa"; sa=$?
wait "$pb"; sb=$?
check "two at once: exactly one task follows the record" \
	test "$(sqlite3 "$DEPOT_DB" "SELECT count(*) FROM tasks WHERE follows = '$REC1'")" = 1
check "two at once: the other is refused, naming the task that stands" \
	sh -c "[ $((sa + sb)) = 1 ] && cat '$SCRATCH/a.err' '$SCRATCH/b.err' | grep -q 'is already being verified by'"

# A handheld clock 10 minutes off: the cursor is the depot's sequence, so the feed is unchanged by it.
T5=$(D task add --form road --asset R-55 --inspector alice --device hh1)
FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "+10m" "$FIELDCHECK" --db "$HH" sync --server "$URL" \
	--device hh1 --token-file "$TOKEN" > /dev/null 2> "$SCRATCH/s9.err"
check "a handheld clock 10 minutes ahead: the sync brings the new task" \
	test "$(sqlite3 "$HH" "SELECT count(*) FROM tasks WHERE uuid = '$T5'")" = 1

# A device revoked with a task assigned: its feed is refused, the task stays at the depot.
T6=$(D task add --form road --asset R-66 --inspector bob --device hh2)
D device revoke hh2
code=$(feed "$SCRATCH/token2" "")
check "a revoked device's feed: 401 (got $code)" test "$code" = 401
check "its task stays assigned at the depot, to be given to another device" \
	sh -c "'$DEPOT' --db '$DEPOT_DB' task list | grep -q '^$T6	assigned	'"

# An open task (no device knew its inspector) is given to a device later: never to a revoked one.
D task assign "$T3" hh2 > /dev/null 2> "$SCRATCH/as.err"
check "task assign: a revoked device is refused" exit_says $? 1 "$SCRATCH/as.err" "device hh2 is revoked"
D task assign "$T3" hh1 > /dev/null
check "task assign: the open task is assigned" sh -c "'$DEPOT' --db '$DEPOT_DB' task list | grep -q '^$T3	assigned	inspect	carol	hh1	'"
sync_to "$URL" > /dev/null 2>&1
check "and reaches that device at its next sync" test "$(sqlite3 "$HH" "SELECT state FROM tasks WHERE uuid = '$T3'")" = assigned
