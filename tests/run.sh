#!/bin/sh
# Runs every suite and ends with one line: N passed, N failed, N skipped.
#
#   unit tests (cmocka, TAP output), built normally and under ASan+UBSan
#   shell suites tests/*/test_*.sh (real SQLite files, gpsd, depot, tmux)
#   the SAN_SUITES once more against the ASan+UBSan programs in $SAN_BUILD
#   fuzzers tests/fuzz/fuzz_* for FUZZ_SECONDS each (10 s: eight fuzzers share
#   less than the two minutes four used to have, so make check stays near 20
#   minutes on a 2-core host; longer runs: FUZZ_SECONDS=300 sh tests/run.sh)
#
#   sh tests/run.sh [tests/DIR/test_X.sh...]   only those shell suites, then the
#                                              sanitizer pass over SAN_SUITES
#
# The shell suites, the sanitizer pass and the fuzzers run JOBS at a time
# (default: the number of processors).  A suite spends most of its time
# waiting on a screen, a depot or gpsfake, and each works in a scratch
# directory of its own with servers on ports the kernel picks, so two never
# meet.  Results are counted and printed in the order the suites are listed.
# JOBS=1 runs them one after another.
#
# Every suite's full output is kept under $BUILD/test-logs/.  A suite that
# runs longer than SUITE_TIMEOUT seconds is stopped (its whole process group)
# and counts as a failure.  The run has a private TMPDIR, removed at its end,
# so nothing a suite leaves behind (gpsfake's control sockets, say) outlives it.
set -u
: "${BUILD:=build}" "${SAN_BUILD:=build-san}" "${FUZZ_BUILD:=$BUILD/fuzz}" "${FUZZ_SECONDS:=10}"
: "${SUITE_TIMEOUT:=600}" "${JOBS:=$(nproc 2>/dev/null || echo 1)}"
# The suites that drive the screen, the sync worker and the depot (on SQLite and PostgreSQL).
: "${SAN_SUITES=tui/test_sync.sh tui/test_input.sh sync/test_happy.sh sync/test_refused.sh sync/test_bad_input.sh depot/test_pg.sh}"
export BUILD
cd "$(dirname "$0")/.." || exit 1
LOGS="$BUILD/test-logs"
rm -rf "$LOGS"
mkdir -p "$LOGS"
RUN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/fieldcheck-run.XXXXXX") || exit 1
# Suites that drop to another user (test_bad_files.sh runs as nobody) must
# reach their scratch directories through it, as they would through /tmp.
chmod 755 "$RUN_TMP"
trap 'rm -rf "$RUN_TMP"' EXIT
trap 'exit 130' INT TERM
export TMPDIR="$RUN_TMP"
passed=0 failed=0 skipped=0

# count SUITE LOGFILE EXIT_STATUS
count() {
	# cmocka 1.1 prints a skipped test as "not ok N # SKIP": a skip either way.
	p=$(grep '^ok ' "$2" | grep -vc '# SKIP' | tr -d ' ')
	s=$(grep -E '^(ok|not ok) ' "$2" | grep -c '# SKIP' | tr -d ' ')
	f=$(grep '^not ok' "$2" | grep -vc '# SKIP' | tr -d ' ')
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $1 exited with status $3" >> "$2"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		echo "not ok - $1 ran no test" >> "$2"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	pass_p=$((pass_p + p)) pass_f=$((pass_f + f)) pass_s=$((pass_s + s))
	printf '%-44s %4d passed %3d failed %3d skipped\n' "$1" "$p" "$f" "$s"
	grep -E '^not ok|# SKIP' "$2" | sed 's/^/    /'
}

# timed LOG COMMAND...: runs it into LOG under `timeout`, which stops its
# whole process group (the suite's gpsfake, depot, tmux client...) when it hangs.
timed() {
	_log=$1
	shift
	timeout --kill-after=10 "$SUITE_TIMEOUT" "$@" > "$_log" 2>&1 < /dev/null
	_st=$?
	case $_st in
	124|137) echo "not ok - did not finish within $SUITE_TIMEOUT s (SUITE_TIMEOUT)" >> "$_log" ;;
	esac
	return "$_st"
}

# A pool of JOBS tokens in a FIFO: `spawn NAME LOG FUNCTION ARGS...` takes a
# token, runs FUNCTION in the background (it writes LOG and returns the
# suite's status) and gives the token back; `collect` waits for every job,
# then counts each in the order it was spawned.
mkfifo "$RUN_TMP/tokens" || exit 1
exec 3<> "$RUN_TMP/tokens"
_i=0
while [ "$_i" -lt "$JOBS" ]; do echo >&3; _i=$((_i + 1)); done
spawned=
spawn() {
	_name=$1 _log=$2
	shift 2
	read -r _token <&3
	( "$@" 3>&-; echo $? > "$_log.status"; echo >&3 ) &
	spawned="$spawned $_name=$_log"
}
collect() {
	wait
	for _job in $spawned; do
		_st=$(cat "${_job#*=}.status" 2>/dev/null || echo 125)
		rm -f "${_job#*=}.status"
		count "${_job%%=*}" "${_job#*=}" "$_st"
	done
	spawned=
}

pass_p=0 pass_f=0 pass_s=0

ONLY="$*"
[ -n "$ONLY" ] && FUZZ_BUILD=/nonexistent
for t in "$BUILD"/tests/test_*; do
	[ -z "$ONLY" ] || break
	[ -x "$t" ] || continue
	log="$LOGS/unit_$(basename "$t").log"
	spawn "unit/$(basename "$t")" "$log" timed "$log" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
done
for t in "$SAN_BUILD"/tests/test_*; do
	[ -z "$ONLY" ] || break
	[ -x "$t" ] || continue
	log="$LOGS/asan+ubsan_$(basename "$t").log"
	spawn "asan+ubsan/$(basename "$t")" "$log" timed "$log" env CMOCKA_MESSAGE_OUTPUT=TAP \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 "$t"
done
collect
for t in ${ONLY:-tests/*/test_*.sh}; do
	[ -f "$t" ] || continue
	log="$LOGS/$(echo "${t#tests/}" | tr '/ +' '___').log"
	spawn "${t#tests/}" "$log" timed "$log" sh "$t"
done
collect

# The sanitizer pass: the same suites, the programs built with ASan+UBSan.
# ASan's reports (leaks included) go to files, since a screen in tmux or a
# depot in the background has no stderr anyone reads; any report fails the
# suite that caused it.  UBSan ignores log_path here, but the build stops the
# program at its first finding (-fno-sanitize-recover), which the suite sees.
# san_suite SUITE LOG: runs tests/SUITE against $SAN_BUILD; any report fails it.
san_suite() {
	_reports="$RUN_TMP/san-$(echo "$1" | tr '/' '_')"
	mkdir -p "$_reports"
	timed "$2" env BUILD="$SAN_BUILD" \
		ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$_reports/asan" \
		UBSAN_OPTIONS="print_stacktrace=1" sh "tests/$1"
	_st=$?
	for _r in "$_reports"/*; do
		[ -f "$_r" ] || continue
		echo "not ok - $1: a sanitizer report, $(basename "$_r"):" >> "$2"
		sed 's/^/# /' "$_r" >> "$2"
	done
	return "$_st"
}
san_summary=
if [ -x "$SAN_BUILD/fieldcheck" ] && [ -x "$SAN_BUILD/fieldcheck-sync" ] &&
    [ -x "$SAN_BUILD/fieldcheck-depot" ]; then
	pass_p=0 pass_f=0 pass_s=0
	for t in $SAN_SUITES; do
		log="$LOGS/asan+ubsan_$(echo "$t" | tr '/' '_').log"
		spawn "asan+ubsan/$t" "$log" san_suite "$t" "$log"
	done
	collect
	san_summary="sanitizer pass ($SAN_BUILD): $pass_p passed, $pass_f failed, $pass_s skipped"
else
	echo "not ok - the sanitizer programs are not built in $SAN_BUILD" > "$LOGS/asan+ubsan.log"
	count "asan+ubsan/programs" "$LOGS/asan+ubsan.log" 1
fi
# fuzz FUZZER LOG: FUZZER for FUZZ_SECONDS from its seed corpus; a finding
# is a "not ok" line (the fuzzer's own exit status is not the suite's).
fuzz() {
	_name=$(basename "$1")
	_corpus=$(mktemp -d)
	[ -d "tests/fuzz/corpus/$_name" ] && cp -r "tests/fuzz/corpus/$_name/." "$_corpus/"
	"$1" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 "$_corpus" > "$2" 2>&1 < /dev/null
	_st=$?
	rm -rf "$_corpus"
	if [ "$_st" -eq 0 ]; then echo "ok - $_name ran ${FUZZ_SECONDS}s without a finding" >> "$2"
	else echo "not ok - $_name found a crash (see $2)" >> "$2"; fi
	return 0
}
for f in "$FUZZ_BUILD"/fuzz_*; do
	[ -x "$f" ] || continue
	log="$LOGS/fuzz_$(basename "$f").log"
	spawn "fuzz/$(basename "$f")" "$log" fuzz "$f" "$log"
done
collect

[ -n "$san_summary" ] && echo "$san_summary"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
