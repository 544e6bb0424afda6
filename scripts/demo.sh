#!/bin/sh
# make demo: the inspector's screen on the built-in checklists, with a
# simulated GPS replaying the bundled patrol walk (tests/data/patrol.log).
#
# The database and configuration live in a fresh temporary directory (set
# FIELDCHECK_DEMO_DIR to keep them somewhere else); gpsfake runs on a
# private port and is stopped when the screen is left, however it is left.
set -u
: "${BUILD:=build}"
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
. "$TOP/scripts/gpsfake.sh"

if [ ! -x "$BUILD/fieldcheck" ]; then
	echo "demo: $BUILD/fieldcheck is not built (run 'make')" >&2
	exit 1
fi
if [ ! -t 0 ] || [ ! -t 1 ]; then
	echo "demo: run 'make demo' in a terminal" >&2
	exit 1
fi

DIR=${FIELDCHECK_DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/fieldcheck-demo.XXXXXX")}
mkdir -p "$DIR/config"
export XDG_CONFIG_HOME="$DIR/config"
LANG=${LANG:-C.UTF-8}
case "$LANG" in *UTF-8*|*utf8*) ;; *) LANG=C.UTF-8 ;; esac
export LANG

cleanup() { gpsfake_stop; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

echo "demo: starting gpsfake with the patrol walk..." >&2
GPSFAKE_LOG="$DIR/gpsfake.log"
export GPSFAKE_LOG
if ! gpsfake_start "$TOP/tests/data/patrol.log"; then
	echo "demo: gpsfake did not start (see $DIR/gpsfake.log); running without GPS" >&2
	GPSD=none
else
	GPSD="127.0.0.1:$GPSFAKE_PORT"
fi
echo "demo: database $DIR/demo.db, GPS $GPSD" >&2

"$TOP/$BUILD/fieldcheck" --db "$DIR/demo.db" --forms "$TOP/forms/checklists" --gpsd "$GPSD" \
	--inspector "${FIELDCHECK_INSPECTOR:-demo-inspector}" ${FIELDCHECK_LANG:+--lang "$FIELDCHECK_LANG"}
status=$?
echo "demo: the records stay in $DIR/demo.db ('$BUILD/fieldcheck --db $DIR/demo.db list')" >&2
exit $status
