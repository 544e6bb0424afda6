#!/bin/sh
# Docking figures (issue 17), each beside an anchor measured in this run:
#   a docking sync that brings 50 tasks, 200 decisions and 2 changed
#     checklists: the bytes on the wire (both ways, headers included, through
#     a counting proxy), and its time (fieldcheck sync: process, store, the
#     feed's pages applied) against curl fetching the same pages
#     (goal <= 1.3x); then the same sync with nothing new (304)
#   the change-feed query for one device in a depot of 1,000,000 records,
#     10,000 tasks and 500 devices (the depot's own time for the request, from
#     its log; goal <= 20 ms), beside the sqlite3 CLI running the feed's query
# Servers listen on port 0 and say which port they bound.
set -u
: "${BUILD:=build}"
TOP=$(cd "$(dirname "$0")/.." && pwd)
FIELDCHECK="$TOP/$BUILD/fieldcheck"
DEPOT="$TOP/$BUILD/fieldcheck-depot"
NETFAULT="$TOP/tests/sync/netfault.py"
FORMS="$TOP/forms/checklists"
WORK=$(mktemp -d "$TOP/$BUILD/bench-dock.XXXXXX")
PIDS=
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$WORK"' EXIT
export XDG_CONFIG_HOME="$WORK/config"
mkdir -p "$XDG_CONFIG_HOME/fieldcheck"
printf 'device = hh1\n' > "$XDG_CONFIG_HOME/fieldcheck/config"

verdict() { python3 -c "import sys; v,g=float(sys.argv[1]),float(sys.argv[3]); print('MET' if (v<=g if sys.argv[2]=='<=' else v>=g) else 'MISSED')" "$1" "$2" "$3"; }
now() { date +%s%N; }
fail() { echo "dock: FAILED: $*"; exit 1; }
for t in curl sqlite3 python3; do
	command -v "$t" >/dev/null || fail "$t is not installed (scripts/deps.sh installs it)"
done
port_of() {
	_i=0
	while [ $_i -lt 200 ]; do
		_p=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$1" 2>/dev/null | head -n 1)
		[ -n "$_p" ] && { echo "$_p"; return 0; }
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}
start_depot() {
	"$DEPOT" --db "$1" serve --listen 127.0.0.1:0 2> "$2" &
	DPID=$!
	PIDS="$PIDS $DPID"
	DPORT=$(port_of "$2") || fail "the depot did not start (see $2)"
}
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# ---- A docking sync: 50 tasks, 200 decisions, 2 changed checklists ----
DB="$WORK/depot.db"
HH="$WORK/hh.db"
"$DEPOT" --db "$DB" device add hh1 > "$WORK/token"
chmod 600 "$WORK/token"
i=1
while [ $i -le 200 ]; do
	"$FIELDCHECK" --db "$HH" --forms "$FORMS" record add --form road --inspector alice \
		--at "31.2$((i % 10))41,121.4$((i % 7))73,4" "asset_id=解放路 $i 号前" road_class=arterial \
		condition=fair subsidence=none pothole=none > /dev/null || fail "record add"
	i=$((i + 1))
done
start_depot "$DB" "$WORK/depot.log"
URL="http://127.0.0.1:$DPORT"
"$FIELDCHECK" --db "$HH" sync --server "$URL" --device hh1 --token-file "$WORK/token" \
	> /dev/null 2>&1 || fail "the records' upload"
"$DEPOT" --db "$DB" forms add "$FORMS/road.csv" > /dev/null
"$DEPOT" --db "$DB" forms add "$FORMS/bridge.csv" > /dev/null
sqlite3 "$DB" "INSERT INTO reviews (record_uuid, decision, comment, reviewer, decided_at)
	SELECT uuid, 'follow-up', '护栏松动，请复查 ' || rowid, 'zhang', '2026-11-30T02:00:00.000Z' FROM records" ||
	fail "decisions"
i=1
while [ $i -le 50 ]; do
	"$DEPOT" --db "$DB" task add --form road --asset "R-$i" --inspector alice --device hh1 \
		--at "31.2$((i % 10)),121.4$((i % 7))" --due 2026-12-0$((i % 9 + 1)) > /dev/null || fail "task add"
	i=$((i + 1))
done

python3 "$NETFAULT" proxy 0 "$DPORT" --count "$WORK/count" > "$WORK/proxy.out" &
PIDS="$PIDS $!"
PX=$(port_of "$WORK/proxy.out") || fail "the counting proxy did not start"
: > "$WORK/count"
"$FIELDCHECK" --db "$HH" sync --server "http://127.0.0.1:$PX" --device hh1 --token-file "$WORK/token" \
	> /dev/null 2> "$WORK/sync.err" || fail "the docking sync: $(cat "$WORK/sync.err")"
grep -q "from the depot: 2 checklists, 50 tasks, 200 decisions" "$WORK/sync.err" ||
	fail "the docking sync brought $(cat "$WORK/sync.err")"
i=0
while [ "$(wc -l < "$WORK/count")" -lt 1 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
wire=$(awk '{ s += $1 + $2 } END { print s }' "$WORK/count")
raw=$(sqlite3 "$DB" "SELECT sum(length(csv)) FROM checklists")
echo "dock.wire_bytes: $wire B (50 tasks, 200 decisions, 2 checklists)  anchor the checklists' CSV alone $raw B  ratio $(python3 -c "print('%.2f' % ($wire / $raw))")"

# Its time, cursor reset each round (applying again writes the same rows), against curl
# fetching the same two pages with the same headers' worth of work.
PAGE2=$(sqlite3 "$HH" "SELECT value FROM settings WHERE key = 'feed.cursor'")
C1=$(curl -s -H "Authorization: Bearer $(cat "$WORK/token")" "$URL/v1/changes" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["cursor"])')
for r in 1 2 3 4 5; do
	sqlite3 "$HH" "DELETE FROM settings WHERE key = 'feed.cursor'"
	t0=$(now)
	"$FIELDCHECK" --db "$HH" sync --server "$URL" --device hh1 --token-file "$WORK/token" > /dev/null 2>&1
	t1=$(now)
	curl -s --compressed -H "Authorization: Bearer $(cat "$WORK/token")" -o /dev/null "$URL/v1/changes" \
		-o /dev/null "$URL/v1/changes?since=$C1"
	t2=$(now)
	echo "$((t1 - t0)) $((t2 - t1))"
done > "$WORK/times"
sync_ms=$(awk '{ printf "%.1f\n", $1 / 1e6 }' "$WORK/times" | median)
curl_ms=$(awk '{ printf "%.1f\n", $2 / 1e6 }' "$WORK/times" | median)
ratio=$(python3 -c "print('%.2f' % ($sync_ms / $curl_ms))")
echo "dock.sync_time: $sync_ms ms  anchor curl fetching the same pages $curl_ms ms  ratio $ratio  goal <= 1.3  $(verdict "$ratio" '<=' 1.3)"
[ -n "$PAGE2" ] || fail "no cursor"
: > "$WORK/count"
"$FIELDCHECK" --db "$HH" sync --server "http://127.0.0.1:$PX" --device hh1 --token-file "$WORK/token" \
	> /dev/null 2>&1
i=0
while [ "$(wc -l < "$WORK/count")" -lt 1 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
last=$(grep 'GET device=hh1' "$WORK/depot.log" | tail -n 1 | sed -n 's/.* status=\([0-9]*\) .*/\1/p')
echo "dock.wire_bytes_unchanged: $(awk '{ s += $1 + $2 } END { print s }' "$WORK/count") B (nothing new: answered $last)"
kill "$DPID" 2>/dev/null

[ "${BENCH_DOCK_BIG:-1}" = 1 ] || exit 0

# ---- The feed's query in a big depot ----
BIG="$WORK/big.db"
"$DEPOT" --db "$BIG" migrate > /dev/null
"$DEPOT" --db "$BIG" forms add "$FORMS/road.csv" > /dev/null
"$DEPOT" --db "$BIG" device add d7 > "$WORK/token7"
sqlite3 "$BIG" "
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 499)
INSERT INTO devices (name, token_hash, created_at) SELECT 'd' || i || 'x', hex(randomblob(32)), '2026-11-01T00:00:00.000Z' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO records (uuid, form_id, form_version, form_hash, inspector, device, status, created_at,
  updated_at, finalized_at, day, pos_source, answers, received_from)
SELECT printf('%08x-0000-4000-8000-%012x', i, i), 'road', '1', 'h', 'i' || (i % 1000),
  CASE i % 500 WHEN 7 THEN 'd7' ELSE 'd' || (i % 500) || 'x' END, 'sent',
  printf('2026-%02d-%02dT08:00:00.000Z', 1 + i % 11, 1 + i % 28), '2026-11-01T00:00:00.000Z',
  '2026-11-01T00:00:00.000Z', '2026-11-01', 'none', '{\"asset_id\":\"R\"}',
  CASE i % 500 WHEN 7 THEN 'd7' ELSE 'd' || (i % 500) || 'x' END FROM n;
INSERT INTO reviews (record_uuid, decision, comment, reviewer, decided_at)
  SELECT uuid, 'approved', '', 'zhang', '2026-11-30T02:00:00.000Z' FROM records WHERE rowid % 50 = 7;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO tasks (uuid, kind, form_id, form_version, asset, inspector, device, note, state, created_at,
  created_by, updated_at)
SELECT printf('%08x-1111-4000-8000-%012x', i, i), 'inspect', 'road', '1', 'R-' || i, 'i' || (i % 1000),
  CASE i % 500 WHEN 7 THEN 'd7' ELSE 'd' || (i % 500) || 'x' END, '', 'assigned',
  '2026-11-30T00:00:00.000Z', 'bench', '2026-11-30T00:00:00.000Z' FROM n;
INSERT INTO changes (device, kind, ref, at) SELECT device, 'task', uuid, created_at FROM tasks;
COMMIT;" || fail "the big depot"
start_depot "$BIG" "$WORK/big.log"
for r in 1 2 3 4 5 6 7; do
	curl -s -o /dev/null -H "Authorization: Bearer $(cat "$WORK/token7")" "http://127.0.0.1:$DPORT/v1/changes?since=0.d7"
done
n=$(curl -s -H "Authorization: Bearer $(cat "$WORK/token7")" "http://127.0.0.1:$DPORT/v1/changes?since=0.d7" |
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)["changes"]))')
feed_ms=$(sed -n 's/.*GET device=d7 .* ms=\([0-9]*\).*/\1/p' "$WORK/big.log" | median)
cat > "$WORK/feed.sql" <<'SQL'
.timer on
SELECT count(*) FROM (SELECT seq, kind, ref FROM (
  SELECT seq, kind, ref FROM changes WHERE device IS NULL AND seq > 0
  UNION ALL
  SELECT seq, kind, ref FROM changes WHERE device = 'd7' AND seq > 0) ORDER BY seq LIMIT 200);
SQL
sql_once() {
	sqlite3 "$BIG" < "$WORK/feed.sql" > "$WORK/sql.out" 2>&1 || fail "sqlite3: $(cat "$WORK/sql.out")"
	sed -n 's/^Run Time: real \([0-9.]*\).*/\1/p' "$WORK/sql.out" | awk '{ print $1 * 1000 }'
}
sql_ms=$({ sql_once; sql_once; sql_once; } | median)
echo "dock.feed_query: $feed_ms ms (a page of $n changes for one device of 500; 1,000,000 records, 10,000 tasks)  anchor sqlite3 CLI, the feed's query alone $sql_ms ms  goal <= 20 ms  $(verdict "$feed_ms" '<=' 20)"
