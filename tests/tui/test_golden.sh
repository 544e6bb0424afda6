#!/bin/sh
# Golden screens: home, help, my day, a record, the supervisor's review
# table, its detail and map, a question and the save screen, each at 40x15
# and 80x24, in Chinese and English, compared whole with
# tests/tui/golden/SCREEN-LANG-COLSxROWS.txt.
#
# Everything that would move between runs is pinned: the clock (libfaketime,
# frozen at fixed times; the monotonic clock stays real so the screen's
# timers run), the GPS (--gpsd none: "GPS off"), the terminal (TERM=screen,
# LANG=C.UTF-8, TZ from lib.sh).  Record UUIDs are random by design: their
# hex digits are written as x before comparing.
#
# To regenerate after an intended change, then review with git diff:
#   UPDATE_GOLDEN=1 BUILD=build sh tests/tui/test_golden.sh
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"

tmux_suite "golden suite" faketime python3

GOLDEN="$TOP/tests/tui/golden"
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
if [ -z "$FAKETIME_LIB" ]; then
	not_ok "libfaketime.so.1 not found (Debian package faketime)"
	exit 1
fi
DAY="2026-11-24"
FORMS="$TOP/forms/checklists"

# at TIME COMMAND...: COMMAND with the clock frozen at DAY TIME (local).
at() {
	_t=$1
	shift
	env FAKETIME="$DAY $_t" FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD="$FAKETIME_LIB" "$@"
}

# The day's records: two inspectors, a severe and a minor hazard, a manual position.
DB="$SCRATCH/golden.db"
at 08:05:00 "$FIELDCHECK" --db "$DB" --forms "$FORMS" record add --form road --inspector insp7 \
	--at 31.23041,121.47370,4 asset_id=R-12 road_class=arterial condition=poor \
	pothole=severe pothole_count=3 >/dev/null
at 09:40:00 "$FIELDCHECK" --db "$DB" --forms "$FORMS" record add --form bridge --inspector insp7 \
	--at 31.23110,121.47520,3 asset_id=B-2 load_limit_t=20 condition=fair \
	railing=minor >/dev/null
at 10:15:00 "$FIELDCHECK" --db "$DB" --forms "$FORMS" record add --form road --inspector chen \
	--at 31.22950,121.47200,6 asset_id=R-7 road_class=branch condition=good >/dev/null

# The pane with UUIDs' hex digits as x.
screen_now() {
	tmux_screen | python3 -c '
import re, sys
for line in sys.stdin.read().split("\n"):
    print(re.sub(r"[0-9a-f]{8}-[0-9a-f-]{1,28}", lambda m: re.sub("[0-9a-f]", "x", m.group()), line))' \
		| sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# settle: waits until the pane differs from $SCRATCH/prev and then holds still
# for three looks in a row (the app draws a frame at once, never in pieces
# over time; this only waits for tmux to have it all).
_same3() {
	screen_now > "$SCRATCH/s1"
	cmp -s "$SCRATCH/s1" "$SCRATCH/prev" && return 1
	sleep 0.1
	screen_now > "$SCRATCH/s2"
	cmp -s "$SCRATCH/s1" "$SCRATCH/s2" || return 1
	sleep 0.1
	screen_now > "$SCRATCH/s3"
	cmp -s "$SCRATCH/s1" "$SCRATCH/s3"
}
settle() { wait_for 10 _same3; }

# golden NAME MARKER: waits for MARKER and a still screen, then compares it
# with (or, with UPDATE_GOLDEN=1, writes) its golden file.
golden() {
	_file="$GOLDEN/$1-$lang-${size}.txt"
	tmux_wait "$2" 10 >/dev/null || true
	settle
	screen_now > "$SCRATCH/now"
	cp "$SCRATCH/now" "$SCRATCH/prev"
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		mkdir -p "$GOLDEN"
		cp "$SCRATCH/now" "$_file"
		ok "$1 $lang $size (written)"
		return
	fi
	if cmp -s "$SCRATCH/now" "$_file"; then
		ok "$1 $lang $size is the golden screen"
	else
		not_ok "$1 $lang $size is the golden screen ($_file)"
		diff -u "$_file" "$SCRATCH/now" 2>&1 | sed 's/^/#   /'
	fi
}

# tr EN ZH: the marker in the current language.
tr() { if [ "$lang" = zh ]; then echo "$2"; else echo "$1"; fi; }

for lang in en zh; do
	for size in 40x15 80x24; do
		cols=${size%x*}
		rows=${size#*x}
		cp "$DB" "$SCRATCH/run.db"
		: > "$SCRATCH/prev"
		tmux_start "$cols" "$rows" env FAKETIME="$DAY 11:00:00" FAKETIME_DONT_FAKE_MONOTONIC=1 \
			LD_PRELOAD="$FAKETIME_LIB" "$FIELDCHECK" --db "$SCRATCH/run.db" --forms "$FORMS" \
			--gpsd none --inspector insp7 --lang "$lang"
		golden home "$(tr Checklists 检查表)"
		tmux_keys F1
		golden help "$(tr "Keys (Esc: back)" "按键（Esc 返回）")"
		tmux_keys Escape
		tmux_wait "$(tr Checklists 检查表)" >/dev/null
		settle
		screen_now > "$SCRATCH/prev"
		tmux_keys F3
		golden my-day "$(tr "My day: 2" "我的今天: 2")"
		tmux_keys Home Enter
		golden record "R-12"
		tmux_keys Escape Escape
		tmux_wait "$(tr Checklists 检查表)" >/dev/null
		settle
		screen_now > "$SCRATCH/prev"
		tmux_keys End Enter
		golden review-table "$(tr Inspectors: 检查员:)"
		tmux_keys Enter
		golden review-detail "R-12"
		tmux_keys Escape
		tmux_wait "$(tr Inspectors: 检查员:)" >/dev/null
		settle
		screen_now > "$SCRATCH/prev"
		tmux_keys m
		golden map "$DAY"
		tmux_keys m Escape
		tmux_wait "$(tr Checklists 检查表)" >/dev/null
		settle
		screen_now > "$SCRATCH/prev"
		tmux_keys 2
		tmux_wait "$(tr "Bridge id or name" "桥梁编号或名称")" >/dev/null
		tmux_type "B-9"
		tmux_keys Enter
		golden form "$(tr "Deck cracks" "桥面裂缝")"
		tmux_keys 4 F4
		golden save "$(tr "No usable position" "没有可用的位置")"
		tmux_keys F10 F10
		tmux_wait "$(tr Checklists 检查表)" >/dev/null
		tmux_keys F10
		tmux_exited 5 >/dev/null
		tmux_stop
	done
done
