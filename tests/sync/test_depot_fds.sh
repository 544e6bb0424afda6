#!/bin/sh
# A depot out of descriptors: a connection the guard cannot dup() (so could
# never end) is ended at once with a logged reason, not left to escape every
# deadline; and once the peers let go, the depot answers again.  The depot runs
# under a low RLIMIT_NOFILE (prlimit); which limit makes the last descriptor
# land on the guard's dup() rather than on accept() depends on the depot's
# threads, so a range of limits is tried until one does.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

# hold PORT N: opens up to N connections that send nothing, holding them; prints
# "ended at once" for one the depot closes at once (0.3 s) after its accept.
cat > "$SCRATCH/hold.py" <<'PY'
import socket, sys
port, n, held = int(sys.argv[1]), int(sys.argv[2]), []
for i in range(n):
    s = socket.socket()
    s.settimeout(0.3)
    try:
        s.connect(("127.0.0.1", port))
        if s.recv(1) == b"":
            print("ended at once", flush=True)
            break
    except socket.timeout:
        pass
    except OSError:
        print("ended at once", flush=True)
        break
    held.append(s)
PY

depot_init
hit=
for limit in $(seq 46 70); do
	PORT=0
	_from=1
	[ -f "$DEPOT_LOG" ] && _from=$(($(wc -l < "$DEPOT_LOG") + 1))
	prlimit --nofile="$limit" "$DEPOT" --db "$DEPOT_DB" serve --listen "127.0.0.1:0" \
		--per-address 200 --max-connections 200 >> "$DEPOT_LOG" 2>&1 &
	DEPOT_PID=$!
	if PORT=$(wait_port "$DEPOT_LOG" "$_from") && wait_for 10 health "$PORT"; then
		python3 "$SCRATCH/hold.py" "$PORT" 40 > "$SCRATCH/hold.out"
		if grep -q "ended at once" "$SCRATCH/hold.out"; then
			hit=$limit
			break
		fi
	fi
	depot_stop
done
check "at some descriptor limit, a connection the guard cannot follow is ended at once" \
	test -n "$hit"
check "with the reason in the depot's log" grep -q "the guard cannot follow it (dup: " "$DEPOT_LOG"
check "the peers gone, the depot answers again" wait_for 10 health "$PORT"
depot_stop
