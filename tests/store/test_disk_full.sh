#!/bin/sh
# Disk full: on a tiny filesystem the save fails with a clear message, and
# every record saved before it is intact.  Needs a small tmpfs (root) or a
# loop device; skips with the reason otherwise.
. "$(dirname "$0")/../lib.sh"
WRITER="$TOP/$BUILD/tools/store_writer"
small_disk 2m

"$WRITER" write "$TINY/full.db" > "$SCRATCH/printed" 2> "$SCRATCH/err"
status=$?
saved=$(grep -c . "$SCRATCH/printed")
check "the writer stops with an error when the disk fills (exit $status)" [ "$status" -ne 0 ]
if grep -q "disk is full" "$SCRATCH/err"; then ok "the error says the disk is full"
else not_ok "the error says the disk is full (it said: $(cat "$SCRATCH/err"))"; fi
check "records were saved before the disk filled ($saved)" [ "$saved" -gt 10 ]
if "$WRITER" verify "$TINY/full.db" "$SCRATCH/printed" > "$SCRATCH/verify" 2>&1; then
	ok "all $saved records saved before the failure are intact ($(cat "$SCRATCH/verify"))"
else
	not_ok "records saved before the failure are intact: $(cat "$SCRATCH/verify")"
fi
