#!/bin/sh
# On duty / off duty and the patrol track, in a real terminal against a real
# gpsd (gpsfake replaying a walk with a stretch under a flyover, no fix):
# off duty nothing is recorded; F6 puts the inspector on duty (status bar,
# flash); the points are thinned, within the accuracy limit, the first marked
# "duty" and the one after the flyover "no-fix"; on duty is remembered across
# a restart, whose first point says the app was "closed"; off duty is
# remembered too and records nothing; a SIGKILL keeps what was saved.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"
. "$TOP/scripts/gpsfake.sh"

tmux_suite "duty suite" jq sqlite3
at_exit gpsfake_stop
PATROL="$TOP/tests/data/patrol.log"
epochs() { awk -v a="$1" -v b="$2" '/^\$GPGGA/ { e++ } e >= a && e <= b' "$PATROL"; }
# Three walks with times of their own: gpsfake replays a log in a loop, and
# a point of a second already stored is the same point (stored once).
{ epochs 1 40; epochs 121 150; epochs 241 260; } > "$SCRATCH/walk.log"
epochs 61 119 > "$SCRATCH/walk2.log"
epochs 270 299 > "$SCRATCH/walk3.log"

track() { "$FIELDCHECK" --db "$DB" track; }
points() { track | jq -s '[.[].t | length] | add // 0'; }
# has_gap WHY: a point of the track starts a stretch for WHY.
has_gap() { track | jq -s -e --arg w "$1" '[.[].gaps[][1]] | index($w) != null' >/dev/null; }
# Every point within the accuracy limit, one starting the duty ("duty" is 1),
# and each point kept 10 s or more after the one kept before it in the same
# stretch (the walk does 1.3 m/s: 20 m take 15 s), in the order kept (the
# replay loops, so sorted by time two loops would interleave).
thinned() {
	test "$(sqlite3 "$DB" "SELECT (SELECT count(*) FROM track_points WHERE gap = 1) > 0
		AND (SELECT count(*) FROM track_points WHERE acc < 0 OR acc > 30) = 0
		AND (SELECT count(*) FROM (SELECT t - lag(t) OVER (ORDER BY id) AS dt, gap FROM track_points)
		     WHERE gap = 0 AND dt < 10) = 0")" = 1
}
more_than() { [ "$(points)" -gt "$1" ]; }
start() {
	tmux_start 80 24 "$FIELDCHECK" --db "$DB" --gpsd "127.0.0.1:$GPSFAKE_PORT" --lang en \
		--inspector wang
}

if ! gpsfake_start "$SCRATCH/walk.log" 0.05; then
	not_ok "gpsfake starts with the walk"
	exit 1
fi
start
check "a fix" tmux_wait "GPS 3D" 30
check "off duty: the status bar says nothing of duty" tmux_wait_gone "on duty" 2
check "the bottom bar offers F6 Duty" tmux_wait "F6Duty" 5
tmux_keys F6
check "F6: on duty, said once" tmux_wait "On duty: the patrol track is recorded" 5
check "and on the status bar" tmux_wait "● on duty" 5
check "points arrive, and the flyover breaks the track (no-fix)" wait_for 60 has_gap no-fix
check "thinned, within the accuracy limit, the first point on duty" thinned
tmux_keys q
check "the screen exits 0" test "$(tmux_exited)" = 0
tmux_stop
gpsfake_stop
gpsfake_start "$SCRATCH/walk2.log" 0.05 || not_ok "gpsfake starts with the second walk"

start
check "on duty is remembered across a restart" tmux_wait "● on duty" 10
check "the first point after the restart says the app was closed" wait_for 60 has_gap closed
tmux_keys F6
check "F6 again: off duty" tmux_wait "Off duty: no track is recorded" 5
check "the marker is gone" tmux_wait_gone "● on duty" 5
tmux_keys q
tmux_exited > /dev/null
tmux_stop
off=$(points)

start
check "off duty is remembered" tmux_wait "GPS 3D" 30
check "and still off duty" tmux_wait_gone "on duty" 2
tmux_keys q
tmux_exited > /dev/null
tmux_stop
check "off duty, a fix seen and the app left: not one point more" test "$(points)" = "$off"

# The battery pulled: what was saved stays, the database whole.
gpsfake_stop
gpsfake_start "$SCRATCH/walk3.log" 0.05 || not_ok "gpsfake starts with the third walk"
start
tmux_wait "GPS 3D" 30 > /dev/null
tmux_keys F6
check "on duty again, a batch saved" wait_for 60 more_than "$off"
saved=$(points)
kill -KILL "$(tmux_pid)"
check "killed: the saved points are all there" more_than $((saved - 1))
check "and the database is whole" test "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok
tmux_stop
