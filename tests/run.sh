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
# Every suite's full output is kept under $BUILD/test-logs/.  A suite that
# runs longer than SUITE_TIMEOUT seconds is stopped (its whole process group)
# and counts as a failure.  The run has a private TMPDIR, removed at its end,
# so nothing a suite leaves behind (gpsfake's control sockets, say) outlives it.
set -u
: "${BUILD:=build}" "${SAN_BUILD:=build-san}" "${FUZZ_BUILD:=$BUILD/fuzz}" "${FUZZ_SECONDS:=10}"
: "${SUITE_TIMEOUT:=600}"
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

run_suite() {
	name=$1
	shift
	log="$LOGS/$(echo "$name" | tr '/ +' '___').log"
	timed "$log" "$@"
	count "$name" "$log" $?
}

pass_p=0 pass_f=0 pass_s=0

ONLY="$*"
[ -n "$ONLY" ] && FUZZ_BUILD=/nonexistent
for t in "$BUILD"/tests/test_*; do
	[ -z "$ONLY" ] || break
	[ -x "$t" ] || continue
	run_suite "unit/$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
done
for t in "$SAN_BUILD"/tests/test_*; do
	[ -z "$ONLY" ] || break
	[ -x "$t" ] || continue
	run_suite "asan+ubsan/$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 "$t"
done
for t in ${ONLY:-tests/*/test_*.sh}; do
	[ -f "$t" ] || continue
	run_suite "${t#tests/}" sh "$t"
done

# The sanitizer pass: the same suites, the programs built with ASan+UBSan.
# ASan's reports (leaks included) go to files, since a screen in tmux or a
# depot in the background has no stderr anyone reads; any report fails the
# suite that caused it.  UBSan ignores log_path here, but the build stops the
# program at its first finding (-fno-sanitize-recover), which the suite sees.
san_summary=
if [ -x "$SAN_BUILD/fieldcheck" ] && [ -x "$SAN_BUILD/fieldcheck-sync" ] &&
    [ -x "$SAN_BUILD/fieldcheck-depot" ]; then
	pass_p=0 pass_f=0 pass_s=0
	for t in $SAN_SUITES; do
		reports="$RUN_TMP/san-$(echo "$t" | tr '/' '_')"
		mkdir -p "$reports"
		log="$LOGS/asan+ubsan_$(echo "$t" | tr '/' '_').log"
		timed "$log" env BUILD="$SAN_BUILD" \
			ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$reports/asan" \
			UBSAN_OPTIONS="print_stacktrace=1" sh "tests/$t"
		st=$?
		for r in "$reports"/*; do
			[ -f "$r" ] || continue
			echo "not ok - $t: a sanitizer report, $(basename "$r"):" >> "$log"
			sed 's/^/# /' "$r" >> "$log"
		done
		count "asan+ubsan/$t" "$log" "$st"
	done
	san_summary="sanitizer pass ($SAN_BUILD): $pass_p passed, $pass_f failed, $pass_s skipped"
else
	echo "not ok - the sanitizer programs are not built in $SAN_BUILD" > "$LOGS/asan+ubsan.log"
	count "asan+ubsan/programs" "$LOGS/asan+ubsan.log" 1
fi
for f in "$FUZZ_BUILD"/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	corpus=$(mktemp -d)
	[ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$corpus/"
	log="$LOGS/fuzz_$name.log"
	"$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 "$corpus" > "$log" 2>&1 < /dev/null
	st=$?
	rm -rf "$corpus"
	if [ "$st" -eq 0 ]; then echo "ok - $name ran ${FUZZ_SECONDS}s without a finding" >> "$log"
	else echo "not ok - $name found a crash (see $log)" >> "$log"; fi
	count "fuzz/$name" "$log" 0
done

[ -n "$san_summary" ] && echo "$san_summary"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
