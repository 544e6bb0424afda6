#!/bin/sh
# Runs every suite and ends with one line: N passed, N failed, N skipped.
#
#   unit tests (cmocka, TAP output), built normally and under ASan+UBSan
#   shell suites tests/*/test_*.sh (real SQLite files, gpsd, depot, tmux)
#   fuzzers tests/fuzz/fuzz_* for FUZZ_SECONDS each
#
# Every suite's full output is kept under $BUILD/test-logs/.
set -u
: "${BUILD:=build}" "${SAN_BUILD:=build-san}" "${FUZZ_BUILD:=$BUILD/fuzz}" "${FUZZ_SECONDS:=30}"
export BUILD
cd "$(dirname "$0")/.." || exit 1
LOGS="$BUILD/test-logs"
rm -rf "$LOGS"
mkdir -p "$LOGS"
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
	printf '%-44s %4d passed %3d failed %3d skipped\n' "$1" "$p" "$f" "$s"
	grep -E '^not ok|# SKIP' "$2" | sed 's/^/    /'
}

run_suite() {
	name=$1
	shift
	log="$LOGS/$(echo "$name" | tr '/ ' '__').log"
	"$@" > "$log" 2>&1 < /dev/null
	count "$name" "$log" $?
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_suite "unit/$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
done
for t in "$SAN_BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_suite "asan+ubsan/$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 "$t"
done
for t in tests/*/test_*.sh; do
	[ -f "$t" ] || continue
	run_suite "${t#tests/}" sh "$t"
done
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

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
