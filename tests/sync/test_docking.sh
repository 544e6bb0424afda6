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
sed 's/^,road,道路巡查 Road inspection,1,/,road,道路巡查 Road inspection v2,2,/' "$FORMS/road.csv" > "$SCRATCH/road2.csv"
sed 's/^,road,道路巡查 Road inspection,1,/,kerb,路缘石 Kerbs,1,/' "$FORMS/road.csv" > "$SCRATCH/kerb.csv"
D forms list > "$SCRATCH/list1"
check "forms list: one line a version, offered" grep -q '^road	1	[0-9a-f]\{64\}	.*	offered$' "$SCRATCH/list1"

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
