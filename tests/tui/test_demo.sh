#!/bin/sh
# make demo's script: the screen comes up on the built-in checklists with a
# GPS fix from gpsfake, and quitting the screen stops gpsfake and its gpsd.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"

need_tools "demo" tmux
if [ ! -x /usr/bin/gpsfake ]; then
	skip "demo" "gpsfake is not installed"
	exit 0
fi
export FIELDCHECK_DEMO_DIR="$SCRATCH/demo"
tmux_start 80 24 env BUILD="$BUILD" FIELDCHECK_LANG=en sh "$TOP/scripts/demo.sh"
check "the demo opens the built-in checklists" tmux_wait "Urban furniture inspection" 20
check "the demo has a GPS fix from the patrol walk" tmux_wait "GPS 3D" 30
# The status bar's "GPS 3D ±N m": within the built-in checklists' 30 m.
fix_fits() { tmux_screen | sed -n '1s/.*GPS 3D ±\([0-9]*\) m.*/\1/p' | awk '{ exit !($1 != "" && $1 <= 30) }'; }
check "the demo's fix is within the built-in checklists' 30 m" wait_for 5 fix_fits
# The demo prints its port before the screen opens; the pane shows it again after.
tmux_keys q
st=$(tmux_exited 10)
check "quitting the screen ends the demo (status $st)" [ "$st" = 0 ]
check "the demo database holds the schema" test -s "$SCRATCH/demo/demo.db"
# The line wraps when the demo's directory has a long path (a private TMPDIR).
port=$(tmux_screen_joined | sed -n 's/.*GPS 127\.0\.0\.1:\([0-9]*\).*/\1/p' | head -n 1)
check "the demo said which port its gpsfake used ($port)" [ -n "$port" ]
check "gpsfake and its gpsd are stopped when the demo ends" sh -c "! { ps -eo args= | grep -E '[g]psfake -P $port |[g]psd .*-S $port ' >/dev/null; }"
tmux_stop
