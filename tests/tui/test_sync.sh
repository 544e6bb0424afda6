#!/bin/sh
# The screen's background sync, against a real depot on 127.0.0.1: the
# worker runs as a child process (fieldcheck-sync --tui-worker), so libcurl
# never loads into the screen; it drains the queue and the status bar says
# so (in Chinese in the screen's own words); it stops with the screen; an
# unusable token is shown, not fatal.
set -u
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/tui/tmux.sh"
. "$TOP/tests/sync/common.sh"

need_tools "screen sync suite" tmux curl

mkdir -p "$XDG_CONFIG_HOME/fieldcheck"
depot_init || { not_ok "depot init"; exit 1; }
depot_start || { not_ok "depot start"; exit 1; }
printf 'server = http://127.0.0.1:%s\ntoken_file = %s\ndevice = hh1\n' "$PORT" "$TOKEN" \
	> "$XDG_CONFIG_HOME/fieldcheck/config"
make_records "$HH" 3 || { not_ok "three records made"; exit 1; }

# worker_of PID: the pid of PID's fieldcheck-sync child, if any.
worker_of() { pgrep -P "$1" -f 'fieldcheck-sync --tui-worker'; }
# gone PID: PID names a process that has ended (an empty PID is not gone: it was never found).
gone() { [ -n "$1" ] && ! kill -0 "$1" 2>/dev/null; }
# maps PID LIB: PID is running and has LIB mapped.
maps() { [ -n "$1" ] && [ -r "/proc/$1/maps" ] && grep -q "$2" "/proc/$1/maps"; }
# lacks PID LIB: PID is running and does not have LIB mapped.
lacks() { [ -n "$1" ] && [ -r "/proc/$1/maps" ] && ! grep -q "$2" "/proc/$1/maps"; }

tmux_start 80 24 "$FIELDCHECK" --db "$HH" --gpsd none --inspector alice --lang en
tmux_wait "Checklists"
pid=$(tmux_pid)
check "the status bar shows the queue drained and the sync time" tmux_wait "queued 0 · last sync" 20
check "the depot holds the three records" test "$(depot_count)" -eq 3
worker=$(worker_of "$pid")
check "the worker is a child process, fieldcheck-sync" test -n "$worker"
check "libcurl is not loaded into the screen's process" lacks "$pid" libcurl
check "libcurl is loaded into the worker" maps "$worker" libcurl
tmux_keys q
check "the screen exits 0" test "$(tmux_exited)" = 0
check "the worker stops with the screen" wait_for 5 gone "$worker"
tmux_stop

# A record queued while the screen was closed goes at its next start; a
# SIGKILLed screen takes its worker with it (end of file on the pipe).
make_records "$HH" 1
tmux_start 80 24 "$FIELDCHECK" --db "$HH" --gpsd none --inspector alice --lang en
tmux_wait "Checklists"
check "a record queued before start is sent" tmux_wait "queued 0 · last sync" 20
check "the depot holds four records" test "$(depot_count)" -eq 4
pid=$(tmux_pid)
worker=$(worker_of "$pid")
check "the restarted screen has its worker" test -n "$worker"
kill -KILL "$pid"
check "the worker stops when the screen is killed" wait_for 5 gone "$worker"
tmux_stop

# The depot away: the worker reports offline, the screen works on.
depot_stop
make_records "$HH" 1
tmux_start 80 24 "$FIELDCHECK" --db "$HH" --gpsd none --inspector alice --lang en
check "depot away: the status bar says offline" tmux_wait "queued 1 · offline" 20
tmux_keys 1
check "depot away: a checklist still opens" tmux_wait "Road id or location"
tmux_keys F10
tmux_wait "Checklists"
# The depot comes back on its port: the worker, backing off, finds it alone.
depot_start
check "depot back: the worker sends the queued record, without help" tmux_wait "queued 0 · last sync" 60
check "depot back: the depot holds five records" test "$(depot_count)" -eq 5
tmux_keys q
check "depot away: the screen exits 0" test "$(tmux_exited)" = 0
tmux_stop

# In Chinese the worker's state is in the screen's words, not the worker's English.
depot_stop
make_records "$HH" 1
tmux_start 80 24 "$FIELDCHECK" --db "$HH" --gpsd none --inspector alice --lang zh
check "zh, depot away: the status bar says offline in Chinese" tmux_wait "待发送 1 · 离线" 20
check "zh, depot away: no English from the worker" tmux_wait_gone "offline" 5
depot_start
check "zh, depot back: sent, the last sync in Chinese" tmux_wait "待发送 0 · 上次同步" 60
check "zh: no English queue words" tmux_wait_gone "queued" 5
tmux_keys q
check "zh: the screen exits 0" test "$(tmux_exited)" = 0
tmux_stop

# A token file others can read is refused: said on the screen, sync off.
chmod 644 "$TOKEN"
tmux_start 80 24 "$FIELDCHECK" --db "$HH" --gpsd none --inspector alice --lang en
check "a refused token is shown" tmux_wait "Sync stopped:" 10
check "and sync is off" tmux_wait "sync off"
tmux_keys q
check "refused token: the screen exits 0" test "$(tmux_exited)" = 0
