#!/bin/sh
# The supervisor's map with the day's tracks and the configured zones: the
# header counts the tracks, the zone outlines are drawn and named in the
# legend, each inspector's track in the legend, in both languages.
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
tmux_keys q
tmux_exited > /dev/null
tmux_stop
