#!/bin/sh
# The keys a common inspection takes, counted as they are typed in tmux at
# 40x15, in Chinese and English: a road, a bridge and a light-pole
# inspection with one severe hazard (the first one asked), a 3-character
# asset ID, saved with a gpsd position from gpsfake, every other hazard
# stored as "none" by the save screen's 0 ("the rest: none found").
#
# The issue's goal: 8 keys for the road and the bridge, 9 for the light
# pole (one more question: the furniture type).  The built-in checklists
# make it so: one none/minor/moderate/severe question per hazard with the
# `quick` appearance (a digit answers and moves on), the general questions
# after the hazards.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"
. "$TOP/scripts/gpsfake.sh"

tmux_suite "key-count suite" jq
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

# inspect DIGIT ASSET ASSET-LABEL-EN ASSET-LABEL-ZH HAZARD-EN HAZARD-ZH NEXT-EN NEXT-ZH [TYPE-DIGIT]
# NEXT is the label of the question the severe answer moves on to.
inspect() {
	keys=0
	key "$1"
	tmux_wait "$(tr "$3" "$4")" || return 1
	typed "$2"
	key Enter
	if [ $# -ge 9 ]; then
		tmux_wait "$(tr "Furniture type" "设施类型")" || return 1
		key "$9"
	fi
	tmux_wait "$(tr "$5" "$6")" || return 1
	key 4
	tmux_wait "$(tr "$7" "$8")" || return 1
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
		inspect 1 R12 "Road id or location" "道路编号或位置" "Road subsidence" "路面沉陷" \
		"Subsided area" "沉陷面积"
	echo "# $lang: road inspection: $keys keys (goal 8)"
	check "$lang: road in at most 8 keys ($keys)" test "$keys" -le 8
	check "$lang: bridge inspection with one severe hazard saved" \
		inspect 2 B12 "Bridge id or name" "桥梁编号或名称" "Deck cracks" "桥面裂缝" \
		"Widest crack" "最大裂缝宽度"
	echo "# $lang: bridge inspection: $keys keys (goal 8)"
	check "$lang: bridge in at most 8 keys ($keys)" test "$keys" -le 8
	check "$lang: light-pole inspection with one severe hazard saved" \
		inspect 4 L12 "Furniture id or location" "设施编号或位置" "Tilted light pole" "灯杆倾斜" \
		"Tilt (degrees)" "倾斜角度" 4
	echo "# $lang: light-pole inspection: $keys keys (goal 9)"
	check "$lang: light pole in at most 9 keys ($keys)" test "$keys" -le 9
	check "$lang: the records have the gpsd position, the severe hazard and every other hazard checked" \
		jq_records final 'length == 3 and all(.[]; .position.source == "gpsd") and
		 any(.[]; .answers.subsidence == "severe" and .answers.pothole == "none"
		     and .answers.manhole_cover == "none" and .answers.hazard_count == "1") and
		 any(.[]; .answers.deck_crack == "severe" and .answers.signs == "none") and
		 any(.[]; .answers.furniture_type == "light_pole" and .answers.pole_tilt == "severe"
		     and .answers.light_out == "none" and (.answers | has("shelter_damage") | not))'
	tmux_keys q
	tmux_exited 5 >/dev/null
	tmux_stop
done
