/*
 * store — the depot's side of a record row: inserting what a device sent,
 * once, and telling a resent record from a different one under the same
 * UUID.  Used by the ingest in outbox.c.
 */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

/*
 * The depot's insert: a record is new, or its UUID is stored already and
 * the insert does nothing (the caller then compares contents).  Prepared
 * once per ingest, stepped once per record.
 */
sqlite3_stmt *
store_insert_received_prepare(struct store *st, char **cause)
{
	return store_prepare(st, "INSERT INTO records (" RECORD_COLUMNS ", received_from, received_in) "
	    "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,"
	    "?24,?25,?26) ON CONFLICT(uuid) DO NOTHING", cause);
}

int
store_insert_received(struct store *st, sqlite3_stmt *ins, const struct store_record *rec,
    const char *device, const char *bundle_uuid, bool *inserted, char **cause)
{
	struct store_record copy = *rec;
	int rc;

	*inserted = false;
	copy.status = STORE_SENT;
	if (store_record_validate(&copy, cause) != 0)
		return -1;
	sqlite3_reset(ins);
	store_row_bind(ins, &copy, store_answers_text(st, &copy));
	sqlite3_bind_text(ins, 25, device, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 26, bundle_uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(ins);
	if (rc == SQLITE_DONE)
		*inserted = sqlite3_changes(st->db) == 1;
	else
		store_db_fail(st, cause, "ingest");
	/* Unbinds the answers text: the statement outlives this call, the
	 * renderer's buffer is rewritten by the next one. */
	sqlite3_clear_bindings(ins);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Compares rec with the stored record of the same UUID, status and updated_at aside. */
int
store_same_content(struct store *st, const struct store_record *rec, bool *same, char **cause)
{
	struct store_record *stored = NULL;
	struct store_record incoming = *rec;
	char *a, *b;

	*same = false;
	if (store_get(st, rec->uuid, &stored, cause) != 0)
		return -1;
	incoming.status = stored->status;
	memcpy(incoming.updated_at, stored->updated_at, sizeof incoming.updated_at);
	a = store_record_to_json(&incoming);
	b = store_record_to_json(stored);
	*same = strcmp(a, b) == 0;
	free(a);
	free(b);
	store_record_free(stored);
	return 0;
}
