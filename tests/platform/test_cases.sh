#!/bin/sh
# The hand-off to the city-management platform, driven as a user would:
# records saved by `record add` through the real checklists, a unit grid and
# its names table, `export --format cases|cases-csv` read back with jq and
# Python's csv module, a city's code table over the shipped one, and the
# bad tables and grids that must be refused (docs/platform.md).
. "$(dirname "$0")/../lib.sh"

DB="$SCRATCH/hh.db"
DAY=$(date +%F)
FC() { "$FIELDCHECK" --db "$DB" --forms "$TOP/forms/checklists" "$@"; }
export XDG_CONFIG_HOME="$SCRATCH/config"

# Four cells of a 2 x 2 grid around People's Square, the code's prefix
# naming district (6 digits), street (9) and community (12).
cell() {
	printf '{"type":"Feature","properties":{"code":"%s"},"geometry":{"type":"Polygon","coordinates":[[[%s,%s],[%s,%s],[%s,%s],[%s,%s],[%s,%s]]]}}' \
		"$1" "$2" "$3" "$4" "$3" "$4" "$5" "$2" "$5" "$2" "$3"
}
{
	printf '{"type":"FeatureCollection","features":['
	cell 31010100100101 121.46 31.22 121.47 31.23; printf ','
	cell 31010100100102 121.47 31.22 121.48 31.23; printf ','
	cell 31010100100201 121.46 31.23 121.47 31.24; printf ','
	cell 31010100200101 121.47 31.23 121.48 31.24
	printf ']}\n'
} > "$SCRATCH/grid.geojson"
cat > "$SCRATCH/names.csv" <<'CSV'
level,code,name
district,310101,黄浦区
street,310101001,南京东路街道
street,310101002,外滩街道
community,310101001001,贵州路居委会
community,310101001002,福州路居委会
CSV

FC record add --form road --inspector wang --at 31.225,121.465,4 asset_id=南京东路-1 \
	subsidence=severe subsidence_area_m2=2.5 \
	manhole_cover=moderate manhole_cover_owner=sewage > "$SCRATCH/r1"
FC record add --form urban_furniture --inspector li --at 31.235,121.475,4 asset_id=灯杆-7 \
	furniture_type=light_pole pole_tilt=minor tilt_deg=6 > "$SCRATCH/r2"
# on the shared edge of the two southern cells: the eastern one
FC record add --form road --inspector wang --at 31.225,121.47,4 asset_id=edge \
	markings=minor > "$SCRATCH/r3"
FC record add --form park --inspector wang --at 31.5,121.9,4 asset_id=far lighting=minor > "$SCRATCH/r4"
FC record add --form road --inspector wang asset_id=no-fix pothole=minor \
	pothole_count=3 > "$SCRATCH/r5"
FC record add --form road --inspector wang asset_id=clean > /dev/null
check "six records saved" [ "$(FC list --day "$DAY" | wc -l)" -eq 6 ]
r1=$(cat "$SCRATCH/r1") r2=$(cat "$SCRATCH/r2") r3=$(cat "$SCRATCH/r3")

FC export --day "$DAY" --format cases --grid "$SCRATCH/grid.geojson" \
	--grid-names "$SCRATCH/names.csv" --gcj02 -o "$SCRATCH/cases.jsonl" 2> "$SCRATCH/err"
check "cases export exits 0" [ $? -eq 0 ]
check "one case per hazard: 6 cases from 6 records, one of them clean" \
	[ "$(wc -l < "$SCRATCH/cases.jsonl")" -eq 6 ]
check "stderr counts the cases and the one hazard without a class (markings)" \
	sh -c "grep -q 'exported 6 cases\|6 cases of' '$SCRATCH/err' && grep -q '1 case without a platform class' '$SCRATCH/err'"
jqc() { jq -e -s "$1" "$SCRATCH/cases.jsonl" > /dev/null; }
check "road subsidence is 事件 0401 路面塌陷, major 04 突发事件" \
	jqc "map(select(.recordId == \"$r1\" and .hazard == \"subsidence\"))[0] | .eventTypeId == 2 and .eventTypeName == \"事件\" and .mainTypeId == \"04\" and .mainTypeName == \"突发事件\" and .subTypeId == \"0401\" and .subTypeName == \"路面塌陷\""
check "a manhole cover of the sewage owner is 部件 0102 污水井盖" \
	jqc "map(select(.recordId == \"$r1\" and .hazard == \"manhole_cover\"))[0] | .eventTypeId == 1 and .subTypeId == \"0102\" and .subTypeName == \"污水井盖\""
check "a tilted light pole is 部件 0117 立杆 (from furniture_type's choice)" \
	jqc "map(select(.recordId == \"$r2\"))[0] | .subTypeId == \"0117\""
check "cell, district, street and community from the grid and the names table" \
	jqc "map(select(.recordId == \"$r1\"))[0] | .cellId == \"31010100100101\" and .districtName == \"黄浦区\" and .streetName == \"南京东路街道\" and .communityName == \"贵州路居委会\""
check "the other street's cell gets that street" \
	jqc "map(select(.recordId == \"$r2\"))[0] | .cellId == \"31010100200101\" and .streetName == \"外滩街道\" and .communityName == null"
check "a point on the shared edge of two cells is in the eastern one" \
	jqc "map(select(.recordId == \"$r3\"))[0] | .cellId == \"31010100100102\""
check "stderr says how many placed records are outside every cell (1)" \
	grep -q '^fieldcheck: 1 record outside every cell of the grid$' "$SCRATCH/err"
check "a position outside every cell has no cell; no position, no coordinates" \
	jqc "(map(select(.address == \"far\"))[0] | .cellId == null and .coordinateX == 121.9) and (map(select(.address == \"no-fix\"))[0] | .cellId == null and .coordinateX == null and .gcj02X == null)"
check "the uncoded hazard still reaches the platform, its class null" \
	jqc "map(select(.hazard == \"markings\"))[0] | .subTypeId == null and .eventTypeId == null"
check "description in Chinese from the answers; severity; inspector; address" \
	jqc "map(select(.recordId == \"$r1\" and .hazard == \"subsidence\"))[0] | (.eventDesc | startswith(\"路面沉陷\") or contains(\"沉陷\")) and (.eventDesc | contains(\"严重\")) and (.eventDesc | contains(\"2.5\")) and .severity == \"severe\" and .reportPatrolId == \"wang\" and .address == \"南京东路-1\" and .caseState == \"unreviewed\""
check "WGS-84 coordinates, and GCJ-02 offset by some hundreds of metres" \
	jqc "map(select(.recordId == \"$r1\"))[0] | .coordinateX == 121.465 and .coordinateY == 31.225 and .coordinateSystem == \"WGS84\" and (.gcj02X - 121.465) > 0.003 and (.gcj02X - 121.465) < 0.006 and (.gcj02Y - 31.225) < 0 and (.gcj02Y - 31.225) > -0.003"
check "case ids are RFC 9562 UUIDs, version 8, all different" \
	jqc "map(.caseId) | (unique | length == 6) and all(test(\"^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$\"))"
FC export --day "$DAY" --format cases -o "$SCRATCH/again.jsonl" 2>/dev/null
check "the same records export the same case ids every time" \
	sh -c "jq -r .caseId '$SCRATCH/cases.jsonl' | sort > '$SCRATCH/a'; jq -r .caseId '$SCRATCH/again.jsonl' | sort > '$SCRATCH/b'; cmp -s '$SCRATCH/a' '$SCRATCH/b'"
check "without --gcj02 there are no GCJ-02 fields" \
	sh -c "! grep -q gcj02 '$SCRATCH/again.jsonl'"
# A verification task that follows a record (docs/review.md, cases) makes the case its state.
"$DEPOT" --db "$DB" forms add "$TOP/forms/checklists/road.csv" > /dev/null
"$DEPOT" --db "$DB" task add --form road --asset 南京东路-1 --inspector zhao --follows "$r1" \
	> /dev/null 2>&1
FC export --day "$DAY" --format cases -o "$SCRATCH/tasked.jsonl" 2>/dev/null
check "a record a verification task follows: its cases' caseState is the task's (open)" \
	sh -c "jq -r 'select(.recordId == \"$r1\") | .caseState' '$SCRATCH/tasked.jsonl' | sort -u | grep -qx open"
check "the other records' cases keep the review's state" \
	sh -c "jq -r 'select(.recordId == \"$r2\") | .caseState' '$SCRATCH/tasked.jsonl' | grep -qx unreviewed"

FC export --day "$DAY" --format cases-csv --grid "$SCRATCH/grid.geojson" -o "$SCRATCH/cases.csv" 2>/dev/null
check "cases-csv: RFC 4180 with the same fields and ids" python3 - "$SCRATCH/cases.csv" "$SCRATCH/cases.jsonl" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
cases = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(rows) == 6, len(rows)
assert sorted(r["caseId"] for r in rows) == sorted(c["caseId"] for c in cases)
assert "gcj02X" not in rows[0] and rows[0]["coordinateSystem"] in ("WGS84", "")
byid = {c["caseId"]: c for c in cases}
for r in rows:
    c = byid[r["caseId"]]
    assert r["subTypeId"] == (c["subTypeId"] or ""), r
    assert r["eventDesc"] == c["eventDesc"]
PY

# ---- A city's code table over the shipped one ----
cat > "$SCRATCH/city.csv" <<'CSV'
kind,major,major_name,minor,minor_name,source
事件,04,突发事件,01,道路塌陷（本市）,city list 2026
事件,03,施工管理,99,标线缺损,city extension
CSV
FC export --day "$DAY" --format cases --codes "$SCRATCH/city.csv" -o "$SCRATCH/city.jsonl" 2>/dev/null
renamed() { jq -e -s 'map(select(.hazard == "subsidence"))[0].subTypeName == "道路塌陷（本市）"' "$1" > /dev/null; }
check "a city's row renames a shipped code" renamed "$SCRATCH/city.jsonl"
echo "codes = $SCRATCH/city.csv" > "$SCRATCH/cfg"
mkdir -p "$SCRATCH/config/fieldcheck" && mv "$SCRATCH/cfg" "$SCRATCH/config/fieldcheck/config"
FC export --day "$DAY" --format cases -o "$SCRATCH/cfg.jsonl" 2>/dev/null
check "the configuration's codes key names the city's table" renamed "$SCRATCH/cfg.jsonl"
rm -f "$SCRATCH/config/fieldcheck/config"

printf 'kind,major,major_name,minor,minor_name,source\n事件,04,突发事件,01,a,x\n事件,04,突发事件,01,b,y\n部件,1,公用设施,01,c,z\n组件,01,公用设施,02,d,z\n' > "$SCRATCH/bad.csv"
FC export --day "$DAY" --format cases --codes "$SCRATCH/bad.csv" -o "$SCRATCH/x" 2> "$SCRATCH/err"
check "a bad code table: exit 1 and nothing written" sh -c "[ $? -eq 1 ] && [ ! -e '$SCRATCH/x' ]"
check "a code given twice: FILE:LINE:COL naming the first line" \
	grep -q "bad.csv:3:12: error: 事件 0401 appears twice (first on line 2)" "$SCRATCH/err"
check "a major code of one digit: FILE:LINE:COL" grep -q "bad.csv:4:[0-9]*: error: major '1' is not two digits" "$SCRATCH/err"
check "a kind that is not 部件 or 事件" grep -q "bad.csv:5:1: error: kind '组件' is not 部件 or 事件" "$SCRATCH/err"

# ---- forms check against the table ----
sed 's/事件:0401/事件:0499/' "$TOP/forms/checklists/road.csv" > "$SCRATCH/road.csv"
FC forms check "$SCRATCH/road.csv" > "$SCRATCH/out" 2> "$SCRATCH/err"
check "forms check: a code not in the table is an error (exit 1)" \
	sh -c "[ $? -eq 1 ] && grep -q \"road.csv: error: question 'subsidence': fieldcheck::code 事件:0499 is not in the code table\" '$SCRATCH/err'"
check "forms check: a hazard without a code is a warning" \
	grep -q "road.csv: warning: hazard 'markings' has no fieldcheck::code" "$SCRATCH/err"
FC forms check --codes "$SCRATCH/city.csv" "$SCRATCH/road.csv" > /dev/null 2>&1
check "forms check --codes: the city's table is consulted too (0499 still unknown)" [ $? -eq 1 ]
{ cat "$SCRATCH/city.csv"; printf '事件,04,突发事件,99,测试,test\n'; } > "$SCRATCH/city99.csv"
FC forms check --codes="$SCRATCH/city99.csv" "$SCRATCH/road.csv" > /dev/null 2>&1
check "forms check --codes=FILE: a code in the city's table is known" [ $? -eq 0 ]
FC forms check "$SCRATCH/road.csv" --codes "$SCRATCH/city99.csv" > /dev/null 2>&1
check "forms check FILE --codes FILE: the option after the file is read too" [ $? -eq 0 ]
sed 's/事件:0401/事件:401/' "$TOP/forms/checklists/road.csv" > "$SCRATCH/road2.csv"
FC forms check "$SCRATCH/road2.csv" > /dev/null 2> "$SCRATCH/err"
check "forms check: a malformed code is a load error at its cell" \
	grep -q "road2.csv:[0-9]*:[0-9]*: error: fieldcheck::code of 'subsidence': '事件:401' is not KIND:MMNN" "$SCRATCH/err"

# ---- bad grids ----
{
	printf '{"type":"FeatureCollection","features":['
	cell 31010100100101 121.46 31.22 121.47 31.23; printf ','
	cell 31010100100102 121.465 31.22 121.48 31.23
	printf ']}\n'
} > "$SCRATCH/overlap.geojson"
FC export --day "$DAY" --format cases --grid "$SCRATCH/overlap.geojson" -o "$SCRATCH/x" 2> "$SCRATCH/err"
check "a grid with overlapping cells is refused, naming them" \
	sh -c "[ $? -eq 1 ] && grep -q 'overlap.geojson: features\[0\] and features\[1\] overlap' '$SCRATCH/err'"
sed 's/121.46,31.22\]\]\]/121.46,31.2201]]]/' "$SCRATCH/grid.geojson" > "$SCRATCH/open.geojson"
FC export --day "$DAY" --format cases --grid "$SCRATCH/open.geojson" -o "$SCRATCH/x" 2> "$SCRATCH/err"
check "a grid with an open ring is refused" grep -q "features\[0\]: polygon 0, ring 0 is open" "$SCRATCH/err"
sed 's/"code":"31010100100102"/"code":"31010100100101"/' "$SCRATCH/grid.geojson" > "$SCRATCH/dup.geojson"
FC export --day "$DAY" --format cases --grid "$SCRATCH/dup.geojson" -o "$SCRATCH/x" 2> "$SCRATCH/err"
check "two cells with one code are refused" grep -q "have the same cell code 31010100100101" "$SCRATCH/err"
printf 'level,code,name\ndistrict,310101,黄浦区\ncounty,310102,x\n' > "$SCRATCH/badnames.csv"
FC export --day "$DAY" --format cases --grid "$SCRATCH/grid.geojson" --grid-names "$SCRATCH/badnames.csv" \
	-o "$SCRATCH/x" 2> "$SCRATCH/err"
check "a names table with an unknown level: FILE:LINE:COL" \
	grep -q "badnames.csv:3:1: error: level 'county' is not district, street or community" "$SCRATCH/err"
FC export --day "$DAY" --format cases --grid-names "$SCRATCH/names.csv" -o "$SCRATCH/x" 2> "$SCRATCH/err"
check "a names table without a grid is an error, not ignored" grep -q "needs a grid file" "$SCRATCH/err"
