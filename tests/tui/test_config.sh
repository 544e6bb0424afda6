#!/bin/sh
# The configuration file's keys reach the screen as they reach the commands:
# `gpsd` chooses the receiver (`none` turns GPS off), and --gpsd still wins.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"

tmux_suite "configuration suite"
mkdir -p "$XDG_CONFIG_HOME/fieldcheck"
printf 'inspector = insp7\ngpsd = none\n' > "$XDG_CONFIG_HOME/fieldcheck/config"

tmux_start 80 24 "$FIELDCHECK" --db "$DB" --lang en
check "gpsd = none in the configuration: the screen has GPS off" tmux_wait "GPS off"
tmux_keys q
tmux_exited 5 > /dev/null
tmux_stop

# Nothing listens on this port: an explicit --gpsd is tried, not the configured none.
port=$(free_port)
tmux_start 80 24 "$FIELDCHECK" --db "$DB" --lang en --gpsd "127.0.0.1:$port"
check "--gpsd wins over the configuration" tmux_wait "no gpsd"
tmux_keys q
tmux_exited 5 > /dev/null
tmux_stop
