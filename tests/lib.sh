# Shared helpers for the shell test suites (sourced, POSIX sh).
#
# Each suite prints TAP-style lines that tests/run.sh counts:
#   ok - DESCRIPTION
#   not ok - DESCRIPTION
#   ok - DESCRIPTION # SKIP REASON
# A suite that exits non-zero without printing "not ok" counts as one failure.

: "${BUILD:=build}"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
FIELDCHECK="$TOP/$BUILD/fieldcheck"
DEPOT="$TOP/$BUILD/fieldcheck-depot"
SHARED="$TOP/../shared"
FIXTURES="$SHARED/fixtures"
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=Asia/Shanghai

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
skip() { echo "ok - $1 # SKIP $2"; }

# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

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

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# need_shared: skip the calling suite's fixture tests when ../shared is absent.
have_shared() { [ -d "$FIXTURES" ]; }

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
