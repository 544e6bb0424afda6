# Helpers shared by the sync suites (sourced after ../lib.sh).
#
#   depot_init            a depot database in $SCRATCH with device hh1; token in $TOKEN
#   depot_start [ARGS]    serves it on $PORT, or on a port it picks when PORT is 0
#                         (then sets PORT from the depot's "listening on" line);
#                         waits for /v1/health
#   depot_stop / depot_kill
#   make_records DB N [DEVICE]  N road records of DEVICE (default hh1) made with `fieldcheck record add`
#   sync_to URL [ARGS]    fieldcheck sync for the handheld $HH against URL
#   answers DB            every record as "uuid<TAB>answers-json", sorted

NETFAULT="$TOP/tests/sync/netfault.py"
FORMS="$TOP/forms/checklists"
DEPOT_DB="$SCRATCH/depot.db"
HH="$SCRATCH/hh.db"
TOKEN="$SCRATCH/token"
DEPOT_LOG="$SCRATCH/depot.log"
DEPOT_PID=
export XDG_CONFIG_HOME="$SCRATCH/config"   # no user configuration leaks in
# A handheld stamps its records with its configured device, which must be the
# name its token has at the depot (the depot refuses another device's records).
mkdir -p "$XDG_CONFIG_HOME/fieldcheck"
printf 'device = hh1\n' > "$XDG_CONFIG_HOME/fieldcheck/config"

depot_init() {
	"$DEPOT" --db "$DEPOT_DB" device add hh1 > "$TOKEN" || return 1
	chmod 600 "$TOKEN"
	PORT=0
}

health() { curl -sf --max-time 1 "http://127.0.0.1:$1/v1/health" | grep -q fieldcheck-depot; }

# depot_serve [ARGS]: starts the depot on $PORT in the background; when PORT
# is 0, waits for the port it bound and sets PORT to it.
depot_serve() {
	_from=1
	[ -f "$DEPOT_LOG" ] && _from=$(($(wc -l < "$DEPOT_LOG") + 1))
	"$DEPOT" --db "$DEPOT_DB" serve --listen "127.0.0.1:$PORT" "$@" >> "$DEPOT_LOG" 2>&1 &
	DEPOT_PID=$!
	[ "$PORT" != 0 ] && return 0
	PORT=$(wait_port "$DEPOT_LOG" "$_from") || { PORT=0; return 1; }
}

depot_start() { depot_serve "$@" && wait_for 10 health "$PORT"; }

depot_stop() {
	[ -n "$DEPOT_PID" ] || return 0
	kill -TERM "$DEPOT_PID" 2>/dev/null
	wait "$DEPOT_PID" 2>/dev/null
	DEPOT_PID=
}

depot_kill() {
	[ -n "$DEPOT_PID" ] || return 0
	kill -KILL "$DEPOT_PID" 2>/dev/null
	wait "$DEPOT_PID" 2>/dev/null
	DEPOT_PID=
}
at_exit 'depot_kill'

# make_records DB N [DEVICE]: N varied road inspections, each a real `record add`
# on a handheld configured as DEVICE (default hh1), whatever the suite's configuration says.
make_records() {
	_db=$1 _n=$2 _i=1 _dev=${3:-hh1}
	mkdir -p "$SCRATCH/device-$_dev/fieldcheck"
	printf 'device = %s\n' "$_dev" > "$SCRATCH/device-$_dev/fieldcheck/config"
	while [ "$_i" -le "$_n" ]; do
		case $((_i % 3)) in
		0) set -- pothole=severe pothole_count=$((_i % 40 + 1)) \
			"pothole_note=坑槽 $_i, 深约 8 cm" ;;
		1) set -- subsidence=none pothole=none ;;
		*) set -- markings=minor "markings_note=line \"faded\" #$_i" ;;
		esac
		XDG_CONFIG_HOME="$SCRATCH/device-$_dev" "$FIELDCHECK" --db "$_db" --forms "$FORMS" record add --form road --inspector alice \
			--at "31.2$((_i % 10)),121.4$((_i % 7)),5" "asset_id=R-$_i" road_class=arterial \
			condition=fair "$@" > /dev/null || return 1
		_i=$((_i + 1))
	done
}

sync_to() {
	_url=$1
	shift
	"$FIELDCHECK" --db "$HH" sync --server "$_url" --device hh1 --token-file "$TOKEN" "$@"
}

answers() {
	"$FIELDCHECK" --db "$1" list --json |
		python3 -c 'import json,sys
rows=[json.loads(l) for l in sys.stdin]
for r in sorted(rows, key=lambda r: r["uuid"]):
    print(r["uuid"] + "\t" + json.dumps(r["answers"], ensure_ascii=False, sort_keys=False))'
}

queued() { "$FIELDCHECK" --db "$HH" sync --status | sed -n 's/^queued //p'; }
depot_count() { "$FIELDCHECK" --db "$DEPOT_DB" list | wc -l | tr -d ' '; }
depot_unique() { "$FIELDCHECK" --db "$DEPOT_DB" list | cut -f1 | sort -u | wc -l | tr -d ' '; }

# through_slow_link RATE ERRFILE SYNC_ARGS...: one fieldcheck sync of $HH
# through an uplink of RATE bytes per second (netfault.py --rate-up) to the
# running depot; stderr to ERRFILE; returns sync's status.
through_slow_link() {
	_rate=$1 _err=$2
	shift 2
	_px=$(free_port)
	python3 "$NETFAULT" proxy "$_px" "$PORT" --rate-up "$_rate" > /dev/null &
	_pxpid=$!
	wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $_px))"
	sync_to "http://127.0.0.1:$_px" "$@" > /dev/null 2> "$_err"
	_st=$?
	kill "$_pxpid" 2>/dev/null
	wait "$_pxpid" 2>/dev/null
	return "$_st"
}
