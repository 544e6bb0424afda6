#!/bin/sh
# fieldcheck export / report / supervisor against real databases, checked by
# tools no one here wrote: GDAL's ogrinfo, Python's csv and json modules,
# and the sqlite3 CLI.  Records are answered by the form engine through the
# real checklists (build/bench/review_seed), three inspectors on two devices.
. "$(dirname "$0")/../lib.sh"

SEED="$TOP/$BUILD/bench/review_seed"
DAY=2026-11-24
DB="$SCRATCH/hh.db"
FC() { "$FIELDCHECK" --db "$DB" --forms "$TOP/forms/checklists" "$@"; }

if [ ! -x "$SEED" ] || [ ! -x "$FIELDCHECK" ]; then
	not_ok "build first: $SEED and $FIELDCHECK are needed"
	exit 1
fi
"$SEED" --db "$DB" --forms "$TOP/forms/checklists" --day $DAY --count 60 \
	--inspectors alice,bob,陈 --devices hh-1,hh-2 >"$SCRATCH/seed.log" 2>&1
check "60 records seeded by the form engine" [ "$(FC list --day $DAY | wc -l)" -eq 60 ]
FC list --day $DAY --json > "$SCRATCH/list.ndjson"
nopos=$(FC list --day $DAY | awk -F'\t' '$9 == "none"' | wc -l)

# ---- GeoJSON ----
FC export --day $DAY --format geojson -o "$SCRATCH/day.geojson" 2>"$SCRATCH/geo.err"
check "geojson export exits 0" [ $? -eq 0 ]
check "records without a position are counted on stderr ($nopos)" \
	grep -q "^fieldcheck: $nopos records without a position left out" "$SCRATCH/geo.err"
if have_tool ogrinfo "ogrinfo opens the GeoJSON"; then
	ogrinfo -ro -so -al "$SCRATCH/day.geojson" > "$SCRATCH/ogr.txt" 2>&1
	check "ogrinfo opens the GeoJSON with every placed record" \
		grep -q "Feature Count: $((60 - nopos))\$" "$SCRATCH/ogr.txt"
	check "ogrinfo sees points in WGS 84" grep -q "Geometry: Point" "$SCRATCH/ogr.txt"
	check "ogrinfo's extent is lon first (121..., 31...)" \
		grep -q "Extent: (121\.[0-9]*, 31\.[0-9]*)" "$SCRATCH/ogr.txt"
fi
check "python json: FeatureCollection, [lon, lat], ids and answers as stored" python3 - "$SCRATCH/day.geojson" "$SCRATCH/list.ndjson" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
recs = {r["uuid"]: r for r in map(json.loads, open(sys.argv[2], encoding="utf-8"))}
assert doc["type"] == "FeatureCollection"
for f in doc["features"]:
    assert f["type"] == "Feature" and f["geometry"]["type"] == "Point"
    lon, lat = f["geometry"]["coordinates"]
    r = recs[f["properties"]["id"]]
    assert abs(lon - r["position"]["lon"]) < 1e-6 and abs(lat - r["position"]["lat"]) < 1e-6, (lon, lat)
    assert f["properties"]["answers"] == r["answers"], f["properties"]["id"]
    assert f["properties"]["inspector"] == r["inspector"]
PY

# ---- CSV ----
FC export --day $DAY --format csv -o "$SCRATCH/day.csv" 2>/dev/null
check "csv export exits 0" [ $? -eq 0 ]
check "python csv reads back every record with every answer (CJK, quotes, newlines) intact" \
	python3 - "$SCRATCH/day.csv" "$SCRATCH/list.ndjson" <<'PY'
import csv, json, sys
recs = {r["uuid"]: r for r in map(json.loads, open(sys.argv[2], encoding="utf-8"))}
with open(sys.argv[1], encoding="utf-8", newline="") as f:
    rows = list(csv.DictReader(f, strict=True))
assert len(rows) == len(recs) == 60, len(rows)
cjk = multi = 0
for row in rows:
    r = recs[row["id"]]
    assert row["inspector"] == r["inspector"]
    for name, value in r["answers"].items():
        assert row[name] == value, (name, row[name], value)
        cjk += any(ord(c) > 0x3000 for c in value)
        multi += " " in value
    if r["position"]["source"] == "none":
        assert row["lat"] == "" and row["position_source"] == "none" and row["position_reason"]
    assert row["review_state"] == "unreviewed"
assert cjk > 0 and multi > 0, (cjk, multi)
PY
check "csv lines end in CRLF (RFC 4180)" sh -c "head -1 '$SCRATCH/day.csv' | od -c | grep -q '\\\\r  \\\\n'"
FC export --day $DAY --format csv --form bridge 2>/dev/null > "$SCRATCH/bridge.csv"
check "--form keeps one asset type" python3 -c "
import csv,sys
rows=list(csv.DictReader(open('$SCRATCH/bridge.csv',encoding='utf-8',newline='')))
assert rows and all(r['form_id']=='bridge' for r in rows)"

# ---- Edge cases ----
FC export --day 2020-01-01 --format geojson -o "$SCRATCH/empty.geojson" 2>/dev/null
if have_tool ogrinfo "an empty day is a valid, empty FeatureCollection for ogrinfo"; then
	check "an empty day is a valid, empty FeatureCollection for ogrinfo" sh -c \
		"ogrinfo -ro -so -al '$SCRATCH/empty.geojson' 2>&1 | grep -q 'Feature Count: 0'"
fi
check "an empty day is a CSV header only" sh -c \
	"[ \"\$('$FIELDCHECK' --db '$DB' export --day 2020-01-01 --format csv 2>/dev/null | wc -l)\" -eq 1 ]"
FC export --day $DAY --format xml >/dev/null 2>"$SCRATCH/err"
check "an unknown format is a usage error naming it" sh -c "[ $? -ne 0 ] && grep -q \"'xml' is not csv, geojson, cases or cases-csv\" '$SCRATCH/err'"
FC export --day 2026-13-45 --format csv >/dev/null 2>"$SCRATCH/err"
check "a bad day is refused" grep -q "is not a date" "$SCRATCH/err"
"$FIELDCHECK" --db "$SCRATCH/none.db" export --day $DAY --format csv >/dev/null 2>"$SCRATCH/err"
check "a missing database is an error and is not created" sh -c "[ ! -e '$SCRATCH/none.db' ] && grep -q fieldcheck: '$SCRATCH/err'"
FC export --day $DAY --format csv -o "$SCRATCH/no/such/dir/x.csv" 2>"$SCRATCH/err"
check "an unwritable output is an error, no partial file" sh -c "[ $? -ne 0 ] && ! ls '$SCRATCH/no' 2>/dev/null && grep -q 'cannot create' '$SCRATCH/err'"

# A form with 60 questions whose labels hold commas, quotes and newlines.
mkdir -p "$SCRATCH/wide"
python3 - "$SCRATCH/wide/wide.csv" <<'PY'
import csv, sys
with open(sys.argv[1], "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow(["survey"])
    w.writerow(["", "type", "name", "label::English (en)", "label::中文 (zh)", "relevant"])
    w.writerow(["", "text", "asset_id", "Asset, \"id\"\nsecond line", "资产", ""])
    w.writerow(["", "select_one yn", "leak", "Leak, \"big\"\nor small", "漏水", ""])
    w.writerow(["", "select_one sev", "leak_severity", "Severity", "严重程度", "${leak} = 'yes'"])
    for i in range(57):
        w.writerow(["", "text", "q%02d" % i, "Question %d, \"quoted\"\nline two" % i, "问题 %d" % i, ""])
    w.writerow(["choices"])
    w.writerow(["", "list_name", "name", "label::English (en)", "label::中文 (zh)"])
    for n in ("yes", "no"): w.writerow(["", "yn", n, n.title(), n])
    for n in ("minor", "moderate", "severe"): w.writerow(["", "sev", n, n.title(), n])
    w.writerow(["settings"])
    w.writerow(["", "form_id", "version", "title"])
    w.writerow(["", "wide", "1", "Wide, \"test\""])
PY
WDB="$SCRATCH/wide.db"
"$SEED" --db "$WDB" --forms "$SCRATCH/wide" --day $DAY --count 12 --seed 7 >/dev/null 2>&1
"$FIELDCHECK" --db "$WDB" --forms "$SCRATCH/wide" export --day $DAY --format csv -o "$SCRATCH/wide.out.csv" 2>/dev/null
check "a 60-question form: one column per question, every value read back" python3 - "$SCRATCH/wide.out.csv" <<'PY'
import csv, sys
with open(sys.argv[1], encoding="utf-8", newline="") as f:
    rows = list(csv.reader(f, strict=True))
head = rows[0]
assert head[21:25] == ["case_state", "report_to_close_h", "photos", "photos_sha256"], head[21:25]
assert head[25:] == ["asset_id", "leak", "leak_severity"] + ["q%02d" % i for i in range(57)], head[25:]
assert len(rows) == 13 and all(len(r) == len(head) for r in rows)
assert all(r[head.index("q00")].startswith('裂缝, "很大"\n第二行') for r in rows[1:])
PY
"$FIELDCHECK" --db "$WDB" --forms "$SCRATCH/wide" --lang en report --day $DAY > "$SCRATCH/wide.report" 2>&1
check "the report prints a label with comma, quote and newline on one line" \
	grep -q ': Leak, "big" or small$' "$SCRATCH/wide.report"

# ---- The daily report ----
FC report --day $DAY > "$SCRATCH/report.txt" 2>&1
check "report: totals" grep -q "^Records: 60 " "$SCRATCH/report.txt"
check "report: per inspector, CJK names included" sh -c "grep -q '^  alice  *20 ' '$SCRATCH/report.txt' && grep -q '^  陈  *20 ' '$SCRATCH/report.txt'"
check "report: per asset type" grep -q "^  road " "$SCRATCH/report.txt"
check "report: severe hazards with position and review state" sh -c \
	"grep -A2 '^Severe hazards' '$SCRATCH/report.txt' | grep -q 'review: unreviewed' || grep -A3 '^Severe hazards' '$SCRATCH/report.txt' | grep -q 'review: unreviewed'"
check "report: every line fits 80 columns (CJK counted as two)" python3 -c "
import sys, unicodedata
for line in open('$SCRATCH/report.txt', encoding='utf-8'):
    w = sum(2 if unicodedata.east_asian_width(c) in 'WF' else 1 for c in line.rstrip('\\n'))
    assert w <= 80, (w, line)"

# ---- A record saved against version 1 of a checklist reads as it did ----
# A handheld that still had version 1 (a yes/no question, then
# NAME_severity) saved one; the depot has versions 1 and 2 side by side.
mkdir "$SCRATCH/v1"
cp "$TOP/forms/checklists/road-1.csv" "$SCRATCH/v1/"
ODB="$SCRATCH/old.db"
OFC() { "$FIELDCHECK" --db "$ODB" --forms "$TOP/forms/checklists" --lang en "$@"; }
"$FIELDCHECK" --db "$ODB" --forms "$SCRATCH/v1" record add --form road --inspector wang --at 31.23,121.47 \
	asset_id=R-old subsidence=yes subsidence_severity=severe pothole=no > /dev/null
OFC record add --form road --inspector wang --at 31.23,121.47 asset_id=R-new pothole=moderate \
	subsidence=none > /dev/null
ODAY=$(OFC list | head -n 1 | cut -f4)
check "versions: list names each record's version" [ "$(OFC list | cut -f6 | tr '\n' ' ')" = "1 2 " ]
OFC report --day "$ODAY" > "$SCRATCH/old.report" 2>&1
check "versions: the report counts both records' hazards" \
	grep -q "^Hazards: severe 1, moderate 1, minor 0" "$SCRATCH/old.report"
check "versions: the version-1 hazard is named after its yes/no question" \
	grep -q "R-old: Road subsidence$" "$SCRATCH/old.report"
OFC export --day "$ODAY" --format csv -o "$SCRATCH/old.csv" 2>/dev/null
check "versions: the CSV keeps each record's answers under its own questions" \
	python3 - "$SCRATCH/old.csv" <<'PY'
import csv, sys
rows = {r["asset_id"]: r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8", newline=""))}
old, new = rows["R-old"], rows["R-new"]
assert (old["form_version"], old["subsidence"], old["subsidence_severity"], old["pothole"]) == \
    ("1", "yes", "severe", "no"), old
assert (new["form_version"], new["subsidence"], new["pothole"]) == ("2", "none", "moderate"), new
PY

# ---- Supervisor PIN ----
printf '2468\n1357\n' | FC supervisor set-pin 2>"$SCRATCH/err"
check "set-pin refuses two different PINs" sh -c "[ $? -eq 1 ] && grep -q differ '$SCRATCH/err'"
printf '12\n12\n' | FC supervisor set-pin 2>"$SCRATCH/err"
check "set-pin refuses a short PIN" grep -q "too short" "$SCRATCH/err"
printf '2468\n2468\n' | FC supervisor set-pin 2>/dev/null
check "set-pin stores a PIN read twice from stdin" [ $? -eq 0 ]
hash=$(sqlite3 "$DB" "SELECT value FROM settings WHERE key = 'supervisor_pin'")
check "only an Argon2id hash is stored, never the PIN" sh -c \
	"case '$hash' in '\$argon2id\$'*) ! echo '$hash' | grep -q 2468;; *) false;; esac"
check "check-pin accepts the PIN" sh -c "printf '2468\n' | '$FIELDCHECK' --db '$DB' supervisor check-pin 2>/dev/null"
check "check-pin refuses another" sh -c "! printf '2469\n' | '$FIELDCHECK' --db '$DB' supervisor check-pin 2>/dev/null"
