#!/bin/sh
# "Due here" on home, in a real terminal against gpsfake: with the
# configuration's zones, home lists the zones short of today's plan, nearest
# first, with the distance and direction from the fix ("here" inside one),
# in both languages; without zones configured nothing of it shows.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"
. "$TOP/scripts/gpsfake.sh"

tmux_suite "due-here suite"
at_exit gpsfake_stop
PATROL="$TOP/tests/data/patrol.log"
# The walk's first minute, inside People's Square of tests/data/zones.geojson.
awk '/^\$GPGGA/ { e++ } e >= 1 && e <= 60' "$PATROL" > "$SCRATCH/square.log"

if ! gpsfake_start "$SCRATCH/square.log" 0.05; then
	not_ok "gpsfake starts"
	exit 1
fi
start() {
	tmux_start 80 24 "$FIELDCHECK" --db "$DB" --gpsd "127.0.0.1:$GPSFAKE_PORT" --lang en \
		--inspector wang
}
start
tmux_wait "GPS 3D" 30 > /dev/null
check "no zones configured: no Due here" tmux_wait_gone "Due here" 2
tmux_keys q
tmux_exited > /dev/null
tmux_stop

mkdir -p "$XDG_CONFIG_HOME/fieldcheck"
printf 'zones = %s\n' "$TOP/tests/data/zones.geojson" > "$XDG_CONFIG_HOME/fieldcheck/config"
start
check "Due here: four zones short of plan" tmux_wait "Due here (4)" 30
check "nearest first: the square the inspector stands in, here" tmux_wait "  People's Square 0/2 · here" 10
row_of() { tmux_row "$1"; }
nearest_first() { [ "$(row_of "People's Square 0/2")" -lt "$(row_of "School gate 0/1")" ]; }
check "the square's line comes before the school gate's" nearest_first
# The gate is 0.0063 degrees of longitude east of the walk's start: about 600 m.
gate() {
	_m=$(tmux_screen | sed -n 's/.*School gate 0\/1 · \([0-9]*\) m E *$/\1/p')
	[ -n "$_m" ] && [ "$_m" -gt 450 ] && [ "$_m" -lt 750 ]
}
check "the school gate: its distance and direction" gate
tmux_keys F2
check "in Chinese" tmux_wait "待巡查 (4)" 10
check "人民广场: 就在此处" tmux_wait "人民广场 0/2 · 就在此处" 10
tmux_keys q
check "the screen exits 0" test "$(tmux_exited)" = 0
tmux_stop
