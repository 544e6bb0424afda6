#!/bin/sh
# Patrol coverage figures (issue 19), each beside an anchor measured in this run:
#   coverage.track_wire     an 8-hour shift's track on the wire (the track
#                           bundle, gzip'd NDJSON), goal <= 16 KB; anchors: the
#                           same points and times as a GeoJSON LineString
#                           gzip'd, and as GPX gzip'd (and plain)
#   coverage.batch_save     a batch of 8 points saved by store_track_append
#                           (one durable transaction), goal <= 1.2x the anchor:
#                           the same rows as BEGIN; 8 INSERTs; COMMIT in one
#                           sqlite3 CLI session, same schema and pragmas
#   coverage.duty_cpu       the inspector's screen on duty (recording the
#                           track) on a 1 Hz gpsd feed, CPU over
#                           TRACK_BENCH_SECONDS (default 60) in a pty
#                           (bench/tui_probe), goal <= 0.05 % of a core over
#                           the anchor: the same screen off duty on the same
#                           feed at the same time (its idle figure)
#   coverage.city_day       coverage_compute of one city-day, 1,000 zones and
#                           300 inspectors' 8-hour tracks read from the depot's
#                           SQLite file, goal <= 1 s; anchor: the naive
#                           all-pairs point-in-polygon engine (10 inspectors,
#                           scaled), beside the indexed engine alone
#
# The city's database (90 MB) is made once in $BUILD/bench/ and reused.
set -u
: "${BUILD:=build}" "${TRACK_BENCH_SECONDS:=60}"
cd "$(dirname "$0")/.." || exit 1
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=Asia/Shanghai
CB="$BUILD/bench/coverage_bench"
TMP=$(mktemp -d "$BUILD/bench/coverage.XXXXXX")   # on the build's filesystem, not tmpfs
trap 'rm -rf "$TMP"' EXIT
if [ ! -x "$CB" ]; then
	echo "coverage: build first ($CB)"
	exit 1
fi
if ! command -v sqlite3 > /dev/null; then
	echo "coverage.batch_save: FAILED: the anchor sqlite3 is not installed (scripts/deps.sh installs it)"
	exit 1
fi
verdict() { awk -v v="$1" -v g="$3" -v op="$2" 'BEGIN { print ((op == "<=" ? v <= g : v >= g) ? "MET" : "MISSED") }'; }
status=0

set -- $("$CB" wire) || exit 1
kb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
v=$(verdict "$2" '<=' 16384)
echo "coverage.track_wire: $(kb "$2") KB for an 8-hour shift ($1 points)  anchor GeoJSON gzip'd $(kb "$3") KB, GPX gzip'd $(kb "$4") KB (plain $(kb "$5") KB)  goal <= 16 KB  $v"
[ "$v" = MET ] || status=1

# Three rounds, ours and the anchor in turn on fresh files (the disk's fsync
# is most of either, and this host is shared); the medians are compared.
: > "$TMP/ours" && : > "$TMP/anchor"
for round in 1 2 3; do
	rm -f "$TMP"/save.db* "$TMP"/cli.db*
	set -- $("$CB" save "$TMP/save.db" 300) || exit 1
	echo "$1" >> "$TMP/ours"
	"$CB" save "$TMP/cli.db" 0 > /dev/null 2>&1   # the schema, no row
	head -n 1 "$TMP/save.db.sql" > "$TMP/none.sql"
	python3 bench/sqlite_anchor.py "$TMP/cli.db" "$TMP/none.sql" "$TMP/save.db.sql" COMMIT >> "$TMP/anchor"
done
median() { sort -n "$1" | sed -n 2p; }
ours=$(median "$TMP/ours")
anchor=$(median "$TMP/anchor")
ratio=$(awk -v a="$ours" -v b="$anchor" 'BEGIN { printf "%.2f", a / b }')
v=$(verdict "$ratio" '<=' 1.2)
echo "coverage.batch_save: ${ours} us per batch of 8 points (median of 3 rounds of 300)  anchor sqlite3 CLI ${anchor} us per BEGIN/8 INSERTs/COMMIT  ratio ${ratio}  goal <= 1.2  $v"
[ "$v" = MET ] || status=1

# ---- tracking's CPU: on duty against off duty, side by side on one feed ----
. scripts/gpsfake.sh
trap 'gpsfake_stop; rm -rf "$TMP"' EXIT
field() { sed -n "s/\(^\|.* \)$1=\([-0-9.]*\).*/\2/p"; }
if gpsfake_start tests/data/patrol.log 0.167; then
	for duty in on off; do
		"$CB" save "$TMP/duty-$duty.db" 0 > /dev/null 2>&1   # the schema
		sqlite3 "$TMP/duty-$duty.db" "INSERT INTO settings (key, value) VALUES ('on_duty', '$([ $duty = on ] && echo 1 || echo 0)')"
	done
	export TERM=screen XDG_CONFIG_HOME="$TMP/cfg"
	"$BUILD/bench/tui_probe" -c "$TRACK_BENCH_SECONDS" -- "$BUILD/fieldcheck" --db "$TMP/duty-on.db" \
		--gpsd "127.0.0.1:$GPSFAKE_PORT" --inspector bench > "$TMP/on" &
	p1=$!
	"$BUILD/bench/tui_probe" -c "$TRACK_BENCH_SECONDS" -- "$BUILD/fieldcheck" --db "$TMP/duty-off.db" \
		--gpsd "127.0.0.1:$GPSFAKE_PORT" --inspector bench > "$TMP/off"
	wait "$p1"
	gpsfake_stop
	on=$(field cpu_pct < "$TMP/on") off=$(field cpu_pct < "$TMP/off")
	points=$(sqlite3 "$TMP/duty-on.db" "SELECT count(*) FROM track_points")
	over=$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f", a - b }')
	v=$(verdict "$over" '<=' 0.05)
	echo "coverage.duty_cpu: ${on} % of a core on duty (${points} points kept in ${TRACK_BENCH_SECONDS} s)  anchor the same screen off duty ${off} %  over it ${over} %  goal <= 0.05 %  $v"
	[ "$v" = MET ] || status=1
else
	echo "coverage.duty_cpu: FAILED: gpsfake did not start"
	status=1
fi

set -- $("$CB" city "$BUILD/bench/coverage-city.db" "$BUILD/bench/coverage-zones.geojson") || exit 1
v=$(verdict "$1" '<=' 1)
echo "coverage.city_day: $1 s for 1000 zones x 300 inspectors ($4 points, $5 visits; the indexed engine alone $2 s)  anchor naive all-pairs engine $3 s  ratio $(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.3f", a / b }')  goal <= 1 s  $v"
[ "$v" = MET ] || status=1
exit $status
