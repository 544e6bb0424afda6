#!/bin/sh
# Files fieldcheck must refuse without touching them: not SQLite, a
# truncated database, a newer schema and a read-only database.  Each gives a
# clear error and a non-zero exit, and is byte-for-byte unchanged afterwards.
. "$(dirname "$0")/../lib.sh"
WRITER="$TOP/$BUILD/tools/store_writer"

# refused NAME FILE EXPECTED_TEXT [COMMAND PREFIX...]
refused() {
	name=$1 file=$2 text=$3
	shift 3
	before=$(sha256sum "$file")
	"$@" "$FIELDCHECK" --db "$file" list > "$SCRATCH/out" 2> "$SCRATCH/err"
	status=$?
	after=$(sha256sum "$file")
	check "$name: exits non-zero ($status)" [ "$status" -ne 0 ]
	if grep -q "$text" "$SCRATCH/err"; then ok "$name: says '$text'"
	else not_ok "$name: says '$text' (it said: $(cat "$SCRATCH/err"))"; fi
	check "$name: file left untouched" [ "$before" = "$after" ]
	check "$name: no WAL or journal created beside it" sh -c '[ ! -e "$1-wal" ] && [ ! -e "$1-journal" ]' _ "$file"
}

head -c 65536 /dev/urandom > "$SCRATCH/random.db"
refused "random bytes" "$SCRATCH/random.db" "not a fieldcheck database"

printf 'inspector,asset\nwang,R-1\n' > "$SCRATCH/text.db"
refused "a CSV file" "$SCRATCH/text.db" "not a fieldcheck database"

"$WRITER" write "$SCRATCH/full.db" 300 > /dev/null
size=$(stat -c %s "$SCRATCH/full.db")
head -c $((size / 2)) "$SCRATCH/full.db" > "$SCRATCH/truncated.db"
refused "a truncated database" "$SCRATCH/truncated.db" "truncated"

sqlite3 "$SCRATCH/newer.db" "PRAGMA application_id = 1178815281; PRAGMA user_version = 99; CREATE TABLE records(x);"
refused "a newer schema" "$SCRATCH/newer.db" "newer fieldcheck"

sqlite3 "$SCRATCH/foreign.db" "CREATE TABLE photos(x); INSERT INTO photos VALUES (1);"
refused "another program's SQLite database" "$SCRATCH/foreign.db" "not a fieldcheck one"

# Read-only: root ignores file modes, so the check runs as nobody.
"$WRITER" write "$SCRATCH/ro.db" 5 > /dev/null
chmod 755 "$SCRATCH"
chmod 444 "$SCRATCH/ro.db"
if [ "$(id -u)" -eq 0 ]; then
	refused "a read-only database" "$SCRATCH/ro.db" "read-only" setpriv --reuid=65534 --regid=65534 --clear-groups
elif [ -w "$SCRATCH/ro.db" ]; then
	skip "a read-only database" "cannot make a file read-only for this user"
else
	refused "a read-only database" "$SCRATCH/ro.db" "read-only"
fi

# And a good database still lists, so the refusals above are not a blanket failure.
"$FIELDCHECK" --db "$SCRATCH/full.db" list > "$SCRATCH/out"
check "a sound database lists its 300 records" [ "$(wc -l < "$SCRATCH/out")" -eq 300 ]
