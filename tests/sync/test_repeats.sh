#!/bin/sh
# A record with a repeat's entries (answers keyed REPEAT[N]/KEY, docs/forms.md)
# travels as any other: saved by `record add`, bundled, uploaded to a real
# depot, and read back there byte for byte, entries included; the depot's
# database exports them as the handheld's does, and the supervisor's detail
# lists them.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

FORMS="$SCRATCH/forms"
mkdir -p "$FORMS"
cat > "$FORMS/bridge_cracks.csv" <<'CSV'
survey,,,,,,
,type,name,label,relevant,calculation,constraint
,text,bridge,Bridge,,,
,begin_repeat,cracks,Cracks,,,
,decimal,length,Length (m),,,. > 0
,select_one sev,severity,Severity,,,
,text,why,Why so long,${length} > 2,,
,end_repeat,,,,,
,calculate,total,,,sum(${length}),
choices,,,
,list_name,name,label
,sev,minor,Minor
,sev,severe,Severe
settings,,
,form_id,version
,bridge_cracks,1
CSV

depot_init && depot_start
check "depot serves /v1/health" health "$PORT"
uuid=$("$FIELDCHECK" --db "$HH" --forms "$FORMS" record add --form bridge_cracks --inspector alice \
	--at 31.23,121.47,5 bridge=南浦 'cracks[1]/length=3.5' 'cracks[1]/severity=severe' \
	'cracks[1]/why=joint "opened"' 'cracks[2]/length=0.8' 'cracks[2]/severity=minor' \
	2> "$SCRATCH/add.err")
check "record add saves a record with two entries" [ -n "$uuid" ]
sed 's/^/# /' "$SCRATCH/add.err"

sync_to "http://127.0.0.1:$PORT" > /dev/null 2> "$SCRATCH/sync.err"
check "fieldcheck sync exits 0" [ $? -eq 0 ]
answers "$HH" > "$SCRATCH/hh.answers"
answers "$DEPOT_DB" > "$SCRATCH/depot.answers"
check "the depot's answers are the handheld's, entries included" cmp -s "$SCRATCH/hh.answers" \
	"$SCRATCH/depot.answers"
check "the depot's list --json keeps the entries' keys" grep -qF \
	'"cracks[1]/why": "joint \"opened\"", "cracks[2]/length": "0.8"' "$SCRATCH/depot.answers"
check "the sum over the entries was saved" grep -qF '"total": "4.3"' "$SCRATCH/depot.answers"

day=$("$FIELDCHECK" --db "$DEPOT_DB" list --json | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["day"])')
"$FIELDCHECK" --db "$DEPOT_DB" --forms "$FORMS" export --day "$day" --format csv \
	-o "$SCRATCH/day.csv" 2> /dev/null
check "the depot exports the entries beside the day's CSV" python3 - "$SCRATCH/day-cracks.csv" "$uuid" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
assert [(r["length"], r["severity"], r["why"]) for r in rows] == \
    [("3.5", "severe", 'joint "opened"'), ("0.8", "minor", "")], rows
assert all(r["PARENT_KEY"] == sys.argv[2] for r in rows), rows
PY

# The supervisor's detail of the record lists the entries.
need_tools "the review's detail in tmux" tmux
. "$TOP/tests/tui/tmux.sh"
tmux_start 100 30 "$FIELDCHECK" --db "$DEPOT_DB" --forms "$FORMS" --lang en review \
	--day "$day" --reviewer sup-wang
tmux_wait "Review $day"
tmux_keys Enter
check "the detail names the repeat and its number of entries" tmux_wait "Cracks (2 entries)"
check "... then each entry's answers under its number" sh -c \
	"tmux -L '$TMUX_SOCK' capture-pane -p -t t | grep -A3 '#1' | grep -q 'Length (m): 3.5'"
check "... the second entry's too" sh -c \
	"tmux -L '$TMUX_SOCK' capture-pane -p -t t | grep -A3 '#2' | grep -q 'Severity: Minor'"
tmux_stop
