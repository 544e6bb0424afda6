#!/bin/sh
# A third-party checklist (tests/data/thirdparty/street_audit.csv) whose
# asset and hazard questions are named unlike ours: the asset is declared
# with fieldcheck::role, one severity with a role and one only by its graded
# choice list (low/medium/high), and beside them a "severe_storm" weather
# choice, a minor/moderate/major size and a text question named assets_*
# that mean no hazard and no asset.  The daily report, both exports and the
# inspector's "My day" must all tell the same story: record S-17 has one
# severe and one minor hazard, record S-18 none.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"
# First, so that the records below and the screen share one day (its TZ).
tmux_suite "third-party checklist"
FORMS="$TOP/tests/data/thirdparty"
DB="$SCRATCH/fc.db"
FC() { "$FIELDCHECK" --db "$DB" --forms "$FORMS" "$@"; }
DAY=$(date +%F)

FC record add --form street_audit --inspector ann --at 31.23,121.47,4 surveyor=Ann \
	assets_nearby=lamp segment_ref=S-17 weather=clear defect_type=pothole defect_level=high \
	trip_rating=r1 size=major > /dev/null
check "record add takes the third-party checklist" [ $? -eq 0 ]
FC record add --form street_audit --inspector ann --at '31.24 121.48' surveyor=Bo \
	assets_nearby=bench segment_ref=S-18 weather=severe_storm defect_type=nothing size=minor \
	> /dev/null
check "record add --at takes the grammar the screen reads (spaces)" [ $? -eq 0 ]

# ---- fieldcheck report ----
FC report --day "$DAY" > "$SCRATCH/report.txt" 2> "$SCRATCH/report.err"
check "report exits 0" [ $? -eq 0 ]
check "report: one severe and one minor hazard, nothing from weather or size" \
	grep -qF "Hazards: severe 1, moderate 0, minor 1   severe still open: 1" "$SCRATCH/report.txt"
check "report: the severe hazard is named by its question and the declared asset" \
	grep -qF "street_audit S-17: How bad is the defect" "$SCRATCH/report.txt"

# ---- exports ----
FC export --day "$DAY" --format csv -o "$SCRATCH/day.csv" 2> /dev/null
check "csv: asset and hazard counts per record" python3 - "$SCRATCH/day.csv" <<'PY'
import csv, sys
rows = {r["segment_ref"]: r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8", newline=""))}
a, b = rows["S-17"], rows["S-18"]
assert (a["asset"], a["hazards_minor"], a["hazards_moderate"], a["hazards_severe"]) == ("S-17", "1", "0", "1"), a
assert (b["asset"], b["hazards_minor"], b["hazards_moderate"], b["hazards_severe"]) == ("S-18", "0", "0", "0"), b
PY
FC export --day "$DAY" --format geojson -o "$SCRATCH/day.geojson" 2> /dev/null
check "geojson: the same counts" python3 - "$SCRATCH/day.geojson" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
props = {f["properties"]["answers"]["segment_ref"]: f["properties"] for f in doc["features"]}
assert len(props) == 2, props
flat = json.dumps(props["S-17"])
assert '"S-17"' in flat and props["S-17"]["asset"] == "S-17", props["S-17"]
assert props["S-17"]["hazards_severe"] == 1 and props["S-17"]["hazards_minor"] == 1, props["S-17"]
assert props["S-18"]["hazards_severe"] == 0 and props["S-18"]["hazards_minor"] == 0, props["S-18"]
PY

# ---- My day ----
# Lines that show, each at the start of a line: no hazard mark (!) before them.
untagged() {
	for _l in "$@"; do tmux_screen | grep -q "^$_l" || return 1; done
}
tmux_start 100 24 "$FIELDCHECK" --db "$DB" --forms "$FORMS" --gpsd none --inspector ann --lang en
tmux_wait "Street audit"
tmux_keys d
check "my day lists both records" tmux_wait "My day: 2"
check "my day: S-17 by its declared asset, a severe and a minor hazard" tmux_wait "S-17 · 2 hz SEVERE"
check "my day: S-18 has no hazard (a severe storm is weather, minor a size)" tmux_wait "S-18 · -"
# The cursor starts on the newest record, S-18; the one above is S-17.
tmux_keys Up Enter
check "the record view marks the severe answer, with its choice's label" \
	tmux_wait "!!! How bad is the defect: High"
check "and the minor one" tmux_wait "! Trip hazard rating: 1 (slight)"
tmux_keys Escape
tmux_wait "My day: 2"
tmux_keys Down Enter
tmux_wait "Bo"
check "a severe storm and a minor size are answers, not hazards" \
	wait_for 5 untagged "Weather: Severe storm" "Size: Minor"
tmux_keys Escape
tmux_wait "My day: 2"
tmux_keys Escape
tmux_wait "Street audit"
tmux_keys q
tmux_exited 5 > /dev/null
tmux_stop
