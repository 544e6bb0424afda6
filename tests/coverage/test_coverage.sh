#!/bin/sh
# Patrol coverage from a real database: zones (a hole, a multipolygon), a
# holiday calendar, two inspectors' tracks (a visit, a stay too short, a
# two-hour gap, a 5 km jump in one second, points out of order, a stay in a
# park's pond) and a record saved inside a zone; the plan switches with the
# calendar; overdue zones first; and every kind of bad zones file and
# calendar refused with what and where.
. "$(dirname "$0")/../lib.sh"
need_tools "coverage suite" python3 ogrinfo

export XDG_CONFIG_HOME="$SCRATCH/config"
mkdir -p "$XDG_CONFIG_HOME/fieldcheck"
printf 'device = hh1\n' > "$XDG_CONFIG_HOME/fieldcheck/config"
DB="$SCRATCH/fc.db"
ZONES="$TOP/tests/data/zones.geojson"
TODAY=$(date +%F)
cov() { "$FIELDCHECK" --db "$DB" coverage --zones "$ZONES" --day "$TODAY" "$@"; }
# row NAME: the coverage line of zone NAME.
row() { grep -F -- "$1" "$SCRATCH/cov.out"; }
row_says() { row "$1" | grep -qE -- "$2"; }

python3 "$TOP/tests/coverage/make_tracks.py" > "$SCRATCH/tracks.ndjson"
check "two inspectors' tracks seeded" sh -c "'$TOP/$BUILD/tools/track_seed' '$DB' < '$SCRATCH/tracks.ndjson'"
check "a record saved at the school gate" sh -c "'$FIELDCHECK' --db '$DB' --inspector zhao record add \
	--forms '$TOP/forms/checklists' --form road --at 31.2305,121.4805,5 asset_id=S-1 road_class=arterial \
	condition=fair subsidence=none pothole=none > /dev/null"

cov --lang en > "$SCRATCH/cov.out" 2>&1
check "fieldcheck coverage exits 0" test $? -eq 0
check "an ordinary day without a calendar" grep -q "^Patrol coverage $TODAY (ordinary day)" "$SCRATCH/cov.out"
check "People's Square: 6 min is one visit, 3 min after a two-hour gap is none (1/2, overdue)" \
	row_says "People's Square" '^OVERDUE +1/2 .* 09:00 +wang$'
check "People's Park: the pond is a hole; 12 min in the park is one visit" \
	row_says "People's Park" '^ok +1/1 .* 09:15 +li$'
check "Nanjing Road: 3 min in its second part is a visit" row_says "Nanjing Road" '^ok +1/1 .* li$'
check "School gate: a record saved inside is a visit, by its inspector" row_says "School gate" '^ok +1/1 .* zhao$'
check "overdue first" sh -c "sed -n 4p '$SCRATCH/cov.out' | grep -q OVERDUE"
check "the 5 km jump in one second is dropped and counted (points out of order are read in time order)" \
	grep -q "reading the tracks: 1 glitches dropped" "$SCRATCH/cov.out"

printf '# holidays and events\n%s..%s 国庆节 test holiday\n2026-12-31 new year eve\n' "$TODAY" "$TODAY" \
	> "$SCRATCH/cal.txt"
cov --lang zh --calendar "$SCRATCH/cal.txt" > "$SCRATCH/cov.out" 2>&1
check "a calendar day: the holiday plan, in Chinese" grep -q "^巡查覆盖 $TODAY（国庆节 test holiday）" "$SCRATCH/cov.out"
check "人民广场 1/5, 人民公园 1/3, 南京路 1/2 all short" \
	sh -c "grep -q '未达 *1/5 *人民广场' '$SCRATCH/cov.out' && grep -q '未达 *1/3 *人民公园' '$SCRATCH/cov.out' && grep -q '未达 *1/2 *南京路' '$SCRATCH/cov.out'"
check "largest shortfall first" sh -c "sed -n 4p '$SCRATCH/cov.out' | grep -q 人民广场"

"$FIELDCHECK" --db "$DB" --lang en report --day "$TODAY" --zones "$ZONES" > "$SCRATCH/report.out" 2>&1
check "the text report gains the coverage section" \
	sh -c "grep -q '^Patrol coverage $TODAY' '$SCRATCH/report.out' && grep -q 'OVERDUE +1/2 +People' '$SCRATCH/report.out' -E"

# --- the GeoJSON export with tracks and zones, as QGIS and ogrinfo open it ---
"$FIELDCHECK" --db "$DB" export --day "$TODAY" --format geojson --tracks --zones "$ZONES" \
	-o "$SCRATCH/day.geojson" 2> /dev/null
check "export --format geojson --tracks --zones exits 0" test $? -eq 0
# features WHERE: how many features ogrinfo reads with an attribute filter.
features() { ogrinfo -ro -q -al -where "$1" "$SCRATCH/day.geojson" | grep -c '^OGRFeature'; }
check "ogrinfo opens it" sh -c "ogrinfo -ro -so -al '$SCRATCH/day.geojson' | grep -q 'Feature Count: 8'"
check "one LineString per continuous stretch: wang's two (the two-hour gap), li's one" \
	test "$(features "layer = 'track' AND inspector = 'wang'")" = 2
check "li's track is one stretch" test "$(features "layer = 'track' AND inspector = 'li'")" = 1
check "the tracks are LineStrings" sh -c "ogrinfo -ro -q -al -where \"layer = 'track'\" '$SCRATCH/day.geojson' | grep -c '^  LINESTRING' | grep -qx 3"
check "the zones carry their coverage: People's Square 1 of 2, overdue" \
	test "$(features "layer = 'zone' AND name_en = 'People''s Square' AND done = 1 AND required = 2 AND overdue = 1")" = 1
check "People's Park keeps its pond as a hole" sh -c "ogrinfo -ro -q -al -where \"name_en = 'People''s Park'\" '$SCRATCH/day.geojson' | grep -q '^  MULTIPOLYGON (((.*),(.*)))'"
check "the school gate's visit by a record: last by zhao" test "$(features "layer = 'zone' AND last_by = 'zhao'")" = 1

# --- bad input: refused, saying what and where ---
# bad NAME JSON WANT: a zones file holding JSON is refused with WANT on stderr.
bad() {
	printf '%s' "$2" > "$SCRATCH/$1.geojson"
	"$FIELDCHECK" --db "$DB" coverage --zones "$SCRATCH/$1.geojson" > /dev/null 2> "$SCRATCH/err"
	_st=$?
	exit_says "$_st" 1 "$SCRATCH/err" "$3"
}
props='"properties": {"name_zh": "甲", "name_en": "A", "kind": "park", "patrols": 1, "patrols_holiday": 2, "min_minutes": 5}'
poly() { printf '{"type": "FeatureCollection", "features": [{"type": "Feature", %s, "geometry": {"type": "Polygon", "coordinates": [%s]}}]}' "$props" "$1"; }
check "not GeoJSON: refused with line and column" bad notjson '{"type": "FeatureCollection", "features": [' "not JSON"
check "an open ring: refused" bad open "$(poly '[[121.47, 31.23], [121.48, 31.23], [121.48, 31.24], [121.47, 31.24]]')" "features[0]"
check "a self-intersecting ring: refused" bad bowtie \
	"$(poly '[[121.47, 31.23], [121.48, 31.24], [121.48, 31.23], [121.47, 31.24], [121.47, 31.23]]')" "intersects itself"
check "latitude and longitude swapped: detected and said" bad swapped \
	"$(poly '[[31.23, 121.47], [31.23, 121.48], [31.24, 121.48], [31.24, 121.47], [31.23, 121.47]]')" "look swapped"
props='"properties": {"name_zh": "甲", "kind": "park", "patrols": 1, "patrols_holiday": 2, "min_minutes": 5}'
check "a zone without its English name: refused, naming the property" bad noname \
	"$(poly '[[121.47, 31.23], [121.48, 31.23], [121.48, 31.24], [121.47, 31.23]]')" "property 'name_en' is missing"
props='"properties": {"name_zh": "甲", "name_en": "A", "kind": "park", "patrols": -1, "patrols_holiday": 2, "min_minutes": 5}'
check "a plan below zero: refused" bad plan \
	"$(poly '[[121.47, 31.23], [121.48, 31.23], [121.48, 31.24], [121.47, 31.23]]')" "'patrols' must be a whole number"
badcal() {
	printf '%b' "$1" > "$SCRATCH/badcal.txt"
	cov --calendar "$SCRATCH/badcal.txt" > /dev/null 2> "$SCRATCH/err"
	_st=$?
	exit_says "$_st" 1 "$SCRATCH/err" "$2"
}
check "a calendar with a bad date: file, line and column" \
	badcal '2026-10-01 National Day\n\n2026-02-30 no such day\n' "badcal.txt:3:1: '2026-02-30' is not a date"
check "a calendar range that ends before it starts" \
	badcal '2026-10-07..2026-10-01 backwards\n' "badcal.txt:1:13: the range ends before it starts"
check "a calendar day without a label" badcal '2026-10-01\n' "badcal.txt:1:11: a day needs its label"
