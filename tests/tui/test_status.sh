#!/bin/sh
# The status bar's GPS field in a real terminal, against a real gpsd
# (gpsfake): a 3D fix; STALE when the receiver falls silent while gpsd stays
# (gpsfake paused with SIGSTOP), and the fix again when it speaks; NO FIX
# from a receiver that reports no fix; "no gpsd" when nothing listens, at
# 80x24 and in the narrow form at 40x15 (the reason cut with "…" to fit, in
# both languages); and the too-small-terminal notice.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"
. "$TOP/scripts/gpsfake.sh"

tmux_suite "status bar suite"
at_exit gpsfake_stop
PATROL="$TOP/tests/data/patrol.log"

# epochs FIRST LAST: the patrol log's epochs FIRST..LAST (1-based; each starts
# at its GGA sentence), a log of its own for gpsfake.
epochs() { awk -v a="$1" -v b="$2" '/^\$GPGGA/ { e++ } e >= a && e <= b' "$PATROL"; }

# --- a fix, then STALE while the receiver is silent, then the fix again ---
if gpsfake_start "$PATROL" 0.05; then
	tmux_start 80 24 "$FIELDCHECK" --db "$DB" --gpsd "127.0.0.1:$GPSFAKE_PORT" --lang en --inspector i1
	check "a 3D fix from gpsfake" tmux_wait "GPS 3D" 30
	kill -STOP "$GPSFAKE_PID"
	check "the receiver silent, gpsd still there: GPS: STALE with the fix's age" \
		tmux_wait "GPS: STALE " 20
	check "and no fix is shown while it is stale" tmux_wait_gone "GPS 3D" 5
	kill -CONT "$GPSFAKE_PID"
	check "the receiver speaks again: the fix is back, without help" tmux_wait "GPS 3D" 30
	tmux_keys q
	check "the screen exits 0" test "$(tmux_exited)" = 0
	tmux_stop
	gpsfake_stop
else
	not_ok "gpsfake starts with the patrol log"
fi

# --- a receiver that reports no fix (the patrol's flyover, epochs 121-180) ---
epochs 121 180 > "$SCRATCH/nofix.log"
if gpsfake_start "$SCRATCH/nofix.log" 0.05; then
	tmux_start 80 24 "$FIELDCHECK" --db "$DB" --gpsd "127.0.0.1:$GPSFAKE_PORT" --lang en --inspector i1
	check "a receiver without a fix: GPS: NO FIX" tmux_wait "GPS: NO FIX" 30
	tmux_resize 40 15
	check "at 40x15: NO FIX in its narrow form" tmux_wait "NO FIX" 10
	check "at 40x15: the wide form is gone" tmux_wait_gone "GPS: NO FIX" 5
	tmux_keys q
	tmux_exited > /dev/null
	tmux_stop
	gpsfake_stop
else
	not_ok "gpsfake starts with the no-fix epochs"
fi

# --- nothing listens where gpsd should be ---
dead=$(free_port)
tmux_start 80 24 "$FIELDCHECK" --db "$DB" --gpsd "127.0.0.1:$dead" --lang en --inspector i1
check "no gpsd: the reason the first attempt failed, at once" \
	tmux_wait "GPS: no gpsd (connection refused)" 5
tmux_resize 40 15
check "no gpsd at 40x15: the narrow form keeps the reason" tmux_wait "no gpsd: connection refused" 10
tmux_keys 1
check "no gpsd: a checklist still opens" tmux_wait "Road id" 10

# --- a terminal smaller than the screens are laid out for (40x15), as the notice says ---
tmux_resize 20 6
check "20x6: the too-small notice" tmux_wait "Terminal too small" 10
check "20x6: no question drawn over it" tmux_wait_gone "Road id" 5
tmux_type "Jiefang"
tmux_resize 40 15
check "back at 40x15: the question again" tmux_wait "Road id" 10
check "back at 40x15: the notice is gone" tmux_wait_gone "Terminal too small" 5
tmux_resize 39 15
check "39x15, one column short: the notice" tmux_wait "Terminal too small: 40x15" 10
check "39x15: no question drawn squashed" tmux_wait_gone "Road id" 5
tmux_resize 40 14
check "40x14, one row short: the notice" tmux_wait "Terminal too small: 40x15" 10
check "40x14: no question drawn squashed" tmux_wait_gone "Road id" 5
tmux_resize 40 15
check "40x15 again: the question drawn normally" tmux_wait "Road id" 10
check "40x15 again: with its F-key bar" tmux_wait "F10" 5
check "40x15 again: the notice is gone" tmux_wait_gone "Terminal too small" 5
tmux_keys F10
tmux_wait "Checklists" 5
tmux_keys q
check "the screen exits 0 after it all" test "$(tmux_exited)" = 0
tmux_stop

# --- the reason cut to fit at 40 columns, in Chinese: a long inspector name leaves less room ---
tmux_start 40 15 "$FIELDCHECK" --db "$DB" --gpsd "127.0.0.1:$dead" --lang zh --inspector inspector9
check "no gpsd at 40x15 in Chinese: the reason, cut with …" tmux_wait "无 gpsd：connection refu…" 10
tmux_keys q
check "the Chinese screen exits 0" test "$(tmux_exited)" = 0
tmux_stop
