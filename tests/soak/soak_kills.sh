#!/bin/sh
# make soak: the kill tests at full size, one line each like the benchmarks':
#   soak.writer_kills  the saving writer (tests/tools/store_writer) SIGKILLed
#                      at random moments SOAK_WRITER_KILLS times (default 100)
#   soak.depot_kills   the depot SIGKILLed at random moments during a real
#                      `fieldcheck sync` drain of SOAK_RECORDS records (default
#                      3,000) and restarted on the same database and port,
#                      SOAK_SYNC_KILLS times (default 25), then the sync finishes
#   soak.client_kills  fieldcheck-sync SIGKILLed mid-drain as often, then a sync
#                      finishes the drain
# A kill counts only when its wait says SIGKILL (status 137: the process was
# live) and, for the drains, records were still queued after it.  Each line
# gives the kills and their tries, the records acknowledged (printed by the
# writer after its commit; marked sent on the handheld), found (where they
# must be), lost (acknowledged, not found) and duplicated (rows beyond one
# per UUID).  The random moments are seeded: SOAK_SEED=N replays the run that
# printed "# SOAK_SEED=N".  Exits 1 when a goal is missed.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/sync/common.sh"
. "$TOP/tests/store/writer_kills.sh"
. "$TOP/tests/soak/common.sh"
: "${SOAK_WRITER_KILLS:=100}" "${SOAK_SYNC_KILLS:=25}" "${SOAK_RECORDS:=3000}"
SEED=${SOAK_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# SOAK_SEED=$SEED"
# Bundles of at most 1 KiB (about 15 records): a drain is some 200 uploads, so
# the kills land among many of them.
DRAIN="--max-bundle 1024 --retry-for 60 --connect-timeout 1 --timeout 5"
status=0

# report NAME WHAT WANT KILLS: the line for NAME from tally's figures,
# $kills, $tries and $bad (integrity checks failed); the goal: at least
# KILLS kills, WANT records (0: any) acknowledged, none lost or duplicated,
# no check failed.
report() {
	_met=MET _want=
	[ "$3" -gt 0 ] && _want="all $3 acknowledged, "
	if [ "$lost" -ne 0 ] || [ "$dup" -ne 0 ] || [ "$kills" -lt "$4" ] || [ "$acked" -lt "$3" ] ||
		[ "$bad" -ne 0 ]; then
		_met=MISSED
		status=1
	fi
	echo "soak.$1: $kills kills in $tries tries $2: acknowledged $acked, found $found, lost $lost," \
		"duplicated $dup, checks failed $bad  goal >= $4 kills, ${_want}lost 0 dup 0, checks failed 0  $_met"
}

# ---- the saving writer ----
writer() {
	: > "$SCRATCH/printed"
	writer_kills "$SCRATCH/writer.db" "$SCRATCH/printed" "$SOAK_WRITER_KILLS" "$SEED"
	tries=$SOAK_WRITER_KILLS
	grep '^[0-9a-f-]\{36\}$' "$SCRATCH/printed" > "$SCRATCH/committed"
	"$FIELDCHECK" --db "$SCRATCH/writer.db" list | cut -f1 > "$SCRATCH/rows"
	tally "$SCRATCH/committed" "$SCRATCH/rows"
	# A check after each kill: every UUID printed so far intact, integrity_check ok.
	bad=$failures
	report writer_kills "of a saving writer" 0 "$SOAK_WRITER_KILLS"
}

# stored_since LINE: waits up to 60 s until the depot has logged a stored
# (201) or repeated (200) upload after line LINE of its log: the drain is
# moving.  It looks every 10 ms (wait_for's 50 ms is several uploads here).
stored_since() {
	_i=0
	until tail -n +$(($1 + 1)) "$DEPOT_LOG" | grep -q 'PUT .*status=20[01]'; do
		_i=$((_i + 1))
		[ "$_i" -lt 6000 ] || return 1
		sleep 0.01
	done
}
log_lines() { wc -l < "$DEPOT_LOG" | tr -d ' '; }

# A fresh depot and the handheld's records back in the queue.
fresh_drain() {
	depot_kill
	rm -f "$DEPOT_DB"* "$HH"*
	: > "$DEPOT_LOG"
	depot_init
	depot_start || { echo "soak.$1: the depot did not start"; exit 1; }
	cp "$SCRATCH/base.db" "$HH"
	URL="http://127.0.0.1:$PORT"
}

# finish_drain STATUS: unless STATUS (the last sync's) is 0, syncs until one
# exits 0, at most 5 more; counted in syncs.
finish_drain() {
	_more=0
	while [ "$1" -ne 0 ] && [ "$_more" -lt 5 ]; do
		_more=$((_more + 1))
		syncs=$((syncs + 1))
		sync_to "$URL" $DRAIN > /dev/null 2>> "$SCRATCH/sync.err"
		set -- $?
	done
}

# drain_figures: how the drain went: the syncs it took, the records still
# queued after the last counted kill (the kills' margin) and the uploads
# the depot answered as repeats (a kill between its commit and the
# handheld's mark).
drain_figures() {
	echo "syncs $syncs, queued at the last kill $left, repeats $(grep -c 'status=200 result=again' "$DEPOT_LOG")"
}

# integrity DB...: sets bad to the number of DBs whose integrity_check is not ok.
integrity() {
	bad=0
	for _db in "$@"; do
		[ "$(sqlite3 "$_db" 'PRAGMA integrity_check')" = ok ] || bad=$((bad + 1))
	done
}

# start_drain: a sync in the background, its PID in _sync.  Not sync_to: a
# function run in the background is a subshell, and its PID not the
# uploader's; `fieldcheck sync` execs fieldcheck-sync, so $! is the uploader.
start_drain() {
	"$FIELDCHECK" --db "$HH" sync --server "$URL" --device hh1 --token-file "$TOKEN" $DRAIN \
		> /dev/null 2>> "$SCRATCH/sync.err" &
	_sync=$!
}

# ---- the depot, during a drain ----
# After each (re)start, the kill waits for an upload stored by the new depot
# (so the client's backoff has started again from its shortest), then a
# random 0 to 30 ms more: kills land before, during and after uploads.
depot() {
	fresh_drain depot_kills
	start_drain
	kills=0 tries=0 syncs=1 _from=0 left=$SOAK_RECORDS
	for _d in $(random_delays $((SEED + 1)) $((SOAK_SYNC_KILLS * 4)) 0 0.03); do
		[ "$kills" -lt "$SOAK_SYNC_KILLS" ] || break
		stored_since "$_from" || break
		sleep "$_d"
		tries=$((tries + 1))
		kill -KILL "$DEPOT_PID" 2>/dev/null
		wait "$DEPOT_PID" 2>/dev/null
		_st=$?
		DEPOT_PID=
		_q=$(queued)
		[ "$_st" -eq 137 ] && [ "$_q" -gt 0 ] && kills=$((kills + 1)) left=$_q
		_from=$(log_lines)
		depot_start || { echo "soak.depot_kills: the depot did not restart"; break; }
		[ "$_q" -gt 0 ] || break
	done
	wait "$_sync"
	finish_drain $?
	tally_sync "$HH" "$DEPOT_DB"
	integrity "$DEPOT_DB" "$HH"
	report depot_kills "during a drain of $SOAK_RECORDS records ($(drain_figures))" "$SOAK_RECORDS" "$SOAK_SYNC_KILLS"
}

# ---- fieldcheck-sync, during a drain ----
# Each one is killed a random 0 to 30 ms after the depot stored an upload
# from it; the next one resumes the drain.
client() {
	fresh_drain client_kills
	kills=0 tries=0 syncs=0 left=$SOAK_RECORDS
	for _d in $(random_delays $((SEED + 2)) $((SOAK_SYNC_KILLS * 4)) 0 0.03); do
		[ "$kills" -lt "$SOAK_SYNC_KILLS" ] || break
		_from=$(log_lines)
		start_drain
		syncs=$((syncs + 1))
		stored_since "$_from"
		sleep "$_d"
		tries=$((tries + 1))
		kill -KILL "$_sync" 2>/dev/null
		wait "$_sync" 2>/dev/null
		_st=$?
		_q=$(queued)
		[ "$_st" -eq 137 ] && [ "$_q" -gt 0 ] && kills=$((kills + 1)) left=$_q
		[ "$_q" -gt 0 ] || break
	done
	finish_drain 1
	tally_sync "$HH" "$DEPOT_DB"
	integrity "$DEPOT_DB" "$HH"
	report client_kills "of fieldcheck-sync during a drain of $SOAK_RECORDS records ($(drain_figures))" \
		"$SOAK_RECORDS" "$SOAK_SYNC_KILLS"
}

writer
make_records "$SCRATCH/base.db" "$SOAK_RECORDS" || { echo "soak.kills: records not made"; exit 1; }
depot
client
exit $status
