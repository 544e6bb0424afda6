#!/bin/sh
# The unit-grid cell on the screens (docs/platform.md), with `grid` in the
# configuration: the inspector's save screen shows the fix's cell, and the
# supervisor's review says a record's cell, or that it is outside every cell.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"

tmux_suite "grid cells on the screens" python3
export HOME="$SCRATCH"
# One cell around the fake gpsd's fix (31.2304, 121.4737) and one beside it.
cat > "$SCRATCH/grid.geojson" <<'JSON'
{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"31010100100101"},"geometry":{"type":"Polygon",
 "coordinates":[[[121.47,31.23],[121.48,31.23],[121.48,31.24],[121.47,31.24],[121.47,31.23]]]}},
{"type":"Feature","properties":{"code":"31010100100102"},"geometry":{"type":"Polygon",
 "coordinates":[[[121.48,31.23],[121.49,31.23],[121.49,31.24],[121.48,31.24],[121.48,31.23]]]}}]}
JSON
mkdir -p "$XDG_CONFIG_HOME/fieldcheck" "$SCRATCH/forms"
printf 'grid = %s\n' "$SCRATCH/grid.geojson" > "$XDG_CONFIG_HOME/fieldcheck/config"
cat > "$SCRATCH/forms/point.csv" <<'CSV'
survey,,,
,type,name,label
,text,note,Note
settings,,
,form_id,version
,point,1
CSV

# ---- the save screen ----
/usr/bin/python3 "$TOP/tests/gps/fake_gpsd.py" "$SCRATCH/fake.port" --then-fix &
fake=$!
at_exit "kill $fake 2>/dev/null"
check "the fake gpsd listens" wait_for 5 test -s "$SCRATCH/fake.port"
tmux_start 80 24 "$FIELDCHECK" --db "$DB" --forms "$SCRATCH/forms" \
	--gpsd "127.0.0.1:$(cat "$SCRATCH/fake.port")" --lang en --inspector insp7
tmux_wait "Checklists"
tmux_wait "GPS 3D" 20
tmux_keys 1
tmux_wait "Note"
tmux_type "kerb"
tmux_keys Enter
check "the save screen shows the fix's grid cell" tmux_wait "±5 m 3D"
check "... as its code" tmux_wait "grid cell 31010100100101"
tmux_stop

# ---- the review ----
DAY=$(date +%F)
FC() { "$FIELDCHECK" --db "$SCRATCH/depot.db" --forms "$TOP/forms/checklists" "$@"; }
FC record add --form road --inspector wang --at 31.235,121.485,4 asset_id=inside \
	subsidence=severe > /dev/null
FC record add --form road --inspector wang --at 31.300,121.600,4 asset_id=outside \
	subsidence=severe > /dev/null
tmux_start 100 30 "$FIELDCHECK" --db "$SCRATCH/depot.db" --forms "$TOP/forms/checklists" \
	--lang en review --day "$DAY" --reviewer sup
check "the review opens" tmux_wait "2/2 records"
tmux_keys Enter
check "a record inside a cell: its code" tmux_wait "grid cell 31010100100102"
tmux_keys F2
check "... in Chinese too" tmux_wait "单元网格 31010100100102"
tmux_keys F2 Escape
tmux_wait "1/2  marked"
tmux_keys Down
tmux_wait "2/2  marked"
tmux_keys Enter
check "a record outside every cell: the review says so" tmux_wait "outside every grid cell"
tmux_stop

# ---- a grid that cannot be read: a warning, and the screen still works ----
printf 'grid = %s\n' "$SCRATCH/none.geojson" > "$XDG_CONFIG_HOME/fieldcheck/config"
"$FIELDCHECK" --db "$SCRATCH/depot.db" --forms "$TOP/forms/checklists" --lang en review \
	--day "$DAY" --bench-startup > /dev/null 2> "$SCRATCH/warn" < /dev/null
check "an unreadable grid is a warning naming the file" grep -q "warning: .*none.geojson.*no grid cells" "$SCRATCH/warn"
