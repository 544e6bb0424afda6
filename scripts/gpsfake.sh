# gpsfake.sh — a simulated GPS receiver for tests and `make demo` (sourced, POSIX sh).
#
#   . scripts/gpsfake.sh
#   gpsfake_start LOG [CYCLE [EXTRA_GPSFAKE_FLAGS...]] || exit 1
#   ... $GPSFAKE_PORT, $GPSFAKE_PID, $GPSFAKE_GPSD_PID ...
#   gpsfake_stop
#
# gpsfake (Debian package gpsd-clients/python3-gps) starts a real gpsd on a
# pseudo-terminal and feeds it LOG.  It is started on a free private port
# (never 2947, which Debian's gpsd socket may own) with -W 2, -q, and -c CYCLE
# (seconds between sentences; default 0.167, about one epoch of the 4-6 sentence
# patrol log per second).  The log is replayed in a loop unless the extra
# flags contain -1.  gpsd only starts reading the log when a client watches.
#
# A text NMEA log is replayed with its dates (RMC, ZDA) moved to today (UTC),
# keeping the time of day and the checksums right: fieldcheck refuses a fix
# time more than a year from the system clock, and tests/data/patrol.log is
# dated 2026-11-24.  GPSFAKE_KEEP_DATES=1 replays the log as it is (binary
# logs always are).
#
# gpsfake runs gpsd as its child; gpsfake_stop kills both by PID (gpsfake
# first, then the gpsd it left behind) and waits for them, so nothing is
# left listening, and removes gpsd's control socket $TMPDIR/gpsfake-PID.sock.  GPSFAKE_LOG names a file for gpsfake's own output
# (default /dev/null).
#
# gpsfake needs /usr/bin/python3 with the gps module: PATH may put another
# python3 first, so it is run by that interpreter explicitly.

GPSFAKE_PID=
GPSFAKE_GPSD_PID=
GPSFAKE_PORT=
_GPSFAKE_DATED=

# _gpsfake_today LOG OUT: writes LOG to OUT with every RMC and ZDA date moved
# by the days from the log's first date to today; fails for a binary log or
# one without dates.
_gpsfake_today() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import datetime, functools, sys
try:
    lines = open(sys.argv[1], encoding="ascii", newline="").read().split("\n")
except (UnicodeDecodeError, ValueError):
    sys.exit(1)

def date_of(f):
    try:
        if f[0][2:] == "RMC" and len(f) > 9 and len(f[9]) == 6:
            d = f[9]
            return datetime.date(2000 + int(d[4:6]), int(d[2:4]), int(d[0:2]))
        if f[0][2:] == "ZDA" and len(f) > 4 and f[4]:
            return datetime.date(int(f[4]), int(f[3]), int(f[2]))
    except ValueError:
        pass
    return None

def split(line):
    body, star, rest = line.rstrip("\r").partition("*")
    return (body[1:].split(","), star + rest) if line.startswith("$") else (None, None)

first = next((d for d in (date_of(split(l)[0]) for l in lines if split(l)[0]) if d), None)
if first is None:
    sys.exit(1)
shift = datetime.datetime.now(datetime.timezone.utc).date() - first
out = []
for line in lines:
    f, tail = split(line)
    d = date_of(f) if f else None
    if d is not None:
        d += shift
        if f[0][2:] == "RMC":
            f[9] = d.strftime("%d%m%y")
        else:
            f[2:5] = [d.strftime("%d"), d.strftime("%m"), d.strftime("%Y")]
        body = ",".join(f)
        if tail.startswith("*"):
            tail = "*%02X" % functools.reduce(lambda a, c: a ^ ord(c), body, 0)
        line = "$" + body + tail + ("\r" if line.endswith("\r") else "")
    out.append(line)
open(sys.argv[2], "w", encoding="ascii", newline="").write("\n".join(out))
PY
}

# _gpsfake_port_open PORT: something accepts connections on 127.0.0.1:PORT.
_gpsfake_port_open() {
	/usr/bin/python3 -c '
import socket, sys
s = socket.socket()
s.settimeout(0.5)
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
' "$1"
}

_gpsfake_free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# gpsfake_start LOG [CYCLE [FLAGS...]]: returns 0 once the port accepts.
gpsfake_start() {
	_log=$1
	_cycle=${2:-0.167}
	[ $# -ge 2 ] && shift 2 || shift $#
	if [ ! -x /usr/bin/gpsfake ] || [ ! -x /usr/sbin/gpsd ]; then
		echo "gpsfake_start: gpsfake or gpsd is not installed (apt-get install gpsd gpsd-clients python3-gps)" >&2
		return 1
	fi
	if [ ! -r "$_log" ]; then
		echo "gpsfake_start: cannot read $_log" >&2
		return 1
	fi
	if [ -z "${GPSFAKE_KEEP_DATES:-}" ]; then
		_GPSFAKE_DATED=$(mktemp "${TMPDIR:-/tmp}/gpsfake.XXXXXX")
		if _gpsfake_today "$_log" "$_GPSFAKE_DATED"; then
			_log=$_GPSFAKE_DATED
		fi
	fi
	_tries=0
	while [ "$_tries" -lt 5 ]; do
		_tries=$((_tries + 1))
		GPSFAKE_PORT=${GPSFAKE_WANT_PORT:-$(_gpsfake_free_port)}
		[ "$GPSFAKE_PORT" = 2947 ] && continue
		/usr/bin/python3 /usr/bin/gpsfake -P "$GPSFAKE_PORT" -W 2 -q -c "$_cycle" "$@" "$_log" \
			>> "${GPSFAKE_LOG:-/dev/null}" 2>&1 < /dev/null &
		GPSFAKE_PID=$!
		_i=0
		while [ "$_i" -lt 200 ]; do          # up to 10 s, checked every 50 ms
			if ! kill -0 "$GPSFAKE_PID" 2>/dev/null; then
				break
			fi
			if _gpsfake_port_open "$GPSFAKE_PORT"; then
				GPSFAKE_GPSD_PID=$(ps -o pid= --ppid "$GPSFAKE_PID" | tr -d ' ' | head -n 1)
				return 0
			fi
			sleep 0.05
			_i=$((_i + 1))
		done
		gpsfake_stop
		[ -n "${GPSFAKE_WANT_PORT:-}" ] && break   # a fixed port: no point retrying
	done
	echo "gpsfake_start: gpsfake did not start listening" >&2
	return 1
}

# gpsfake_kill_gpsd: kills only the gpsd child (simulates gpsd dying); gpsfake
# stays, so callers normally follow with gpsfake_stop.
gpsfake_kill_gpsd() {
	[ -n "$GPSFAKE_GPSD_PID" ] && kill -9 "$GPSFAKE_GPSD_PID" 2>/dev/null
	return 0
}

# gpsfake_stop: kills gpsfake and its gpsd by PID and waits until both are gone.
gpsfake_stop() {
	if [ -n "$GPSFAKE_PID" ]; then
		[ -z "$GPSFAKE_GPSD_PID" ] &&
			GPSFAKE_GPSD_PID=$(ps -o pid= --ppid "$GPSFAKE_PID" 2>/dev/null | tr -d ' ' | head -n 1)
		kill "$GPSFAKE_PID" 2>/dev/null
	fi
	if [ -n "$GPSFAKE_GPSD_PID" ]; then
		kill "$GPSFAKE_GPSD_PID" 2>/dev/null
	fi
	_i=0
	while [ "$_i" -lt 100 ]; do
		_alive=
		[ -n "$GPSFAKE_PID" ] && kill -0 "$GPSFAKE_PID" 2>/dev/null && _alive=1
		[ -n "$GPSFAKE_GPSD_PID" ] && kill -0 "$GPSFAKE_GPSD_PID" 2>/dev/null && _alive=1
		[ -z "$_alive" ] && break
		sleep 0.05
		_i=$((_i + 1))
	done
	[ -n "$GPSFAKE_PID" ] && kill -9 "$GPSFAKE_PID" 2>/dev/null
	[ -n "$GPSFAKE_GPSD_PID" ] && kill -9 "$GPSFAKE_GPSD_PID" 2>/dev/null
	[ -n "$GPSFAKE_PID" ] && wait "$GPSFAKE_PID" 2>/dev/null
	# Killed, gpsfake cannot remove its gpsd's control socket: remove it here.
	[ -n "$GPSFAKE_PID" ] && rm -f "${TMPDIR:-/tmp}/gpsfake-$GPSFAKE_PID.sock"
	GPSFAKE_PID=
	GPSFAKE_GPSD_PID=
	[ -n "$_GPSFAKE_DATED" ] && rm -f "$_GPSFAKE_DATED"
	_GPSFAKE_DATED=
	return 0
}
