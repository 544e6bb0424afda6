# tmux.sh — drive the real fieldcheck binary in a real terminal (sourced, POSIX sh).
#
# Needs tests/lib.sh sourced first (wait_for, SCRATCH, at_exit).
#
#   tmux_start COLS ROWS COMMAND...   start COMMAND in a fresh private tmux server
#   tmux_keys KEY...                  tmux send-keys (Enter, Escape, F4, Up, ...)
#   tmux_type TEXT                    type TEXT literally (UTF-8 welcome)
#   tmux_screen                       print the pane (capture-pane -p)
#   tmux_screen_joined                the same with wrapped lines joined (-J)
#   tmux_screen_attrs                 the same with its attributes as escape sequences (-e)
#   tmux_row TEXT                     the 0-based row where TEXT first shows, or nothing
#   tmux_tap COL ROW                  a mouse tap (button 1 press and release, the X10
#                                     encoding TERM=screen's kmous names) at 0-based COL ROW
#   tmux_wait TEXT [SECONDS]          wait until the pane shows TEXT (fixed string)
#   tmux_wait_gone TEXT [SECONDS]     wait until it does not
#   tmux_exited [SECONDS]             wait until COMMAND has exited; prints its status
#   tmux_resize COLS ROWS
#   tmux_pid                          the pid of COMMAND
#   tmux_stop                         kill the server
#   tmux_suite NAME TOOL...           skip the suite (exit 0; under CI=true a failure)
#                                     unless tmux and the TOOLs are installed; an empty
#                                     configuration, DB=$SCRATCH/fc.db, and a TZ in which
#                                     it is about noon now, so that "today" (My day, the
#                                     review of today) cannot change during the suite
#   jq_records STATUS FILTER          jq -s -e FILTER over $DB's records with STATUS
#
# Each suite gets its own socket (-L), an empty configuration (-f /dev/null),
# TERM=screen, LANG=C.UTF-8 and the TZ from lib.sh, so nothing of the user's
# tmux setup leaks in.  Waits are for text on the screen, never fixed sleeps.

TMUX_SOCK="fctest$$"
TMUX_LOGFILE="$SCRATCH/tmux-last-screen.txt"

_tmux() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }

tmux_start() {
	_cols=$1
	_rows=$2
	shift 2
	# The command runs in a shell that reports how it ended and then waits,
	# so the pane stays to be read after the program exits.
	_cmd=""
	for _a in "$@"; do
		_cmd="$_cmd '$(printf '%s' "$_a" | sed "s/'/'\\\\''/g")'"
	done
	rm -f "$SCRATCH/tmux-pid"
	printf 'exec %s\n' "$_cmd" > "$SCRATCH/tmux-cmd.sh"
	_tmux new-session -d -s t -x "$_cols" -y "$_rows" \
		"env TERM=screen LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=$TZ sh -c 'echo \$\$ > \"$SCRATCH/tmux-pid\"; exec sh \"$SCRATCH/tmux-cmd.sh\"; ' ; echo \"[exited \$?]\"; exec sleep 3600" || return 1
	at_exit "tmux -L '$TMUX_SOCK' kill-server 2>/dev/null"
	wait_for 5 test -s "$SCRATCH/tmux-pid"
}

# The shell execs the command, so the pid it wrote is the command's.
tmux_pid() { cat "$SCRATCH/tmux-pid"; }

tmux_keys() { _tmux send-keys -t t "$@"; }
tmux_type() { _tmux send-keys -t t -l "$1"; }
tmux_screen() { _tmux capture-pane -p -t t; }
tmux_screen_joined() { _tmux capture-pane -p -J -t t; }
tmux_screen_attrs() { _tmux capture-pane -e -p -t t; }
tmux_row() { tmux_screen | grep -nF -- "$1" | head -n 1 | sed 's/:.*//' | awk '{ print $1 - 1 }'; }

# X10 mouse: ESC [ M, then button, column and row, each as 32 + value (1-based).
_x10() { printf "\\$(printf '%03o' $(( $1 + 33 )))"; }
tmux_tap() {
	_tmux send-keys -t t -l "$(printf '\033[M ')$(_x10 "$1")$(_x10 "$2")"
	_tmux send-keys -t t -l "$(printf '\033[M#')$(_x10 "$1")$(_x10 "$2")"
}
tmux_resize() { _tmux resize-window -t t -x "$1" -y "$2"; }

_tmux_has() { tmux_screen | grep -qF -- "$1"; }
_tmux_hasnt() { ! tmux_screen | grep -qF -- "$1"; }

tmux_wait() {
	if wait_for "${2:-10}" _tmux_has "$1"; then return 0; fi
	tmux_screen > "$TMUX_LOGFILE" 2>&1
	echo "# waited for '$1'; the screen was:" >&2
	sed 's/^/#   /' "$TMUX_LOGFILE" >&2
	return 1
}

tmux_wait_gone() {
	if wait_for "${2:-10}" _tmux_hasnt "$1"; then return 0; fi
	echo "# '$1' stayed on screen:" >&2
	tmux_screen | sed 's/^/#   /' >&2
	return 1
}

tmux_exited() {
	tmux_wait "[exited " "${1:-10}" || return 1
	tmux_screen | sed -n 's/.*\[exited \([0-9]*\)\].*/\1/p' | tail -n 1
}

# The server exits after kill-server answers: wait until it is gone, or the
# next tmux_start may reach the dying one ("server exited unexpectedly").
_tmux_gone() { ! _tmux list-sessions >/dev/null 2>&1 && [ ! -S "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TMUX_SOCK" ]; }
tmux_stop() { _tmux kill-server 2>/dev/null; wait_for 5 _tmux_gone; return 0; }

tmux_suite() {
	_name=$1
	shift
	need_tools "$_name" tmux "$@"
	# POSIX TZ "MID-N" is UTC+N: N = 12 - the UTC hour puts local time at noon.
	TZ="MID$(( $(date -u +%-H) - 12 ))"
	export TZ
	export XDG_CONFIG_HOME="$SCRATCH/cfg"
	DB="$SCRATCH/fc.db"
}

jq_records() { "$FIELDCHECK" --db "$DB" list --json --status "$1" | jq -s -e "$2" >/dev/null; }
