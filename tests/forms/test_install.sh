#!/bin/sh
# make install, as a packager and an administrator run it: the programs and
# the built-in checklists land under PREFIX (and under DESTDIR when staging),
# and the installed fieldcheck, run from anywhere, finds the installed
# checklists and its fieldcheck-sync beside it.  A build of its own (-O0, in
# the scratch directory), since PREFIX is compiled in.
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 1
P="$SCRATCH/prefix"
B="$SCRATCH/build"

make -s --no-print-directory BUILD="$B" PREFIX="$P" CFLAGS=-O0 install > "$SCRATCH/make.out" 2>&1
st=$?
sed 's/^/# /' "$SCRATCH/make.out" | tail -n 5
check "make install PREFIX=... exits 0" test "$st" -eq 0
for prog in fieldcheck fieldcheck-sync fieldcheck-depot fieldcheck-push; do
	check "$prog is installed in PREFIX/bin, executable" test -x "$P/bin/$prog"
done
# same_files A B: directories A and B hold the same *.csv files, byte for byte.
same_files() {
	[ "$(cd "$1" && ls *.csv)" = "$(cd "$2" && ls *.csv)" ] || return 1
	for f in "$1"/*.csv; do cmp -s "$f" "$2/$(basename "$f")" || return 1; done
}
check "the built-in checklists are in PREFIX/share/fieldcheck/checklists" \
	same_files forms/checklists "$P/share/fieldcheck/checklists"

mkdir -p "$SCRATCH/elsewhere"
cd "$SCRATCH/elsewhere" || exit 1
export XDG_CONFIG_HOME="$SCRATCH/config"
"$P/bin/fieldcheck" forms list > "$SCRATCH/forms.out" 2> "$SCRATCH/forms.err"
check "the installed fieldcheck, run elsewhere, lists the installed checklists (versions 1 and 2)" \
	[ "$(cut -f1,2 "$SCRATCH/forms.out" | tr '\t\n' ': ')" = "bridge:1 bridge:2 park:1 park:2 road:1 road:2 urban_furniture:1 urban_furniture:2 " ]
uuid=$("$P/bin/fieldcheck" --db "$SCRATCH/hh.db" record add --form road --inspector wang asset_id=R-1 2>&1)
check "it saves a record on an installed checklist ($uuid)" \
	sh -c '"$1" --db "$2" list | grep -q "^$3	final	.*	road	"' _ "$P/bin/fieldcheck" "$SCRATCH/hh.db" "$uuid"
"$P/bin/fieldcheck" --db "$SCRATCH/hh.db" sync --status > "$SCRATCH/status.out" 2>&1
check "fieldcheck sync runs the installed fieldcheck-sync ($(head -n 1 "$SCRATCH/status.out"))" \
	grep -q '^queued 1' "$SCRATCH/status.out"
cd "$TOP" || exit 1

# Staging for a package: the same files under DESTDIR, nothing outside it.
S="$SCRATCH/stage"
rm -rf "$P"
make -s --no-print-directory BUILD="$B" PREFIX="$P" CFLAGS=-O0 DESTDIR="$S" install > "$SCRATCH/make2.out" 2>&1
check "make install DESTDIR=... exits 0" test $? -eq 0
check "DESTDIR: the programs are staged under DESTDIR/PREFIX/bin" test -x "$S$P/bin/fieldcheck-depot"
check "DESTDIR: the checklists are staged under DESTDIR/PREFIX/share" \
	same_files forms/checklists "$S$P/share/fieldcheck/checklists"
check "DESTDIR: nothing is written to PREFIX itself" test ! -e "$P"
