# Shared helpers for the shell test suites (sourced, POSIX sh).
#
# Each suite prints TAP-style lines that tests/run.sh counts:
#   ok - DESCRIPTION
#   not ok - DESCRIPTION
#   ok - DESCRIPTION # SKIP REASON
# A suite that exits non-zero without printing "not ok" counts as one failure.
#
# Under CI=true a skip because a tool is missing ("... is not installed") is a
# failure instead: scripts/deps.sh installs every tool the suites use, so a
# missing one means the run is not testing what it claims to.

: "${BUILD:=build}"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
FIELDCHECK="$TOP/$BUILD/fieldcheck"
DEPOT="$TOP/$BUILD/fieldcheck-depot"
SHARED="$TOP/../shared"
FIXTURES="$SHARED/fixtures"
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=Asia/Shanghai

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
skip() {
	case "${CI:-}:$2" in
	true:*"not installed"*) not_ok "$1: $2 (CI=true: scripts/deps.sh installs it)" ;;
	*) echo "ok - $1 # SKIP $2" ;;
	esac
}

# have_tool TOOL DESCRIPTION: true when TOOL is on PATH; otherwise DESCRIPTION
# is skipped (a failure under CI=true) and it returns 1.
have_tool() {
	command -v "$1" >/dev/null 2>&1 && return 0
	skip "$2" "$1 is not installed"
	return 1
}

# need_tools SUITE TOOL...: ends the suite at once, skipped (failed under
# CI=true), unless every TOOL is installed.
need_tools() {
	_suite=$1
	shift
	for _t in "$@"; do
		have_tool "$_t" "$_suite" && continue
		[ "${CI:-}" = true ] && exit 1
		exit 0
	done
}

# check DESCRIPTION COMMAND...: ok when the one COMMAND succeeds.  A compound
# condition goes into a shell function or `sh -c '...'`: anything after
# `check ... &&`, `||`, `|` or a redirection would run outside the check, so
# tests/lint/test_check_usage.sh refuses them.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# exit_says STATUS WANT FILE TEXT: a command's STATUS was WANT and FILE holds
# TEXT (a fixed string): one check for an exit status and its message.
exit_says() { [ "$1" -eq "$2" ] && grep -qF -- "$4" "$3"; }

# A scratch directory removed at exit.  Suites that start processes add
# their own cleanup with `at_exit "kill $pid"`.
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/fieldcheck-test.XXXXXX")
_at_exit="rm -rf '$SCRATCH'"
at_exit() { _at_exit="$1; $_at_exit"; }
trap 'eval "$_at_exit"' EXIT
trap 'exit 130' INT TERM

# wait_for TIMEOUT_S COMMAND...: polls the command until it succeeds (every
# 50 ms), so tests wait for a condition, not for a fixed time.
wait_for() {
	_limit=$(( $1 * 20 ))
	shift
	_i=0
	while [ "$_i" -lt "$_limit" ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# bound_port FILE [FIRST_LINE]: the port in FILE's first "listening on
# 127.0.0.1:PORT" line from FIRST_LINE on: a server started on port 0 (the
# depot, tests/sync/netfault.py) says there which port it bound.
bound_port() {
	tail -n +"${2:-1}" "$1" 2>/dev/null |
		sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' | head -n 1 | grep .
}
# wait_port FILE [FIRST_LINE]: waits up to 10 s for that line; prints the port.
wait_port() { wait_for 10 bound_port "$@" && bound_port "$@"; }

# free_port: a TCP port on 127.0.0.1 that nothing listens on now, for a test
# that needs a port where nothing answers (a server gets port 0 instead).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# random_delays SEED N LOW HIGH: N delays in seconds, uniform from LOW to
# HIGH, the same ones for the same SEED: a suite that kills processes at
# random moments prints its seed so a failing run can be replayed.
random_delays() {
	python3 -c "import random; random.seed($1); print(' '.join('%.3f' % random.uniform($3, $4) for _ in range($2)))"
}

# need_shared: skip the calling suite's fixture tests when ../shared is absent.
have_shared() { [ -d "$FIXTURES" ]; }

# on_day "YYYY-MM-DD HH:MM:SS"|now CMD...: CMD with the wall clock starting
# then (libfaketime; the monotonic clock untouched), for a receiver log that
# gpsd dates in another year: fieldcheck refuses a fix time more than a year
# from the clock.
on_day() {
	_day=$1
	shift
	if [ "$_day" = now ]; then
		"$@"
	else
		FAKETIME_DONT_FAKE_MONOTONIC=1 /usr/bin/faketime -f "@$_day" "$@"
	fi
}

# small_disk SIZE: a tmpfs of SIZE (e.g. 2m) mounted at $TINY, unmounted at
# exit; without one (not root), skips the calling suite with the reason.
small_disk() {
	TINY="$SCRATCH/tiny"
	mkdir -p "$TINY"
	if mount -t tmpfs -o "size=$1" fieldcheck-test "$TINY" 2>"$SCRATCH/mount.err"; then
		at_exit "umount '$TINY' 2>/dev/null"
	else
		skip "small disk" "cannot mount a small tmpfs here: $(cat "$SCRATCH/mount.err")"
		exit 0
	fi
}
