#!/bin/sh
# The depot on PostgreSQL (issue 18), beside anchors measured in this run:
#   ingest, 8 devices syncing at once through two depot processes into one
#     private PostgreSQL 15 (tests/pg.sh) vs psql \copy of the same rows into
#     an empty table of the same schema (indexes and trigger included)
#   the same load into one SQLite depot, printed beside it (no goal: so the
#     engine choice is an informed one)
#   a day of 3,000 records loaded as the review loads it (report_day_load
#     through the read interface: records, hazards, latest decisions) from a
#     1,002,000-record PostgreSQL depot (goal <= 100 ms, the issue's for the
#     review's first frame), beside the same day in a 15,000-record one
#     (bench/depot_pg_days.sql makes both).  The issue asks for 10,000,000
#     records and the screen itself; the screen does not run on PostgreSQL
#     yet, and 10,000,000 rows take this machine about ten minutes to make.
# A missing tool is a failure, not a skip.
set -u
: "${BUILD:=build}"
TOP=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$TOP/$BUILD/bench/sync_bench"
FIELDCHECK="$TOP/$BUILD/fieldcheck"
DEPOT="$TOP/$BUILD/fieldcheck-depot"
WORK=$(mktemp -d "$TOP/$BUILD/bench-pg.XXXXXX")
PIDS=
# What tests/pg.sh needs of tests/lib.sh: cleanup at exit and polling.
_at_exit="for p in \$PIDS; do kill \$p 2>/dev/null; done; rm -rf '$WORK'"
at_exit() { _at_exit="$1; $_at_exit"; }
trap 'eval "$_at_exit"' EXIT
wait_for() {
	_limit=$(( $1 * 20 ))
	shift
	_i=0
	while [ "$_i" -lt "$_limit" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}
skip() { echo "depot_pg: FAILED: $2"; exit 1; }
. "$TOP/tests/pg.sh"
export XDG_CONFIG_HOME="$WORK/config"
mkdir -p "$XDG_CONFIG_HOME/fieldcheck"
printf 'device = hh1\n' > "$XDG_CONFIG_HOME/fieldcheck/config"

verdict() { python3 -c "import sys; v,g=float(sys.argv[1]),float(sys.argv[3]); print('MET' if (v<=g if sys.argv[2]=='<=' else v>=g) else 'MISSED')" "$1" "$2" "$3"; }
now() { python3 -c 'import time; print(time.perf_counter())'; }
fail() { echo "depot_pg: FAILED: $*"; exit 1; }
need_pg depot_pg
pg_start || fail "PostgreSQL 15 did not start"

# start_depot DB: serves DB on a port it picks; sets DPORT.
start_depot() {
	_log="$WORK/depot.$(date +%s%N).log"
	"$DEPOT" --db "$1" serve --listen 127.0.0.1:0 2> "$_log" &
	PIDS="$PIDS $!"
	_i=0
	DPORT=
	while [ -z "$DPORT" ] && [ $_i -lt 200 ]; do
		DPORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$_log" | head -n 1)
		sleep 0.05
		_i=$((_i + 1))
	done
	[ -n "$DPORT" ] || fail "a depot did not start (see $_log)"
}

# ingest DB PORT_OF_DEVICE...: 8 handhelds of 1,250 records each sync at once; prints seconds.
ingest() {
	_db=$1
	for d in 1 2 3 4 5 6 7 8; do
		rm -f "$WORK/hh$d.db"
		"$DEPOT" --db "$_db" device add "hh$d" > "$WORK/tok$d" && chmod 600 "$WORK/tok$d"
		"$BENCH" gen "$WORK/hh$d.db" 1250 "hh$d" > /dev/null || fail "records not made"
	done
	shift
	_t0=$(now)
	_pids=
	for d in 1 2 3 4 5 6 7 8; do
		eval "_port=\$$d"
		"$FIELDCHECK" --db "$WORK/hh$d.db" sync --server "http://127.0.0.1:$_port" --device "hh$d" \
			--token-file "$WORK/tok$d" --max-bundle 32768 > /dev/null 2>&1 &
		_pids="$_pids $!"
	done
	for p in $_pids; do wait "$p" || fail "a sync failed"; done
	_t1=$(now)
	python3 -c "print($_t1 - $_t0)"
}

# ---- PostgreSQL: two depot processes, four handhelds each ----
start_depot "$PG_URI"
PA=$DPORT
start_depot "$PG_URI"
PB=$DPORT
secs=$(ingest "$PG_URI" "$PA" "$PA" "$PA" "$PA" "$PB" "$PB" "$PB" "$PB")
n=$(pg_psql "SELECT count(*) FROM records")
[ "$n" = 10000 ] || fail "PostgreSQL holds $n records, not 10000"
ours=$(python3 -c "print('%.0f' % ($n / $secs))")
# The anchor: the same rows, \copy'd into an empty database of the same schema.
_pg_as "$PG_BIN/createdb" -h "$PG_DIR" fc2 || fail "createdb fc2"
URI2="postgresql:///fc2?host=$PG_DIR&user=$PG_USER"
"$DEPOT" --db "$URI2" migrate > /dev/null || fail "migrate fc2"
pg_psql "\\copy (SELECT * FROM records) TO '$PG_DIR/rows.csv' CSV" || fail "copy out"
t0=$(now)
_pg_as "$PG_BIN/psql" -X -q -h "$PG_DIR" -d fc2 -v ON_ERROR_STOP=1 -c "\\copy records FROM '$PG_DIR/rows.csv' CSV" ||
	fail "copy in"
t1=$(now)
na=$(_pg_as "$PG_BIN/psql" -X -At -h "$PG_DIR" -d fc2 -c "SELECT count(*) FROM records")
anchor=$(python3 -c "print('%.0f' % ($na / ($t1 - $t0)))")
ratio=$(python3 -c "print('%.2f' % ($ours / $anchor))")
# printf, not echo: dash's echo reads the backslash of \copy as an escape.
printf '%s\n' "depot_pg.ingest_8_devices_2_depots: ${ours} records/s ($n records, 8 devices at once through 2 depots, bundles <= 32 KiB)  anchor psql \\copy ${anchor} rows/s  ratio ${ratio}  goal >= 0.5  $(verdict "$ratio" '>=' 0.5)"

# ---- The same load into one SQLite depot, beside it ----
start_depot "$WORK/d8.db"
P=$DPORT
secs=$(ingest "$WORK/d8.db" "$P" "$P" "$P" "$P" "$P" "$P" "$P" "$P")
n=$("$FIELDCHECK" --db "$WORK/d8.db" list | wc -l)
lite=$(python3 -c "print('%.0f' % ($n / $secs))")
echo "depot_pg.ingest_8_devices_sqlite: ${lite} records/s ($n records, the same load into one SQLite depot)  beside PostgreSQL ${ours} records/s  (no goal: for choosing the engine)"

# ---- A day's load in a large PostgreSQL depot, beside a small one ----
REVIEW_OPEN="$TOP/$BUILD/bench/review_open"
cp "$TOP/bench/depot_pg_days.sql" "$PG_DIR/days.sql" && chmod 644 "$PG_DIR/days.sql" || fail "days.sql"
# day_load DB DAYS: makes DB with DAYS days of 3,000, prints the median load of one day in ms.
day_load() {
	_pg_as "$PG_BIN/createdb" -h "$PG_DIR" "$1" || fail "createdb $1"
	"$DEPOT" --db "postgresql:///$1?host=$PG_DIR&user=$PG_USER" migrate > /dev/null || fail "migrate $1"
	_pg_as "$PG_BIN/psql" -X -q -h "$PG_DIR" -d "$1" -v ON_ERROR_STOP=1 -v days="$2" \
		-f "$PG_DIR/days.sql" > /dev/null || fail "records for $1"
	for _i in 1 2 3 4 5; do
		"$REVIEW_OPEN" "postgresql:///$1?host=$PG_DIR&user=$PG_USER" "$TOP/forms/checklists" 2025-01-04 |
			sed -n 's/^report_day_load \([0-9]*\) ms/\1/p'
	done | sort -n | sed -n 3p
}
small=$(day_load days5 5) || { echo "$small"; exit 1; }
large=$(day_load days334 334) || { echo "$large"; exit 1; }
[ -n "$small" ] && [ -n "$large" ] || fail "review_open did not load the day"
echo "depot_pg.review_day_load: ${large} ms (a day of 3,000 records with hazards and decisions, in 1,002,000 records on PostgreSQL)  anchor the same day in 15,000 records ${small} ms  ratio $(python3 -c "print('%.2f' % ($large / max($small, 1)))")  goal <= 100 ms  $(verdict "$large" '<=' 100)"
