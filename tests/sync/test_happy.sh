#!/bin/sh
# Happy path: 1,000 records made with `fieldcheck record add` reach a real
# depot byte for byte in their answers, and the handheld ends with 0 queued.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

depot_init && depot_start
check "depot serves /v1/health" health "$PORT"

check "1000 records made with fieldcheck record add" make_records "$HH" 1000
check "1000 queued before sync" test "$(queued)" = 1000

sync_to "http://127.0.0.1:$PORT" > "$SCRATCH/sync.out" 2> "$SCRATCH/sync.err"
st=$?
check "fieldcheck sync exits 0" test "$st" -eq 0
check "plain progress lines when not a terminal" grep -q '^sent 1000/1000 records' "$SCRATCH/sync.err"
check "handheld shows 0 queued" test "$(queued)" = 0
check "depot holds exactly 1000 records" test "$(depot_count)" = 1000
answers "$HH" > "$SCRATCH/hh.answers"
answers "$DEPOT_DB" > "$SCRATCH/depot.answers"
check "depot answers identical to the handheld's, byte for byte" cmp -s "$SCRATCH/hh.answers" "$SCRATCH/depot.answers"
check "depot records are status sent" test "$("$FIELDCHECK" --db "$DEPOT_DB" list --status sent | wc -l)" -eq 1000
check "depot logged one line per bundle with device and result" grep -q 'device=hh1 bundle=.* status=201 result=stored records=' "$DEPOT_LOG"

# Nothing left: a second sync sends nothing and still exits 0.
sync_to "http://127.0.0.1:$PORT" --once > "$SCRATCH/sync2.out" 2>&1
check "a second sync with nothing queued exits 0" test $? -eq 0
check "still exactly 1000 on the depot" test "$(depot_count)" = 1000

# Four more handhelds sync at once, in small bundles, so that their uploads
# interleave on the depot's pool threads and queue for its one writer.
for d in 2 3 4 5; do
	"$DEPOT" --db "$DEPOT_DB" device add "hh$d" > "$SCRATCH/token$d" && chmod 600 "$SCRATCH/token$d"
	make_records "$SCRATCH/hh$d.db" 150 "hh$d" || not_ok "records made on hh$d"
done
pids=
for d in 2 3 4 5; do
	"$FIELDCHECK" --db "$SCRATCH/hh$d.db" sync --server "http://127.0.0.1:$PORT" --device "hh$d" \
		--token-file "$SCRATCH/token$d" --max-bundle 2048 > /dev/null 2> "$SCRATCH/sync$d.err" &
	pids="$pids $!"
done
st=0
for p in $pids; do wait "$p" || st=1; done
check "4 handhelds syncing at once all exit 0" test "$st" -eq 0
check "the depot took many bundles at once (more than 20 PUTs)" \
	test "$(grep -c 'PUT device=hh[2-5] .*status=201' "$DEPOT_LOG")" -gt 20
check "no upload met a busy database (no 503)" sh -c "! grep -q 'status=503' '$DEPOT_LOG'"
check "depot holds 1000 + 4 x 150 records" test "$(depot_count)" = 1600
check "each exactly once" test "$(depot_unique)" = 1600
: > "$SCRATCH/all.answers"
for db in "$HH" "$SCRATCH"/hh[2-5].db; do answers "$db" >> "$SCRATCH/all.answers"; done
sort "$SCRATCH/all.answers" > "$SCRATCH/hh.answers"
answers "$DEPOT_DB" > "$SCRATCH/depot.answers"
check "depot answers identical to the five handhelds'" cmp -s "$SCRATCH/hh.answers" "$SCRATCH/depot.answers"

# SIGTERM lets the depot finish and exit 0.
kill -TERM "$DEPOT_PID"
wait "$DEPOT_PID"
st=$?
DEPOT_PID=
check "depot exits 0 on SIGTERM" test "$st" -eq 0
check "depot said it stopped" grep -q 'stopped' "$DEPOT_LOG"
