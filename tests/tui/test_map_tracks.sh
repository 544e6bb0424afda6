#!/bin/sh
# The supervisor's map with the day's tracks and the configured zones: the
# header counts the tracks, the zone outlines are drawn and named in the
# legend, each inspector's track in the legend, in both languages; and z, the
# day's zones with visits done / required, overdue first.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"

tmux_suite "map tracks suite" python3
TODAY=$(date +%F)
python3 "$TOP/tests/coverage/make_tracks.py" > "$SCRATCH/tracks.ndjson"
"$TOP/$BUILD/tools/track_seed" "$DB" < "$SCRATCH/tracks.ndjson" || not_ok "tracks seeded"
mkdir -p "$XDG_CONFIG_HOME/fieldcheck"
printf 'zones = %s\n' "$TOP/tests/data/zones.geojson" > "$XDG_CONFIG_HOME/fieldcheck/config"

tmux_start 80 24 "$FIELDCHECK" --db "$DB" --lang en review --day "$TODAY" --reviewer boss
check "the review opens" tmux_wait "$TODAY" 10
tmux_keys m
check "the map counts the day's tracks" tmux_wait "2 tracks" 10
legend() { tmux_screen | tail -n 3 | grep -q "wang.*li\|li.*wang"; }
check "the legend names both inspectors of the tracks" legend
check "and the zones" tmux_wait "⣿ zones" 5
braille() { tmux_screen | grep -cP '[\x{2801}-\x{28FF}]'; }
many_rows() { [ "$(braille)" -gt 5 ]; }
check "tracks and outlines drawn in braille" many_rows
tmux_keys F2
check "in Chinese" tmux_wait "2 条轨迹" 5
tmux_keys m
check "back to the table" tmux_wait_gone "2 条轨迹" 5
tmux_keys z
check "z: the zones of the day, overdue first" tmux_wait "未达 1/2  人民广场" 5
check "with the last visit and who" tmux_wait "人民广场  09:00 wang" 5
tmux_keys F2
check "in English: People's Park done by li" tmux_wait "ok 1/1  People's Park  09:15 li" 5
tmux_keys Escape
check "Esc: back to the review" tmux_wait_gone "People's Park" 5
tmux_keys q
tmux_exited > /dev/null
tmux_stop
