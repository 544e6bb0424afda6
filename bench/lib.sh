# Helpers shared by the benchmark scripts (sourced; bench/run.sh runs only bench_*.sh).

# port_of LOG: waits (up to 10 s) for LOG's "listening on 127.0.0.1:PORT" line; prints PORT.
port_of() {
	_i=0
	while [ $_i -lt 200 ]; do
		_p=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$1" 2>/dev/null | head -n 1)
		[ -n "$_p" ] && { echo "$_p"; return 0; }
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}
