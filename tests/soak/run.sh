#!/bin/sh
# make soak: every tests/soak/soak_*.sh, the long runs kept out of make
# check.  Each prints its figures as lines like the benchmarks'.
set -u
: "${BUILD:=build}"
export BUILD
cd "$(dirname "$0")/../.." || exit 1
status=0
for s in tests/soak/soak_*.sh; do
	[ -f "$s" ] || continue
	sh "$s" || status=1
done
exit $status
