#!/bin/sh
# bench_gps.sh — CPU used by `fieldcheck gps` following a 1 Hz gpsd feed,
# against `gpspipe -w` following the same gpsd at the same time.
#
# One gpsfake replays tests/data/patrol.log at about one epoch per second
# (-c 0.167 s between sentences; a 3D epoch is 6 sentences).  Both clients
# connect to that gpsd; after a 2 s warm-up (process start and dynamic
# linking are not "following the feed") their CPU time is read from
# /proc/PID/schedstat (nanoseconds on the CPU) and again GPS_BENCH_SECONDS
# later (default 60, the issue's figure).  Output of both goes to /dev/null.
#
# Figures (one line each):
#   gps.follow_cpu   fieldcheck's CPU over the window vs gpspipe's; goal <= 1.5x
#   gps.core_share   fieldcheck's CPU as a share of one core; goal < 0.5 %
set -u
: "${BUILD:=build}" "${GPS_BENCH_SECONDS:=60}"
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
FIELDCHECK="$TOP/$BUILD/fieldcheck"
. "$TOP/scripts/gpsfake.sh"

if [ ! -x /usr/bin/gpsfake ] || ! command -v gpspipe > /dev/null; then
	echo "gps.follow_cpu: FAILED: gpsfake or the anchor gpspipe is not installed (scripts/deps.sh installs gpsd-clients)"
	exit 1
fi
if [ ! -x "$FIELDCHECK" ]; then
	echo "gps.follow_cpu: FAILED ($FIELDCHECK not built)"
	exit 1
fi

fc= gp=
cleanup() {
	[ -n "$fc" ] && kill "$fc" 2>/dev/null
	[ -n "$gp" ] && kill "$gp" 2>/dev/null
	gpsfake_stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# cpu_ns PID: nanoseconds PID has run on a CPU so far.
cpu_ns() { cut -d' ' -f1 "/proc/$1/schedstat"; }

if ! gpsfake_start "$TOP/tests/data/patrol.log" 0.167; then
	echo "gps.follow_cpu: FAILED: gpsfake did not start"
	exit 1
fi
"$FIELDCHECK" gps --gpsd "127.0.0.1:$GPSFAKE_PORT" > /dev/null 2>&1 &
fc=$!
gpspipe -w "127.0.0.1:$GPSFAKE_PORT" > /dev/null 2>&1 &
gp=$!
sleep 2   # warm-up: a fixed interval is the measurement itself here, not a wait for a condition
if ! kill -0 "$fc" 2>/dev/null || ! kill -0 "$gp" 2>/dev/null; then
	echo "gps.follow_cpu: FAILED (a client exited early)"
	exit 1
fi
fc0=$(cpu_ns "$fc") gp0=$(cpu_ns "$gp")
sleep "$GPS_BENCH_SECONDS"
fc1=$(cpu_ns "$fc") gp1=$(cpu_ns "$gp")

awk -v f0="$fc0" -v f1="$fc1" -v g0="$gp0" -v g1="$gp1" -v s="$GPS_BENCH_SECONDS" 'BEGIN {
	f = (f1 - f0) / 1e6; g = (g1 - g0) / 1e6          # milliseconds of CPU
	r = g > 0 ? f / g : 0
	printf "gps.follow_cpu: %.1f ms CPU in %d s  anchor gpspipe -w %.1f ms  ratio %.2f  goal <= 1.5  %s\n",
	    f, s, g, r, (g > 0 && r <= 1.5) ? "MET" : "MISSED"
	fs = f / (s * 1000) * 100; gs = g / (s * 1000) * 100
	printf "gps.core_share: %.3f %% of one core  anchor gpspipe -w %.3f %%  ratio %.2f  goal < 0.5 %%  %s\n",
	    fs, gs, r, fs < 0.5 ? "MET" : "MISSED"
}'
