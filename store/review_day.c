/*
 * store — the latest decisions of a whole day in one statement.
 *
 * store_review_latest() prepares a statement per record, which is right for
 * one record and too slow for a day of thousands at the depot: here one
 * statement walks the day's records (records_by_day) and finds each one's
 * newest review through reviews_by_record, newest id first.
 */
#include "store/store_internal.h"

#include <string.h>

int
store_review_latest_for_day(struct store *st, const char *day, store_review_fn *fn, void *ctx,
    char **cause)
{
	sqlite3_stmt *stmt = store_prepare(st,
	    "SELECT r.record_uuid, r.decision, r.comment, r.reviewer, r.decided_at "
	    "FROM records AS c JOIN reviews AS r ON r.id = "
	    "  (SELECT id FROM reviews WHERE record_uuid = c.uuid ORDER BY id DESC LIMIT 1) "
	    "WHERE c.day = ?1", cause);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, day, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store_review rv;
		char decision[16];

		memset(&rv, 0, sizeof rv);
		store_column_copy(stmt, 0, rv.record_uuid, sizeof rv.record_uuid);
		store_column_copy(stmt, 1, decision, sizeof decision);
		if (store_decision_parse(decision, &rv.decision) != 0)
			continue;   /* the schema's CHECK makes this unreachable */
		store_column_copy(stmt, 2, rv.comment, sizeof rv.comment);
		store_column_copy(stmt, 3, rv.reviewer, sizeof rv.reviewer);
		store_column_copy(stmt, 4, rv.decided_at, sizeof rv.decided_at);
		if (fn(ctx, &rv) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, cause, "read the day's reviews");
	return 0;
}
