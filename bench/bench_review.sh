#!/bin/sh
# Supervisor review benchmarks, each printed beside an anchor measured in
# the same run:
#   review.first_frame     open the review of a day of 3,000 records in a
#                          depot database of 1,000,000 records, to the first
#                          painted frame (goal <= 100 ms); anchor: the sqlite3
#                          CLI reading the same day's rows in the same terminal,
#                          its rows sent to /dev/null: the review holds the rows
#                          and paints one screenful, so pushing 2 MB of text
#                          through the terminal would time the terminal, not
#                          the reading
#   review.geojson_export  export that day to GeoJSON (goal >= 50,000
#                          records/s); anchor: ogr2ogr converting the same
#                          rows (the day's CSV export) to GeoJSON
#
# Test data: review_seed answers 3,000 records through the form engine and
# the real checklists; the sqlite3 CLI then copies those real rows to 333
# earlier days with a recursive CTE (fresh UUIDs), giving 1,002,000 records.
# The database is kept in $BUILD/bench/ and reused by later runs.
set -u
: "${BUILD:=build}"
cd "$(dirname "$0")/.." || exit 1
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=Asia/Shanghai
DAY=2026-11-24
DB="$BUILD/bench/review-1m.db"
FC="$BUILD/fieldcheck"
SEED="$BUILD/bench/review_seed"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export HOME="$TMP" XDG_CONFIG_HOME="$TMP/config"

if ! command -v sqlite3 > /dev/null; then
	echo "review: FAILED: the anchor sqlite3 is not installed (scripts/deps.sh installs it)"
	exit 1
fi
if [ ! -x "$FC" ] || [ ! -x "$SEED" ]; then
	echo "review: build first ($FC, $SEED)"
	exit 1
fi
if [ ! -s "$DB" ] || [ "$(sqlite3 "$DB" 'SELECT count(*) FROM records' 2>/dev/null || echo 0)" -lt 1000000 ]; then
	rm -f "$DB" "$DB-wal" "$DB-shm"
	echo "review: generating the 1,000,000-record depot database (once) ..." >&2
	"$SEED" --db "$DB" --forms forms/checklists --day $DAY --count 3000 \
		--inspectors alice,bob,chen,dong,eve --devices hh-1,hh-2,hh-3 || exit 1
	sqlite3 "$DB" >/dev/null <<SQL || exit 1
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 333)
INSERT INTO records (uuid, form_id, form_version, form_hash, inspector, device, replaces,
    status, created_at, updated_at, finalized_at, day, pos_source, lat, lon, alt_m,
    accuracy_m, fix_mode, satellites, hdop, fix_time, fix_age_s, pos_reason, answers)
SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
       substr(lower(hex(randomblob(2))), 2) || '-a' || substr(lower(hex(randomblob(2))), 2) ||
       '-' || lower(hex(randomblob(6))),
       form_id, form_version, form_hash, inspector, device, replaces, status,
       date(day, '-' || n.i || ' days') || substr(created_at, 11), updated_at, finalized_at,
       date(day, '-' || n.i || ' days'), pos_source, lat, lon, alt_m, accuracy_m, fix_mode,
       satellites, hdop, fix_time, fix_age_s, pos_reason, answers
FROM records, n WHERE day = '$DAY';
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
fi
total=$(sqlite3 "$DB" 'SELECT count(*) FROM records')
dayn=$(sqlite3 "$DB" "SELECT count(*) FROM records WHERE day = '$DAY'")

# median_ms [--until TEXT | --quiet] CMD...: the median wall time of 7 runs,
# in a pseudo-terminal of 80x24 (the review needs a terminal; the others get
# the same treatment).  With --until, the time runs from the start of the
# process until TEXT first appears on its terminal: the first painted frame.
# With --quiet, the command's standard output goes to /dev/null instead.
median_ms() {
	python3 - "$@" <<'PY'
import os, pty, statistics, sys, time
args = sys.argv[1:]
until = None
quiet = False
if args[0] == "--until":
    until, args = args[1].encode(), args[2:]
elif args[0] == "--quiet":
    quiet, args = True, args[1:]
env = dict(os.environ, TERM="xterm-256color", LINES="24", COLUMNS="80")
times = []
for _ in range(7):
    t = time.monotonic()
    seen = None
    out = b""
    pid, fd = pty.fork()
    if pid == 0:
        if quiet:
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        os.execvpe(args[0], args, env)
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        if until is not None and seen is None:
            out += data
            if until in out:
                seen = time.monotonic()
    _, status = os.waitpid(pid, 0)
    end = seen if until is not None else time.monotonic()
    if status != 0 or end is None:
        sys.exit("failed: %s" % " ".join(args))
    times.append((end - t) * 1000)
print("%.1f" % statistics.median(times))
PY
}

ff=$(median_ms --until "severe open" "$FC" --db "$DB" --forms forms/checklists --lang en review --day $DAY --bench-startup) || exit 1
anchor=$(median_ms --quiet sqlite3 "$DB" "SELECT * FROM records WHERE day = '$DAY'") || exit 1
awk -v v="$ff" -v a="$anchor" -v n="$dayn" -v t="$total" 'BEGIN {
	printf "review.first_frame: %.1f ms (day of %d in %d records)  anchor sqlite3 CLI day query in the same terminal, rows to /dev/null %.1f ms  ratio %.2f  goal <= 100 ms  %s\n",
	    v, n, t, a, v / a, (v <= 100 ? "MET" : "MISSED") }'

"$FC" --db "$DB" --forms forms/checklists export --day $DAY --format csv -o "$TMP/day.csv" 2>/dev/null
placed=$(sqlite3 "$DB" "SELECT count(*) FROM records WHERE day = '$DAY' AND pos_source <> 'none'")
ex=$(median_ms "$FC" --db "$DB" --forms forms/checklists export --day $DAY --format geojson -o "$TMP/day.geojson") || exit 1
if command -v ogr2ogr >/dev/null 2>&1; then
	# The GeoJSON driver cannot overwrite: each run starts from no file.
	og=$(median_ms sh -c 'rm -f "$1"; exec ogr2ogr -f GeoJSON "$1" "$2" \
		-oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -oo KEEP_GEOM_COLUMNS=NO \
		-where "position_source <> '"'none'"'"' sh "$TMP/ogr.geojson" "$TMP/day.csv") || exit 1
	awk -v e="$ex" -v o="$og" -v n="$dayn" -v p="$placed" 'BEGIN {
		r = n / (e / 1000); ar = n / (o / 1000)
		printf "review.geojson_export: %.0f records/s (%d rows, %d placed, %.1f ms)  anchor ogr2ogr CSV->GeoJSON %.0f records/s (%.1f ms)  ratio %.2f  goal >= 50000 records/s  %s\n",
		    r, n, p, e, ar, o, r / ar, (r >= 50000 ? "MET" : "MISSED") }'
else
	echo "review.geojson_export: FAILED: the anchor ogr2ogr is not installed (scripts/deps.sh installs gdal-bin)"
	exit 1
fi
