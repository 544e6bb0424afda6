#!/bin/sh
# Crash test: a writer saves records in a loop and prints each UUID after its
# commit; it is killed with SIGKILL at random moments, 100 times.  After every
# kill, each UUID it printed is stored intact and integrity_check says ok.
. "$(dirname "$0")/../lib.sh"
WRITER="$TOP/$BUILD/tools/store_writer"
DB="$SCRATCH/crash.db"
PRINTED="$SCRATCH/printed"
: > "$PRINTED"
KILLS=${CRASH_KILLS:-100}

# Random delays from 5 to 60 ms, so kills land before, during and after
# commits.  The seed is printed: CRASH_SEED=N replays a failing run's delays.
SEED=${CRASH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# CRASH_SEED=$SEED"
delays=$(python3 -c "import random; random.seed($SEED); print(' '.join('%.3f' % random.uniform(0.005, 0.06) for _ in range($KILLS)))")
failures=0
kills=0
for d in $delays; do
	"$WRITER" write "$DB" >> "$PRINTED" 2>> "$SCRATCH/writer.err" &
	pid=$!
	sleep "$d"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# Only a wait that ends in SIGKILL (128 + 9) was a kill of a live writer.
	[ $? -eq 137 ] && kills=$((kills + 1))
	# A line cut by the kill lacks its newline; verify skips it.  Start the
	# next writer's output on a fresh line.
	[ -s "$PRINTED" ] && [ "$(tail -c1 "$PRINTED" | od -An -c | tr -d ' ')" != '\n' ] && echo >> "$PRINTED"
	if ! "$WRITER" verify "$DB" "$PRINTED" > "$SCRATCH/verify.out" 2>&1; then
		failures=$((failures + 1))
		cat "$SCRATCH/verify.out" >&2
	fi
done
saved=$(grep -c '^[0-9a-f-]\{36\}$' "$PRINTED")
check "SIGKILL hit a live writer every time ($kills of $KILLS)" [ "$kills" -eq "$KILLS" ]
check "the writer saved records between kills ($saved printed)" [ "$saved" -gt "$KILLS" ]
check "after each kill every printed UUID is intact and integrity_check is ok" [ "$failures" -eq 0 ]
stored=$("$FIELDCHECK" --db "$DB" list | wc -l)
check "no record printed is missing from fieldcheck list ($stored stored >= $saved printed)" [ "$stored" -ge "$saved" ]
