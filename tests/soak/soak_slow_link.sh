#!/bin/sh
# make soak: 3,000 records through a 2,000 B/s uplink with --timeout 20
# (issue 13's figure; tests/sync/test_slow_link.sh is the scaled-down
# version in make check).  Prints one line like the benchmarks':
#   soak.slow_link: tries T, records acknowledged A, found F, lost L, duplicated D  goal lost 0 duplicated 0  MET
# tries: the fieldcheck sync runs it took (each retries for 120 s after its
# last progress); acknowledged: records the handheld marked sent; found:
# those at the depot; lost: acknowledged but not found; duplicated: depot
# rows beyond one per record.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sync/common.sh"
. "$(dirname "$0")/common.sh"

N=${SOAK_RECORDS:-3000}
depot_init && depot_start || { echo "soak.slow_link: the depot did not start"; exit 1; }
make_records "$HH" "$N" || { echo "soak.slow_link: records not made"; exit 1; }
tries=0
while [ "$tries" -lt 5 ]; do
	tries=$((tries + 1))
	through_slow_link 2000 "$SCRATCH/sync.err" --timeout 20 && break
done
tally_sync "$HH" "$DEPOT_DB"
verdict=MET
[ "$lost" -eq 0 ] && [ "$dup" -eq 0 ] && [ "$acked" -eq "$N" ] || verdict=MISSED
echo "soak.slow_link: $N records at 2000 B/s --timeout 20: tries $tries, records acknowledged $acked," \
	"found $found, lost $lost, duplicated $dup  goal all $N acknowledged, lost 0 duplicated 0  $verdict"
[ "$verdict" = MET ]
