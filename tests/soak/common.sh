# Helpers shared by the soak runs (sourced after ../lib.sh).
#
#   tally ACKED ROWS     ACKED lists the UUIDs acknowledged (a writer's printed
#                        commits, a handheld's sent records), ROWS one UUID per
#                        row where they must be; sets acked, found (acknowledged
#                        and there), lost (acknowledged, not there) and dup
#                        (rows beyond one per UUID)
#   tally_sync HH DEPOT  tally of the records HH marked sent against DEPOT's rows

tally() {
	sort -u "$1" > "$SCRATCH/tally.acked"
	sort "$2" > "$SCRATCH/tally.rows"
	sort -u "$SCRATCH/tally.rows" > "$SCRATCH/tally.uuids"
	acked=$(wc -l < "$SCRATCH/tally.acked" | tr -d ' ')
	found=$(comm -12 "$SCRATCH/tally.acked" "$SCRATCH/tally.uuids" | wc -l | tr -d ' ')
	lost=$((acked - found))
	dup=$(($(wc -l < "$SCRATCH/tally.rows") - $(wc -l < "$SCRATCH/tally.uuids")))
}

tally_sync() {
	"$FIELDCHECK" --db "$1" list --status sent | cut -f1 > "$SCRATCH/tally.sent"
	"$FIELDCHECK" --db "$2" list | cut -f1 > "$SCRATCH/tally.depot"
	tally "$SCRATCH/tally.sent" "$SCRATCH/tally.depot"
}
