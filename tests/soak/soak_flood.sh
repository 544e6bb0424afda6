#!/bin/sh
# make soak: the depot under a slow-connection flood.  SOAK_FLOOD_CONNS
# (default 300) connections that send a request head one line every 2 s and
# come back as soon as the depot ends them, first all from the handheld's
# own address, then spread over five others; meanwhile SOAK_FLOOD_TRIES
# (default 10) real syncs of 20 new records each.  One line per flood, like
# the benchmarks':
#   soak.flood_one_address: tries 10 synced 10 acknowledged 200 found 200 lost 0 duplicated 0 health 10/10  goal lost 0 duplicated 0  MET
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/sync/common.sh"
. "$TOP/tests/soak/common.sh"
PEER="$TOP/tests/sync/peer.py"
: "${SOAK_FLOOD_CONNS:=300}" "${SOAK_FLOOD_TRIES:=10}"

depot_init && depot_start || { echo "soak.flood: the depot did not start"; exit 1; }
URL="http://127.0.0.1:$PORT"

# one NAME SOURCES: a flood from SOURCES (comma separated) during the tries.
one() {
	_n=$(echo "$2" | tr ',' ' ' | wc -w)
	HH="$SCRATCH/hh-$1.db"
	rm -f "$SCRATCH/stop" "$SCRATCH/ready"
	python3 "$PEER" flood "$PORT" "$2" $((SOAK_FLOOD_CONNS / _n)) 3600 --stop-file "$SCRATCH/stop" \
		--ready-file "$SCRATCH/ready" > /dev/null &
	_flood=$!
	# Past the head deadline: every slot has been ended and has come back at least once.
	wait_for 120 sh -c "[ \$(sed -n 's/.*ended //p' '$SCRATCH/ready' 2>/dev/null) -ge $SOAK_FLOOD_CONNS ]"
	_synced=0 _health=0 _try=0
	while [ "$_try" -lt "$SOAK_FLOOD_TRIES" ]; do
		make_records "$HH" 20 || break
		if sync_to "$URL" --retry-for 60 > /dev/null 2>&1; then _synced=$((_synced + 1)); fi
		if curl -sf --max-time 5 "$URL/v1/health" | grep -q fieldcheck-depot; then
			_health=$((_health + 1))
		fi
		_try=$((_try + 1))
	done
	touch "$SCRATCH/stop"
	wait "$_flood"
	tally_sync "$HH" "$DEPOT_DB"
	_met=MET
	if [ "$lost" -ne 0 ] || [ "$dup" -ne 0 ] || [ "$_synced" -ne "$SOAK_FLOOD_TRIES" ] ||
		[ "$_health" -ne "$SOAK_FLOOD_TRIES" ]; then _met=MISSED; fi
	echo "soak.$1: connections $SOAK_FLOOD_CONNS tries $SOAK_FLOOD_TRIES synced $_synced acknowledged $acked" \
		"found $found lost $lost duplicated $dup health $_health/$SOAK_FLOOD_TRIES" \
		" goal lost 0 duplicated 0, every sync and health check through  $_met"
	[ "$_met" = MET ]
}

status=0
one flood_one_address 127.0.0.1 || status=1
one flood_five_addresses 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6 || status=1
exit $status
