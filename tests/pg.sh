# A real PostgreSQL 15 for a suite (sourced after tests/lib.sh, POSIX sh).
#
#   pg_start          initdb into $SCRATCH/pg as an unprivileged user, start it
#                     listening only on a Unix socket in that directory (no TCP
#                     port), create the database fc; sets PG_DIR, PG_USER and
#                     PG_URI (postgresql:///fc?host=...&user=...).  Stopped at
#                     exit, even when the suite fails.
#   pg_stop_now       pg_ctl stop -m immediate (the postmaster and its backends
#                     die at once, as in a crash)
#   pg_restart        starts the same cluster again and waits until it answers
#   pg_psql SQL       runs SQL in fc as the cluster's owner (psql -At)
#
# PostgreSQL refuses to run as root, and tests and CI run as root: the server
# runs as the system user fieldcheck-pg (created when missing), or as the
# current user when that is not root.  A suite that cannot have it skips
# (fails under CI=true: scripts/deps.sh installs postgresql).

PG_BIN=/usr/lib/postgresql/15/bin
PG_DIR=
PG_USER=
PG_URI=

# _pg_as CMD...: CMD as the cluster's owner.
_pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		su -s /bin/sh "$PG_USER" -c 'exec "$0" "$@"' -- "$@"
	else
		"$@"
	fi
}

_pg_ready() { _pg_as "$PG_BIN/pg_isready" -q -h "$PG_DIR" -d postgres; }

# need_pg SUITE: ends the suite (skip; failure under CI=true) without PostgreSQL 15.
need_pg() {
	if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
		skip "$1" "postgresql (15) is not installed"
		[ "${CI:-}" = true ] && exit 1
		exit 0
	fi
}

_pg_user_added() {
	id "$PG_USER" >/dev/null 2>&1 ||
		useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER" 2>/dev/null
	id "$PG_USER" >/dev/null 2>&1
}

pg_start() {
	if [ "$(id -u)" -eq 0 ]; then
		PG_USER=fieldcheck-pg
		# Two suites at once may both add it: useradd then fails on
		# /etc/passwd's lock until the other has written it.
		wait_for 10 _pg_user_added || return 1
	else
		PG_USER=$(id -un)
	fi
	# The socket path must stay under 107 bytes: a short directory of its own.
	PG_DIR=$(mktemp -d /tmp/fc-pg.XXXXXX) || return 1
	at_exit "rm -rf '$PG_DIR'"
	chmod 755 "$PG_DIR"
	[ "$(id -u)" -eq 0 ] && chown "$PG_USER" "$PG_DIR"
	# The suite's scratch directory is root's: the server runs in its own.
	_pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$PG_USER" -A trust -E UTF8 --locale=C.UTF-8 \
		> "$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
	at_exit "_pg_as '$PG_BIN/pg_ctl' -D '$PG_DIR/data' stop -m immediate >/dev/null 2>&1 || true"
	pg_restart || return 1
	_pg_as "$PG_BIN/createdb" -h "$PG_DIR" fc || return 1
	PG_URI="postgresql:///fc?host=$PG_DIR&user=$PG_USER"
	export PG_URI
}

pg_restart() {
	_pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories='$PG_DIR' -c fsync=on" start \
		> /dev/null || { tail -n 20 "$PG_DIR/server.log" >&2; return 1; }
	wait_for 60 _pg_ready
}

pg_stop_now() { _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" stop -m immediate > /dev/null 2>&1; }

pg_psql() { _pg_as "$PG_BIN/psql" -X -q -At -h "$PG_DIR" -d fc -v ON_ERROR_STOP=1 -c "$1"; }
