#!/bin/sh
# Runs every benchmark script bench/bench_*.sh.  Each prints one line per
# figure with its anchor measured in the same run, e.g.
#   store.save_durable: 2.10 ms  anchor sqlite3 CLI 1.90 ms  ratio 1.11  goal <= 1.5  MET
set -u
: "${BUILD:=build}"
export BUILD
cd "$(dirname "$0")/.." || exit 1
status=0
for b in bench/bench_*.sh; do
	[ -f "$b" ] || continue
	sh "$b" || status=1
done
exit $status
