#!/bin/sh
# Installs the Debian 12 packages fieldcheck needs to build, test and demo,
# but only those that are missing, so a second run costs nothing and never
# touches the network.  Run as root (CI and a fresh machine are); as anyone
# else it only reports what is missing.
set -eu

# Build: compiler, pkg-config and the -dev package of every library.
# Test-only: cmocka, clang (libFuzzer), gpsd + gpsfake, tmux, gdal-bin, jq, sqlite3,
# curl, openssl (a throwaway city CA for the HTTPS tests), libjpeg-turbo-progs
# (djpeg and cjpeg: the photo benchmark's anchor), faketime (replays of
# receiver logs recorded in other years; the golden screens' pinned clock),
# mandoc (checks the manual pages), postgresql (a private PostgreSQL 15
# server for the PostgreSQL depot's tests, tests/pg.sh).
PACKAGES="
build-essential pkg-config
libncurses-dev libsqlite3-dev libgps-dev zlib1g-dev libcurl4-openssl-dev
libmicrohttpd-dev libjansson-dev libsodium-dev libpcre2-dev libjpeg62-turbo-dev libpng-dev libexif-dev
libchafa-dev libglib2.0-dev libpq-dev
libcmocka-dev clang libclang-rt-14-dev
gpsd gpsd-clients python3-gps tmux gdal-bin jq sqlite3 python3 procps ca-certificates htop
curl openssl libjpeg-turbo-progs faketime mandoc postgresql
"

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing" >&2
	echo "deps.sh: run 'sudo scripts/deps.sh' (or install them) first" >&2
	exit 1
fi

echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# gpsd's package starts a system daemon on 2947; the tests never use that port,
# and policy-rc.d keeps the package from starting services on install.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
