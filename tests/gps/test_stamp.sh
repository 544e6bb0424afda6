#!/bin/sh
# A record is never stamped with a fix older than --max-age, end to end: a
# real gpsd (gpsfake) gives a fix, then the receiver falls silent (gpsfake
# stopped with SIGSTOP, gpsd still there) until the fix is stale.  On every
# change `fieldcheck gps --changes` prints what a record made then would
# carry: record=gpsd age=S, or record=none.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/scripts/gpsfake.sh"
at_exit gpsfake_stop

if [ ! -x /usr/bin/gpsfake ] || [ ! -x /usr/sbin/gpsd ]; then
	skip "stamping an ageing fix" "gpsd/gpsd-clients not installed"
	exit 0
fi
if ! gpsfake_start "$TOP/tests/data/patrol.log" 0.05; then
	not_ok "gpsfake starts with the patrol log"
	exit 1
fi
"$FIELDCHECK" gps --gpsd "127.0.0.1:$GPSFAKE_PORT" --changes --max-age 1 --timeout 60 \
	> "$SCRATCH/age.out" 2> "$SCRATCH/age.err" &
fc=$!
at_exit "kill $fc 2>/dev/null"
check "a fix, stamped while fresh" wait_for 20 grep -q '^fix	.*record=gpsd age=' "$SCRATCH/age.out"
kill -STOP "$GPSFAKE_PID"
check "the receiver silent: the fix goes stale" wait_for 15 grep -q '^stale	' "$SCRATCH/age.out"
kill -CONT "$GPSFAKE_PID"
kill "$fc" 2>/dev/null
wait "$fc" 2>/dev/null
gpsfake_stop
# stale_stamps: lines that would stamp a fix older than --max-age (1 s).
stale_stamps() {
	awk -F'\t' '$3 ~ /record=gpsd/ { split($3, a, "="); if (a[3] + 0 > 1.0) n++ } END { print n + 0 }' \
		"$SCRATCH/age.out"
}
check "no line stamps a fix older than --max-age ($(stale_stamps) did)" [ "$(stale_stamps)" -eq 0 ]
check "a stale fix gives a record no gpsd position" grep -q '^stale	.*	record=none$' "$SCRATCH/age.out"
