#!/bin/sh
# A slow uplink still drains: a bundle whose upload outlasts --timeout is
# re-frozen into smaller ones, and later bundles are sized to the
# throughput measured, so every record reaches the depot once.  This is
# the scaled-down figure (400 records, 2,000 B/s, --timeout 5); `make soak`
# runs the full one (3,000 records, --timeout 20).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

N=400
depot_init && depot_start
make_records "$HH" "$N" || not_ok "records made"
through_slow_link 2000 "$SCRATCH/sync.err" --timeout 5 --retry-for 40
st=$?
check "2,000 B/s, --timeout 5: sync exits 0 (status $st)" test "$st" -eq 0
check "a bundle too slow for the link was re-frozen smaller" grep -q 're-froze its' "$SCRATCH/sync.err"
check "nothing left queued on the handheld" test "$(queued)" = 0
check "nothing left in the outbox" test "$("$FIELDCHECK" --db "$HH" outbox list | wc -l)" -eq 0
check "every record sent on the handheld" \
	test "$("$FIELDCHECK" --db "$HH" list --status sent | wc -l)" -eq "$N"
check "the depot holds all $N records" test "$(depot_count)" = "$N"
check "each exactly once" test "$(depot_unique)" = "$N"
answers "$HH" > "$SCRATCH/hh.answers"
answers "$DEPOT_DB" > "$SCRATCH/depot.answers"
check "depot answers identical to the handheld's" cmp -s "$SCRATCH/hh.answers" "$SCRATCH/depot.answers"
