#!/bin/sh
# F5 fills a geopoint from the current fix, and leaves what the receiver did
# not say empty: a 2D fix without accuracy gives "LAT LON", never "LAT LON
# 0.0 0.0" (altitude 0 m, ±0 m); a 3D fix with both gives all four numbers.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"

tmux_suite "geopoint suite" jq

mkdir -p "$SCRATCH/forms"
cat > "$SCRATCH/forms/point.csv" <<'CSV'
survey,,,
,type,name,label
,geopoint,location,Where
,text,note,Note
settings,,
,form_id,version
,point,1
CSV

# fill MODE: the stored answer after F5 on a fake gpsd sending MODE fixes.
fill() {
	rm -f "$SCRATCH/fake.port"
	/usr/bin/python3 "$TOP/tests/gps/fake_gpsd.py" "$SCRATCH/fake.port" --then-fix $1 &
	_fake=$!
	wait_for 5 test -s "$SCRATCH/fake.port"
	rm -f "$DB"
	tmux_start 80 24 "$FIELDCHECK" --db "$DB" --forms "$SCRATCH/forms" \
		--gpsd "127.0.0.1:$(cat "$SCRATCH/fake.port")" --lang en --inspector insp7
	tmux_wait "Checklists"
	tmux_wait "GPS $2" 20
	tmux_keys 1
	tmux_wait "Where"
	tmux_keys F5
	tmux_wait "31.23040000 121.47370000"
	tmux_keys Enter
	tmux_wait "Note"
	"$FIELDCHECK" --db "$DB" list --json --status draft | jq -r '.answers.location'
	tmux_stop
	kill "$_fake" 2>/dev/null
	wait "$_fake" 2>/dev/null
}

got=$(fill --2d 2D)
check "a 2D fix without accuracy fills 'LAT LON' only ($got)" [ "$got" = "31.23040000 121.47370000" ]
got=$(fill "" 3D)
check "a 3D fix fills altitude and accuracy too ($got)" [ "$got" = "31.23040000 121.47370000 4.5 5.0" ]
