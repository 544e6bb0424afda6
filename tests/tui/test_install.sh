#!/bin/sh
# Installed like any Debian tool: the manual pages pass `mandoc -Tlint`,
# `make install` puts programs, checklists and manual pages under PREFIX,
# and the program finds its checklists from any working directory, in the
# source tree and installed.
set -u
. "$(dirname "$0")/../lib.sh"

for page in "$TOP"/man/*.[158]; do
	check "$(basename "$page"): mandoc -Tlint finds nothing to warn about" \
		mandoc -Tlint -W warning "$page"
done

# From a directory with no checklists in sight.
cd "$SCRATCH" || exit 1
check "build/fieldcheck finds the source tree's checklists from elsewhere" \
	sh -c "'$FIELDCHECK' --db '$SCRATCH/a.db' forms list | grep -q road"

DEST="$SCRATCH/dest"
check "make install into DESTDIR" \
	make -s -C "$TOP" BUILD="$BUILD" PREFIX=/opt/fc DESTDIR="$DEST" install
for f in bin/fieldcheck bin/fieldcheck-sync bin/fieldcheck-depot bin/fieldcheck-push \
	share/fieldcheck/checklists/road.csv share/fieldcheck/codes.csv share/man/man1/fieldcheck-push.1 \
	share/man/man1/fieldcheck.1 share/man/man1/fieldcheck-sync.1 share/man/man5/fieldcheck-forms.5 \
	share/man/man8/fieldcheck-depot.8; do
	check "installed: PREFIX/$f" test -f "$DEST/opt/fc/$f"
done
# Moved as a whole (DESTDIR is such a move): checklists are found beside the program.
check "the installed program finds PREFIX/share/fieldcheck/checklists" \
	sh -c "'$DEST/opt/fc/bin/fieldcheck' --db '$SCRATCH/b.db' forms list | grep -q bridge"
check "man finds the installed page" sh -c "MANPATH='$DEST/opt/fc/share/man' man -w fieldcheck-forms | grep -q man5"
