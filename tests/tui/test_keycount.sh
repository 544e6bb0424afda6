#!/bin/sh
# The keys a common inspection takes, counted as they are typed in tmux at
# 40x15, in Chinese and English: a road and a bridge inspection with one
# severe hazard (the first one), a 3-character asset ID, saved with a gpsd
# position from gpsfake, every other hazard stored as "no" by the save
# screen's 0 ("the rest: none found").
#
# The issue's goal is 8 keys; the built-in checklists as shipped (a yes/no
# question then a severity question per hazard, the general questions
# first) take 12.  KEYS_MAX holds the line so that it never gets worse;
# reshaping the checklists (one none/minor/moderate/severe question per
# hazard, `quick` appearance, general questions after the hazards) is what
# brings it to 8.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"
. "$TOP/scripts/gpsfake.sh"

tmux_suite "key-count suite" jq
KEYS_MAX=12
FORMS="$TOP/forms/checklists"

if ! gpsfake_start "$TOP/tests/data/patrol.log"; then
	skip "key counts" "gpsfake could not start"
	exit 0
fi
at_exit gpsfake_stop

keys=0
key() { keys=$((keys + 1)); tmux_keys "$1"; }
# typed TEXT: TEXT's characters, each one key.
typed() { keys=$((keys + ${#1})); tmux_type "$1"; }
tr() { if [ "$lang" = zh ]; then echo "$2"; else echo "$1"; fi; }

# inspect DIGIT ASSET FIRST-LABEL-EN FIRST-LABEL-ZH N-GENERAL HAZARD-EN HAZARD-ZH
inspect() {
	keys=0
	key "$1"
	tmux_wait "$(tr "$3" "$4")" || return 1
	typed "$2"
	key Enter
	# The general questions are optional: Enter passes each.
	_i=0
	while [ "$_i" -lt "$5" ]; do key Enter; _i=$((_i + 1)); done
	tmux_wait "$(tr "$6" "$7")" || return 1
	key 1
	key Enter
	tmux_wait "$(tr "severity" "严重程度")" || return 1
	key 3
	key F4
	tmux_wait "$(tr "0: the rest none found" "0 其余未发现并保存")" || return 1
	key 0
	tmux_wait "$(tr "Saved" "已保存")" 20
}

for lang in en zh; do
	DB="$SCRATCH/keys-$lang.db"
	tmux_start 40 15 "$FIELDCHECK" --db "$DB" --forms "$FORMS" \
		--gpsd "127.0.0.1:$GPSFAKE_PORT" --lang "$lang" --inspector i1
	tmux_wait "3D" 30 >/dev/null
	check "$lang: road inspection with one severe hazard saved" \
		inspect 1 R12 "Road id or location" "道路编号或位置" 2 "Road subsidence" "路面沉陷"
	echo "# $lang: road inspection: $keys keys (goal 8)"
	check "$lang: road in at most $KEYS_MAX keys ($keys)" test "$keys" -le "$KEYS_MAX"
	check "$lang: bridge inspection with one severe hazard saved" \
		inspect 2 B12 "Bridge id or name" "桥梁编号或名称" 2 "Deck cracks" "桥面裂缝"
	echo "# $lang: bridge inspection: $keys keys (goal 8)"
	check "$lang: bridge in at most $KEYS_MAX keys ($keys)" test "$keys" -le "$KEYS_MAX"
	check "$lang: both records have the gpsd position, the severe hazard and every other hazard checked" \
		jq_records final 'length == 2 and all(.[]; .position.source == "gpsd") and
		 any(.[]; .answers.subsidence_severity == "severe" and .answers.pothole == "no"
		     and .answers.manhole_cover == "no") and
		 any(.[]; .answers.deck_crack_severity == "severe" and .answers.signs == "no")'
	tmux_keys q
	tmux_exited 5 >/dev/null
	tmux_stop
done

# ODK's quick appearance: a digit answers a select_one and moves on.  The
# same road checklist with `quick` on every select_one saves the Enter after yes.
QUICK="$SCRATCH/quick"
mkdir -p "$QUICK"
python3 - "$FORMS/road.csv" "$QUICK/road.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
col = None
for r in rows:
    if "appearance" in r:
        col = r.index("appearance")
    elif col is not None and len(r) > col and r[1].startswith("select_one"):
        r[col] = "quick"
csv.writer(open(sys.argv[2], "w", encoding="utf-8"), lineterminator="\n").writerows(rows)
PY
lang=en
DB="$SCRATCH/keys-quick.db"
tmux_start 40 15 "$FIELDCHECK" --db "$DB" --forms "$QUICK" --gpsd "127.0.0.1:$GPSFAKE_PORT" \
	--lang en --inspector i1
tmux_wait "3D" 30 >/dev/null
quick_road() {
	keys=0
	key 1
	tmux_wait "Road id or location" || return 1
	typed R12
	key Enter
	key Enter
	key Enter
	tmux_wait "Road subsidence" || return 1
	key 1
	tmux_wait "severity" || return 1
	key 3
	tmux_wait "Subsided area" || return 1   # the severity digit moved on by itself
	key F4
	tmux_wait "0: the rest none found" || return 1
	key 0
	tmux_wait "Saved" 20
}
check "quick: road inspection saved" quick_road
echo "# quick: road inspection: $keys keys"
check "quick: road in at most 11 keys ($keys)" test "$keys" -le 11
check "quick: the record has the severe hazard" jq_records final \
	'length == 1 and .[0].answers.subsidence_severity == "severe" and .[0].answers.pothole == "no"'
tmux_keys q
tmux_exited 5 >/dev/null
tmux_stop
