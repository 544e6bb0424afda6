#!/bin/sh
# City-management platform figures (issue 20), each beside an anchor
# measured in this run:
#   platform.cell_lookup    the cell of 1,000,000 points over a 20,000-cell
#                           unit grid through geo/'s index, grid loading from
#                           GeoJSON included (goal <= 2 s); anchor: the naive
#                           scan of every cell (2,000 points, scaled)
#   platform.cases_export   `fieldcheck export --format cases` of a
#                           3,000-record day (goal >= 50,000 cases/s); anchor:
#                           the GeoJSON export of the same day, records/s.
#                           The same export with a 20,000-cell grid file is
#                           printed beside it: as it runs every day (the
#                           grid's parse cached, geo.h), and the first run
#                           after the file changed (parsed, its cache written).
#
# Test data: review_seed answers 3,000 records through the form engine and
# the real checklists (kept in $BUILD/bench/ and reused); platform_bench
# writes the grid.
set -u
: "${BUILD:=build}"
cd "$(dirname "$0")/.." || exit 1
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=Asia/Shanghai
DAY=2026-11-24
DB="$BUILD/bench/platform-day.db"
FC="$BUILD/fieldcheck"
SEED="$BUILD/bench/review_seed"
PB="$BUILD/bench/platform_bench"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export HOME="$TMP" XDG_CONFIG_HOME="$TMP/config" XDG_CACHE_HOME="$TMP/cache"

if [ ! -x "$FC" ] || [ ! -x "$SEED" ] || [ ! -x "$PB" ]; then
	echo "platform: build first ($FC, $SEED, $PB)"
	exit 1
fi
verdict() { awk -v v="$1" -v g="$3" -v op="$2" 'BEGIN { print ((op == "<=" ? v <= g : v >= g) ? "MET" : "MISSED") }'; }

set -- $("$PB" lookup) || exit 1
index_s=$1 naive_s=$2 load_ms=$3
total_s=$(awk -v i="$index_s" -v l="$load_ms" 'BEGIN { printf "%.3f", i + l / 1000 }')
echo "platform.cell_lookup: ${total_s} s for 1000000 points over 20000 cells (lookups ${index_s} s, grid load ${load_ms} ms)  anchor naive scan of every cell ${naive_s} s  ratio $(awk -v a="$total_s" -v b="$naive_s" 'BEGIN { printf "%.4f", a / b }')  goal <= 2 s  $(verdict "$total_s" '<=' 2)"

if [ ! -s "$DB" ]; then
	"$SEED" --db "$DB" --forms forms/checklists --day $DAY --count 3000 \
		--inspectors alice,bob,chen,dong,eve --devices hh-1,hh-2,hh-3 >/dev/null 2>&1 || exit 1
fi
"$PB" grid "$TMP/grid.geojson" || exit 1
# median_ms CMD...: the median wall time of 7 runs.
median_ms() {
	python3 - "$@" <<'PY'
import statistics, subprocess, sys, time
times = []
for _ in range(7):
    t = time.monotonic()
    if subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
        sys.exit("failed: " + " ".join(sys.argv[1:]))
    times.append((time.monotonic() - t) * 1000)
print("%.1f" % statistics.median(times))
PY
}
"$FC" --db "$DB" --forms forms/checklists export --day $DAY --format cases -o "$TMP/cases.jsonl" 2>/dev/null || exit 1
ncases=$(wc -l < "$TMP/cases.jsonl")
nrec=$(sqlite3 "$DB" "SELECT count(*) FROM records WHERE day = '$DAY'")
ours=$(median_ms "$FC" --db "$DB" --forms forms/checklists export --day $DAY --format cases -o "$TMP/c.jsonl") || exit 1
gridded=$(median_ms "$FC" --db "$DB" --forms forms/checklists export --day $DAY --format cases --grid "$TMP/grid.geojson" -o "$TMP/g.jsonl") || exit 1
parsed=$(median_ms sh -c 'rm -rf "$XDG_CACHE_HOME" && exec "$@"' - "$FC" --db "$DB" --forms forms/checklists export --day $DAY --format cases --grid "$TMP/grid.geojson" -o "$TMP/g.jsonl") || exit 1
anchor=$(median_ms "$FC" --db "$DB" --forms forms/checklists export --day $DAY --format geojson -o "$TMP/day.geojson") || exit 1
awk -v o="$ours" -v g="$gridded" -v p="$parsed" -v a="$anchor" -v c="$ncases" -v n="$nrec" 'BEGIN {
	r = c / (o / 1000); rg = c / (g / 1000); rp = c / (p / 1000); ra = n / (a / 1000)
	printf "platform.cases_export: %.0f cases/s (%d cases of %d records, %.1f ms; with a 20000-cell grid file %.0f cases/s, %.1f ms; its first run, parsing the grid, %.0f cases/s, %.1f ms)  anchor GeoJSON export of the day %.0f records/s (%.1f ms)  ratio %.2f  goal >= 50000 cases/s  %s\n",
	    r, c, n, o, rg, g, rp, p, ra, a, r / ra, (r >= 50000 && rg >= 50000 ? "MET" : "MISSED") }'
