#!/bin/sh
# The depot on a real PostgreSQL 15 (tests/pg.sh: a private cluster on a Unix
# socket, stopped at exit): devices, the schema and its version, a real
# `fieldcheck sync` stored once, two depot processes on one database (one
# bundle raced to both; a revocation seen by the other at once), the server
# killed (pg_ctl stop -m immediate) during a sync and restarted (503 and an
# unreachable health meanwhile, then nothing lost or duplicated), a newer
# schema refused, a wrong password refused with libpq's reason, and a photo
# refused plainly (501: PostgreSQL keeps none yet).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/sync/common.sh"
. "$TOP/tests/pg.sh"

need_tools test_pg.sh curl openssl sqlite3
need_pg test_pg.sh
pg_start || { not_ok "a private PostgreSQL 15 starts"; exit 1; }
ok "a private PostgreSQL 15 starts on a Unix socket"
DEPOT_DB=$PG_URI

# ---- schema and devices ----
"$DEPOT" --db "$PG_URI" migrate > "$SCRATCH/migrate.out" 2>&1
check "migrate creates the schema on an empty database" exit_says $? 0 "$SCRATCH/migrate.out" \
	"PostgreSQL schema version 2"
check "the schema's version is kept in the database" test "$(pg_psql 'SELECT version FROM fieldcheck_schema')" = 2
"$DEPOT" --db "$PG_URI" migrate > "$SCRATCH/migrate2.out" 2>&1
check "migrate again changes nothing" exit_says $? 0 "$SCRATCH/migrate2.out" "PostgreSQL schema version 2"

check "device add hh1 prints a token" depot_init
check "the token is 43 base64url characters" grep -qE '^[A-Za-z0-9_-]{43}$' "$TOKEN"
check "only the token's SHA-256 is stored" test "$(pg_psql "SELECT token_hash FROM devices WHERE name = 'hh1'")" = \
	"$(tr -d '\n' < "$TOKEN" | sha256sum | cut -d' ' -f1)"
"$DEPOT" --db "$PG_URI" device add hh1 > /dev/null 2> "$SCRATCH/dup.err"
check "a second device hh1 is refused" exit_says $? 1 "$SCRATCH/dup.err" "device 'hh1' already exists"
"$DEPOT" --db "$PG_URI" device add hh9 > "$SCRATCH/token9"
"$DEPOT" --db "$PG_URI" device revoke nosuch 2> "$SCRATCH/revoke.err"
check "revoking an unknown device is refused" exit_says $? 1 "$SCRATCH/revoke.err" "no device 'nosuch'"
"$DEPOT" --db "$PG_URI" device list > "$SCRATCH/list.out"
check "device list shows both, active" sh -c "grep -q '^hh1	active	' '$SCRATCH/list.out' && grep -q '^hh9	active	' '$SCRATCH/list.out'"

# ---- a real sync into a PostgreSQL depot ----
depot_start || { not_ok "the depot serves on PostgreSQL"; exit 1; }
ok "the depot serves on PostgreSQL"
PORT_A=$PORT PID_A=$DEPOT_PID
at_exit "kill -KILL $PID_A 2>/dev/null"
check "its log names the engine, not the URI" grep -q 'database on PostgreSQL' "$DEPOT_LOG"
check "300 records made on the handheld" make_records "$HH" 300
sync_to "http://127.0.0.1:$PORT_A" --max-bundle 4096 > /dev/null 2> "$SCRATCH/sync.err"
check "fieldcheck sync into PostgreSQL exits 0" test $? -eq 0
check "the handheld shows 0 queued" test "$(queued)" = 0
check "no change feed on PostgreSQL yet: the sync says so and still succeeds" \
	grep -q "the depot has no change feed" "$SCRATCH/sync.err"
"$DEPOT" --db "$PG_URI" forms list > /dev/null 2> "$SCRATCH/forms.err"
check "forms on PostgreSQL: refused, saying to use a SQLite depot" \
	exit_says $? 1 "$SCRATCH/forms.err" "not on PostgreSQL depots yet"
pg_count() { pg_psql "SELECT count(*) FROM records"; }
check "PostgreSQL holds exactly 300 records" test "$(pg_count)" = 300
check "each noted with its device and bundle" \
	test "$(pg_psql "SELECT count(*) FROM records WHERE received_from = 'hh1' AND received_in IS NOT NULL AND status = 'sent'")" = 300
# pg_answers: like common.sh's answers, from PostgreSQL's rows.
pg_answers() {
	pg_psql "SELECT uuid || chr(9) || answers FROM records ORDER BY uuid" |
		python3 -c 'import json,sys
for l in sys.stdin:
    u, a = l.rstrip("\n").split("\t", 1)
    print(u + "\t" + json.dumps(json.loads(a), ensure_ascii=False))'
}
answers "$HH" > "$SCRATCH/hh.answers"
pg_answers > "$SCRATCH/pg.answers"
check "the answers in PostgreSQL are the handheld's, in form order" cmp -s "$SCRATCH/hh.answers" "$SCRATCH/pg.answers"
sync_to "http://127.0.0.1:$PORT_A" --once > /dev/null 2>&1
check "a second sync sends nothing; still 300" test "$(pg_count)" = 300
# The patrol track: the PostgreSQL depot does not store it yet and says so;
# the handheld keeps the track bundle aside with that reason (docs/coverage.md).
"$TOP/$BUILD/tools/track_seed" "$HH" --walk hh1 wang 1796000400 1 31.2304 121.4737 > /dev/null
sync_to "http://127.0.0.1:$PORT_A" --once > /dev/null 2>&1
pg_tracks_aside() {
	sqlite3 "$HH" "SELECT refused_status, refused_reason FROM outbox WHERE refused_at IS NOT NULL" |
		grep -q '^400|.*does not store patrol tracks'
}
check "a track bundle to PostgreSQL: refused (400), its reason kept on the handheld" pg_tracks_aside
check "the records are untouched: still 300" test "$(pg_count)" = 300

# ---- the supervisor's list, export, report and the platform push read it ----
DAY=$(date +%F)
FCR() { "$FIELDCHECK" --forms "$FORMS" "$@"; }
# same_sorted ARGS...: `fieldcheck ARGS` prints the same lines (sorted: records
# created in the same millisecond have no order) on the handheld and on PostgreSQL.
same_sorted() {
	FCR --db "$HH" "$@" 2> /dev/null | sort > "$SCRATCH/same.hh" &&
	FCR --db "$PG_URI" "$@" 2> "$SCRATCH/same.err" | sort > "$SCRATCH/same.pg" &&
	[ -s "$SCRATCH/same.pg" ] && cmp -s "$SCRATCH/same.hh" "$SCRATCH/same.pg"
}
check "list on PostgreSQL lists the handheld's 300 records" same_sorted list --day "$DAY"
pg_psql "CREATE ROLE fcread LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO fcread"
check "a role that may only SELECT lists them too (readers create nothing)" \
	test "$(FCR --db "postgresql:///fc?host=$PG_DIR&user=fcread" list --day "$DAY" | wc -l)" = 300
# (updated_at is the handheld's own: it moves when the record is marked sent)
list_json() { FCR --db "$1" list --json | jq -c 'del(.updated_at)' | sort; }
same_json() { list_json "$HH" > "$SCRATCH/json.hh" && list_json "$PG_URI" > "$SCRATCH/json.pg" && cmp -s "$SCRATCH/json.hh" "$SCRATCH/json.pg"; }
check "list --json: every field and answer the same" same_json
check "list --inspector, --form and --limit filter on PostgreSQL too" \
	test "$(FCR --db "$PG_URI" --inspector alice list --form road --limit 7 | wc -l)" = 7
check "export --format geojson: the same features" same_sorted export --day "$DAY" --format geojson
check "export --format csv: the same rows" same_sorted export --day "$DAY" --format csv
check "report: the same text" same_sorted report --day "$DAY"
check "export --format cases: the same cases" same_sorted export --day "$DAY" --format cases
# Decisions on PostgreSQL (appended; the latest counts) reach the cases.
rec=$(FCR --db "$PG_URI" export --day "$DAY" --format cases 2> /dev/null | head -n 1 | jq -r .recordId)
pg_psql "INSERT INTO reviews (record_uuid, decision, reviewer, decided_at) VALUES
	('$rec', 'approved', 'sup', '2026-11-30T01:00:00Z'), ('$rec', 'rejected', 'sup', '2026-11-30T01:05:00Z')"
state_of() { FCR --db "$PG_URI" export --day "$DAY" --format cases 2> /dev/null | jq -r "select(.recordId == \"$rec\") | .caseState" | sort -u; }
check "a record's latest decision on PostgreSQL is its cases' state" test "$(state_of)" = rejected
review_kept() { ! pg_psql "DELETE FROM reviews" > /dev/null 2>&1; }
check "a decision cannot be deleted (the schema refuses)" review_kept
ncases=$(FCR --db "$PG_URI" export --day "$DAY" --format cases 2> /dev/null | wc -l)
"$DEPOT" --db "$PG_URI" platform push --forms "$FORMS" --day "$DAY" --queue "$SCRATCH/pgq" \
	--url http://127.0.0.1:1/cases --once --timeout 1 > /dev/null 2> "$SCRATCH/push.err"
check "platform push on PostgreSQL queues every case ($ncases)" \
	sh -c "grep -q '$ncases cases, $ncases new or changed' '$SCRATCH/push.err' && [ \$(ls '$SCRATCH/pgq/queue' | grep -c json) -eq $ncases ]"
# Photos are not kept on PostgreSQL yet: refused plainly, with a reason, never half-stored.
photo_refused() {
	curl -s -I -H "Authorization: Bearer $(cat "$TOKEN")" \
		"http://127.0.0.1:$PORT_A/v1/photos/$(printf '%064d' 0)" | tr -d '\r' > "$SCRATCH/photo.head"
	grep -q '^HTTP/1.1 501' "$SCRATCH/photo.head" &&
		grep -q '^Fieldcheck-Reason: a PostgreSQL depot keeps no photos yet' "$SCRATCH/photo.head"
}
check "a photo is refused with 501, saying PostgreSQL keeps none yet" photo_refused

# ---- a second depot process on the same database ----
PORT=0
depot_start || { not_ok "a second depot serves the same database"; exit 1; }
ok "a second depot serves the same database"
PORT_B=$PORT

# put FILE UUID TOKEN_FILE PORT OUT: the HTTP status of a PUT; the reply goes to OUT.
put() {
	curl -s -o "$5" -w '%{http_code}' --max-time 60 -X PUT --data-binary "@$1" \
		-H "Authorization: Bearer $(cat "$3")" -H "Content-Type: application/gzip" \
		-H "Repr-Digest: sha-256=:$(openssl dgst -sha256 -binary "$1" | base64 -w0):" \
		"http://127.0.0.1:$4/v1/bundles/$2"
}
# A bundle frozen by a handheld's own sync (to a port where nothing answers).
RACE="$SCRATCH/race.db"
make_records "$RACE" 200 || not_ok "records made for the race"
"$FIELDCHECK" --db "$RACE" sync --server "http://127.0.0.1:$(free_port)" --device hh1 --token-file "$TOKEN" \
	--once --connect-timeout 1 > /dev/null 2>&1
BUNDLE=$(sqlite3 "$RACE" "SELECT writefile('$SCRATCH/race.gz', bytes), uuid FROM outbox LIMIT 1" | cut -d'|' -f2)
check "a frozen bundle of 200 records" test "$(sqlite3 "$RACE" "SELECT record_count FROM outbox WHERE uuid = '$BUNDLE'")" = 200
put "$SCRATCH/race.gz" "$BUNDLE" "$TOKEN" "$PORT_A" "$SCRATCH/race.a" > "$SCRATCH/code.a" &
pa=$!
put "$SCRATCH/race.gz" "$BUNDLE" "$TOKEN" "$PORT_B" "$SCRATCH/race.b" > "$SCRATCH/code.b" &
pb=$!
wait "$pa" "$pb"
check "two depots racing on one bundle: one 201, the other 200" \
	test "$( (cat "$SCRATCH/code.a"; echo; cat "$SCRATCH/code.b"; echo) | sort | paste -sd' ')" = "200 201"
check "both receipts give the same counts" cmp -s "$SCRATCH/race.a" "$SCRATCH/race.b"
check "the receipt counts 200 accepted" grep -q '"accepted":200,"duplicates":0' "$SCRATCH/race.a"
check "the bundle's records are stored once" test "$(pg_count)" = 500
check "the bundle is noted once" test "$(pg_psql "SELECT count(*) FROM received_bundles WHERE uuid = '$BUNDLE'")" = 1

# ---- the ingest's rules, as on SQLite (tests/sync/test_trust.sh) ----
craft() { python3 "$TOP/tests/sync/peer.py" craft "$SCRATCH/race.gz" "$@"; }
newuuid() { python3 -c 'import uuid; print(uuid.uuid4())'; }
"$DEPOT" --db "$PG_URI" device add hh2 > "$SCRATCH/token2"
U=$(craft "$SCRATCH/again.gz" --uuid "$(newuuid)")
code=$(put "$SCRATCH/again.gz" "$U" "$TOKEN" "$PORT_B" "$SCRATCH/reply")
check "the same records in a new bundle: 201 (got $code), all duplicates" \
	sh -c "test '$code' = 201 && grep -q '\"accepted\":0,\"duplicates\":200' '$SCRATCH/reply'"
U=$(craft "$SCRATCH/changed.gz" --uuid "$(newuuid)" --inspector mallory)
code=$(put "$SCRATCH/changed.gz" "$U" "$TOKEN" "$PORT_A" "$SCRATCH/reply")
check "a stored record with other content: 409 (got $code)" test "$code" = 409
check "naming the record" grep -q 'already stored with different content' "$SCRATCH/reply"
U=$(craft "$SCRATCH/forged.gz" --uuid "$(newuuid)" --record-device hh2 --fresh-records)
code=$(put "$SCRATCH/forged.gz" "$U" "$TOKEN" "$PORT_A" "$SCRATCH/reply")
check "hh1's token delivering hh2's records: 400 (got $code)" test "$code" = 400
check "saying whose they are" grep -q 'names device hh2, but the token is hh1' "$SCRATCH/reply"
HH1_REC=$(pg_psql "SELECT uuid FROM records LIMIT 1")
U=$(craft "$SCRATCH/steal.gz" --uuid "$(newuuid)" --device hh2 --record-device hh2 --fresh-records \
	--replaces "$HH1_REC")
code=$(put "$SCRATCH/steal.gz" "$U" "$SCRATCH/token2" "$PORT_B" "$SCRATCH/reply")
check "hh2's record replacing hh1's: 400 (got $code)" test "$code" = 400
check "saying it is another device's" grep -q 'a record of another device' "$SCRATCH/reply"
craft "$SCRATCH/other.gz" --fresh-records > /dev/null
code=$(put "$SCRATCH/other.gz" "$BUNDLE" "$TOKEN" "$PORT_A" "$SCRATCH/reply")
check "other bytes under a stored bundle UUID: 409 (got $code)" test "$code" = 409
check "saying the UUID was used" grep -q 'received before with other content' "$SCRATCH/reply"
check "none of the refused bundles stored anything" test "$(pg_count)" = 500
update_refused() { ! pg_psql "UPDATE records SET inspector = 'x' WHERE uuid = '$HH1_REC'" > /dev/null 2>&1; }
check "a received record cannot be rewritten (the schema refuses)" update_refused

# Two bundles of the same new records, in opposite orders, raced to the two depots:
# neither waits for the other while holding a record it wants (no deadlock, no 503).
cross() {
	python3 - "$SCRATCH/race.gz" "$SCRATCH/x.gz" "$SCRATCH/y.gz" <<'PY'
import gzip, json, sys, uuid
lines = gzip.decompress(open(sys.argv[1], "rb").read()).decode().splitlines()
recs = [json.loads(l) for l in lines[1:]]
for r in recs:
    r["uuid"] = str(uuid.uuid4())
for out, order in ((sys.argv[2], recs), (sys.argv[3], recs[::-1])):
    head = json.loads(lines[0])
    head["uuid"] = str(uuid.uuid4())
    text = "\n".join([json.dumps(head)] + [json.dumps(r, ensure_ascii=False) for r in order]) + "\n"
    open(out, "wb").write(gzip.compress(text.encode()))
    print(head["uuid"])
PY
}
crossed_ok() {
	_u=$(cross) || return 1
	_x=$(echo "$_u" | sed -n 1p) _y=$(echo "$_u" | sed -n 2p)
	put "$SCRATCH/x.gz" "$_x" "$TOKEN" "$PORT_A" "$SCRATCH/x.reply" > "$SCRATCH/x.code" &
	_p=$!
	put "$SCRATCH/y.gz" "$_y" "$TOKEN" "$PORT_B" "$SCRATCH/y.reply" > "$SCRATCH/y.code"
	wait "$_p"
	[ "$(cat "$SCRATCH/x.code")" = 201 ] && [ "$(cat "$SCRATCH/y.code")" = 201 ] || return 1
	python3 -c 'import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
sys.exit(0 if a["accepted"] + b["accepted"] == 200 and a["duplicates"] + b["duplicates"] == 200 else 1)' \
		"$SCRATCH/x.reply" "$SCRATCH/y.reply"
}
crossed_5() { for _i in 1 2 3 4 5; do crossed_ok || return 1; done; }
check "two bundles sharing 200 records in opposite orders, raced 5 times: all 201, stored once" crossed_5
check "1,000 more records, once each" test "$(pg_count)" = 1500

check "hh9's token is accepted by depot B (refused for its empty body, not its token)" \
	test "$(put /dev/null 00000000-0000-4000-8000-000000000000 "$SCRATCH/token9" "$PORT_B" /dev/null)" != 401
"$DEPOT" --db "$PG_URI" device revoke hh9
check "a device revoked through the CLI is refused by both depots at once" \
	sh -c "test \"\$1\" = 401 && test \"\$2\" = 401" - \
	"$(put /dev/null 00000000-0000-4000-8000-000000000000 "$SCRATCH/token9" "$PORT_A" /dev/null)" \
	"$(put /dev/null 00000000-0000-4000-8000-000000000000 "$SCRATCH/token9" "$PORT_B" /dev/null)"

# ---- PostgreSQL killed during a sync, then restarted ----
CRASH="$SCRATCH/crash.db"
check "600 more records made" make_records "$CRASH" 600
from=$(($(wc -l < "$DEPOT_LOG") + 1))
stored_since() { [ "$(tail -n +"$from" "$DEPOT_LOG" | grep -c 'status=201 result=stored')" -ge "$1" ]; }
"$FIELDCHECK" --db "$CRASH" sync --server "http://127.0.0.1:$PORT_A" --device hh1 --token-file "$TOKEN" \
	--max-bundle 2048 --retry-for 120 > /dev/null 2> "$SCRATCH/crash.err" &
spid=$!
check "the sync is storing bundles" wait_for 60 stored_since 3
check "pg_ctl stop -m immediate during the sync" pg_stop_now
unreachable() {
	curl -s --max-time 5 -o "$SCRATCH/health" -w '%{http_code}' "http://127.0.0.1:$PORT_A/v1/health" > "$SCRATCH/health.code"
	[ "$(cat "$SCRATCH/health.code")" = 503 ] && grep -q 'the database is unreachable' "$SCRATCH/health"
}
check "/v1/health answers 503: the database is unreachable" wait_for 30 unreachable
check "uploads meanwhile are answered 503" wait_for 30 sh -c "tail -n +$from '$DEPOT_LOG' | grep -q 'status=503 result=unavailable'"
check "PostgreSQL restarts" pg_restart
check "the depot reconnects by itself (/v1/health 200)" wait_for 30 health "$PORT_A"
wait "$spid"
check "the sync finishes by itself after the restart" test $? -eq 0
check "the handheld shows 0 queued" test "$("$FIELDCHECK" --db "$CRASH" sync --status | sed -n 's/^queued //p')" = 0
check "nothing lost, nothing twice: 2,100 records" test "$(pg_count)" = 2100
"$FIELDCHECK" --db "$CRASH" list | cut -f1 | sort > "$SCRATCH/crash.uuids"
pg_psql "SELECT uuid FROM records WHERE uuid IN ($(sed "s/.*/'&'/" "$SCRATCH/crash.uuids" | paste -sd,))" | sort > "$SCRATCH/crash.pg"
check "every record of that handheld is in PostgreSQL" cmp -s "$SCRATCH/crash.uuids" "$SCRATCH/crash.pg"

# ---- a depot killed during a sync, started again ----
KILLED="$SCRATCH/killed.db"
check "300 more records made" make_records "$KILLED" 300
from=$(($(wc -l < "$DEPOT_LOG") + 1))
"$FIELDCHECK" --db "$KILLED" sync --server "http://127.0.0.1:$PORT_B" --device hh1 --token-file "$TOKEN" \
	--max-bundle 2048 --retry-for 120 > /dev/null 2> "$SCRATCH/killed.err" &
spid=$!
check "the sync is storing bundles through depot B" wait_for 60 stored_since 2
kill -KILL "$DEPOT_PID"
wait "$DEPOT_PID" 2>/dev/null
PORT=$PORT_B
check "depot B killed with SIGKILL and started again on its port" depot_start
wait "$spid"
check "the sync finishes by itself" test $? -eq 0
check "nothing lost, nothing twice: 2,400 records" test "$(pg_count)" = 2400
check "the receipts add up to the rows stored" \
	test "$(pg_psql "SELECT sum(accepted) FROM received_bundles")" = 2400

# ---- a newer schema is refused ----
kill -TERM "$PID_A" "$DEPOT_PID" 2>/dev/null
wait "$PID_A" "$DEPOT_PID" 2>/dev/null
DEPOT_PID=
pg_psql "UPDATE fieldcheck_schema SET version = 99"
"$DEPOT" --db "$PG_URI" device list > /dev/null 2> "$SCRATCH/newer.err"
check "a database with a newer schema is refused" exit_says $? 1 "$SCRATCH/newer.err" \
	"written by a newer fieldcheck-depot (schema 99"
check "and left untouched" test "$(pg_psql 'SELECT version FROM fieldcheck_schema')" = 99
"$FIELDCHECK" --db "$PG_URI" list > /dev/null 2> "$SCRATCH/newer-list.err"
check "and list refuses it too" exit_says $? 1 "$SCRATCH/newer-list.err" "written by a newer fieldcheck-depot (schema 99"
pg_psql "UPDATE fieldcheck_schema SET version = 2"

# ---- a role with a password: wrong one refused, PGPASSFILE honoured ----
pg_psql "CREATE ROLE fcpass LOGIN SUPERUSER PASSWORD 'right-horse'"
sed -i '1i local all fcpass scram-sha-256' "$PG_DIR/data/pg_hba.conf"
_pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" reload > /dev/null
URI="postgresql:///fc?host=$PG_DIR&user=fcpass"
wrong_refused() {
	"$DEPOT" --db "$URI&password=wrong" device list > /dev/null 2> "$SCRATCH/pw.err"
	exit_says $? 1 "$SCRATCH/pw.err" 'password authentication failed for user "fcpass"'
}
check "a wrong password is refused, saying so" wait_for 10 wrong_refused
check "the message does not repeat the password" sh -c "! grep -q wrong '$SCRATCH/pw.err'"
lists_hh1() { "$DEPOT" --db "$1" device list | grep -q '^hh1	'; }
check "the right password is accepted" lists_hh1 "$URI&password=right-horse"
printf '*:*:*:fcpass:right-horse\n' > "$SCRATCH/pgpass"
chmod 600 "$SCRATCH/pgpass"
check "PGPASSFILE is honoured" env PGPASSFILE="$SCRATCH/pgpass" sh -c "'$DEPOT' --db '$URI' device list | grep -q '^hh1	'"
check "a libpq conninfo works as --db too" lists_hh1 "host=$PG_DIR dbname=fc user=$PG_USER"
printf '[fieldcheck]\nhost=%s\ndbname=fc\nuser=%s\n' "$PG_DIR" "$PG_USER" > "$SCRATCH/pg_service.conf"
check "PGSERVICEFILE and service= are honoured" \
	env PGSERVICEFILE="$SCRATCH/pg_service.conf" sh -c "'$DEPOT' --db service=fieldcheck device list | grep -q '^hh1	'"

# ---- the review's screen writes decisions on SQLite only, so far: refused, no file made ----
cd "$SCRATCH" || exit 1
"$FIELDCHECK" --db "$PG_URI" review --bench-startup > /dev/null 2> "$SCRATCH/review.err" < /dev/null
check "fieldcheck review on a PostgreSQL URI is refused, saying why" exit_says $? 1 "$SCRATCH/review.err" \
	"the review stores its decisions in a SQLite depot only so far"
check "and creates no file named like the URI" sh -c "! ls -d '$SCRATCH'/postgresql* 2>/dev/null"

# ---- migrate on SQLite says its version too ----
"$DEPOT" --db "$SCRATCH/lite.db" migrate > "$SCRATCH/lite.out" 2>&1
check "migrate on a SQLite file creates it and says its version" exit_says $? 0 "$SCRATCH/lite.out" "SQLite schema version"

# ---- a depot started while PostgreSQL is down says why and exits ----
pg_stop_now
"$DEPOT" --db "$PG_URI" serve --listen 127.0.0.1:0 > /dev/null 2> "$SCRATCH/down.err"
check "serve with PostgreSQL down exits 1, saying it cannot connect" exit_says $? 1 "$SCRATCH/down.err" \
	"cannot connect to the PostgreSQL database"
