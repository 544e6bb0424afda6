# The saving writer killed at random moments (sourced after ../lib.sh by
# tests/store/test_crash.sh and tests/soak/soak_kills.sh).
#
# writer_kills DB PRINTED N SEED: N times, tests/tools/store_writer saves
# records into DB, appending each UUID to PRINTED after its commit, and is
# SIGKILLed after a random 5 to 60 ms (seeded by SEED), so kills land before,
# during and after commits; after each kill every UUID printed so far must
# be stored intact with integrity_check ok.  Sets kills (waits that ended in
# SIGKILL: kills of a live writer) and failures (verifies that failed).
writer_kills() {
	_db=$1 _printed=$2
	kills=0 failures=0
	for _d in $(random_delays "$4" "$3" 0.005 0.06); do
		"$TOP/$BUILD/tools/store_writer" write "$_db" >> "$_printed" 2>> "$SCRATCH/writer.err" &
		_pid=$!
		sleep "$_d"
		kill -KILL "$_pid" 2>/dev/null
		wait "$_pid" 2>/dev/null
		# Only a wait that ends in SIGKILL (128 + 9) was a kill of a live writer.
		[ $? -eq 137 ] && kills=$((kills + 1))
		# A line cut by the kill lacks its newline; verify skips it.  Start the
		# next writer's output on a fresh line.
		[ -s "$_printed" ] && [ "$(tail -c1 "$_printed" | od -An -c | tr -d ' ')" != '\n' ] && echo >> "$_printed"
		if ! "$TOP/$BUILD/tools/store_writer" verify "$_db" "$_printed" > "$SCRATCH/verify.out" 2>&1; then
			failures=$((failures + 1))
			cat "$SCRATCH/verify.out" >&2
		fi
	done
}
