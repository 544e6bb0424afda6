#!/bin/sh
# Real receivers' logs from gpsd's regression suite (../shared/fixtures/nmea-gpsd),
# replayed through a real gpsd by gpsfake: `fieldcheck gps --once` reports a
# position the receiver reported (its .chk lists it) in the right place; and
# a record saved through the screen, with F5 filling its geopoint, carries
# the u-blox M8N's position and accuracy.  Skipped, with the reason, when
# ../shared is absent.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"
. "$TOP/scripts/gpsfake.sh"
NMEA="$FIXTURES/nmea-gpsd"
at_exit gpsfake_stop

if ! have_shared || [ ! -d "$NMEA" ]; then
	skip "real receiver logs" "../shared/fixtures/nmea-gpsd is absent"
	exit 0
fi
tmux_suite "real receiver logs" jq faketime

# in_chk LOG LAT LON: the .chk of LOG has a TPV with a fix at LAT LON
# (printed to 5 decimals, so within 1e-5 after rounding).
in_chk() {
	grep '^{' "$NMEA/$1.log.chk" |
		jq -r 'select(.class == "TPV" and (.mode // 0) >= 2 and .lat != null) | "\(.lat) \(.lon)"' |
		awk -v lat="$2" -v lon="$3" '
			function abs(x) { return x < 0 ? -x : x }
			abs($1 - lat) <= 1e-5 && abs($2 - lon) <= 1e-5 { found = 1 }
			END { exit !found }'
}

# receiver LOG DAY WHERE LAT_PREFIX LON_PREFIX: --once against the replayed
# LOG, with the clock at DAY, the day gpsd dates the log (see on_day).
receiver() {
	_rx_day=$2
	_rx_log=$1
	shift 2
	set -- "$_rx_log" "$@"

	if ! gpsfake_start "$NMEA/$1.log" 0.05; then
		not_ok "$1: gpsfake starts"
		return
	fi
	on_day "$_rx_day" "$FIELDCHECK" gps --gpsd "127.0.0.1:$GPSFAKE_PORT" --once --timeout 20 \
		> "$SCRATCH/$1.out" 2> "$SCRATCH/$1.err"
	st=$?
	gpsfake_stop
	set -- "$1" "$2" "$3" "$4" $(sed -n 's/^[23]D \(-\{0,1\}[0-9.]*\) \(-\{0,1\}[0-9.]*\) .*/\1 \2/p' "$SCRATCH/$1.out")
	check "$1: --once exits 0 with a fix ($(cat "$SCRATCH/$1.out" "$SCRATCH/$1.err"))" test "$st" -eq 0
	check "$1: the position is one the receiver reported (${5:-none} ${6:-none})" in_chk "$1" "${5:-999}" "${6:-999}"
	check "$1: in $2" sh -c 'case "$1 $2" in "$3"*" $4"*) exit 0 ;; esac; exit 1' _ "${5:-}" "${6:-}" "$3" "$4"
}
receiver bu303-climbing "2025-02-02 16:12:15" "Adelboden, Switzerland" 46.49 7.56
receiver quectel-L70 now "Calgary, Canada" 51.06 -114.09
receiver ublox-neo-m8n "2017-07-19 08:49:55" "Adelaide, Australia" -34.90 138.60

# --- a record saved through the screen with the u-blox M8N's fix ---
mkdir -p "$SCRATCH/forms"
cat > "$SCRATCH/forms/rx.csv" <<'CSV'
survey,,,
,type,name,label
,text,asset_id,Asset
,geopoint,location,Position
settings,,,
,form_id,version,accuracy_threshold
,rx,1,5
CSV
if gpsfake_start "$NMEA/ublox-neo-m8n.log" 0.05; then
	tmux_start 80 24 env FAKETIME_DONT_FAKE_MONOTONIC=1 /usr/bin/faketime -f "@2017-07-19 08:49:55" \
		"$FIELDCHECK" --db "$DB" --forms "$SCRATCH/forms" \
		--gpsd "127.0.0.1:$GPSFAKE_PORT" --lang en --inspector rx1
	check "the status bar shows the M8N's 3D fix" tmux_wait "GPS 3D" 30
	acc=$(tmux_screen | sed -n '1s/.*GPS 3D ±\([0-9]*\) m.*/\1/p')
	tmux_keys 1
	tmux_wait "Asset" && tmux_type "Adelaide pole 7" && tmux_keys Enter
	check "the geopoint question" tmux_wait "Position" 10
	tmux_keys F5
	check "F5 fills the geopoint with the fix" tmux_wait "-34.90" 10
	tmux_keys Enter
	check "review offers to save with the gpsd position" tmux_wait "Enter: save" 10
	tmux_keys Enter
	check "saved" tmux_wait "Saved" 10
	check "the record's position is the M8N's: gpsd, Adelaide, 3D, its accuracy (±$acc m)" jq_records final \
		"length == 1 and (.[0].position | .source == \"gpsd\" and .lat < -34.9 and .lat > -34.91
		 and .lon > 138.6 and .lon < 138.61 and .fix_mode == 3 and .accuracy_m <= 5
		 and (.accuracy_m | round) == ${acc:-999})"
	check "the geopoint answer F5 filled is that position" jq_records final \
		'.[0].answers.location | test("^-34\\.90[0-9]* 138\\.60[0-9]* ")'
	tmux_keys q
	check "the screen exits 0" test "$(tmux_exited)" = 0
	tmux_stop
	gpsfake_stop
else
	not_ok "gpsfake starts with ublox-neo-m8n.log"
fi
