/*
 * store — the depot's storage interface (depot_store.h): the dispatch, and
 * the SQLite engine, which is store.h's own depot functions on one
 * connection.  PostgreSQL's is depot_pg.c.
 */
#include "store/depot_store_impl.h"
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

#include "photo/photo.h"

struct depot_sqlite {
	struct depot_store base;
	struct store *st;
	bool borrowed;   /* st is the caller's: not closed with the handle */
};

static struct store *
sqlite_of(struct depot_store *ds)
{
	return ((struct depot_sqlite *)ds)->st;
}

static int
sqlite_schema_version(struct depot_store *ds, int *version, char **cause)
{
	(void)cause;
	*version = store_schema_version(sqlite_of(ds));
	return 0;
}

/* The file is opened and checked once; there is no server to lose. */
static int
sqlite_ping(struct depot_store *ds, char **cause)
{
	(void)ds;
	(void)cause;
	return 0;
}

static int
sqlite_ingest(struct depot_store *ds, const char *bundle_uuid, const char *device, const char *sha256,
    struct store_record *const *recs, size_t n, struct store_ingest_result *res, bool *already,
    char **cause)
{
	return store_ingest(sqlite_of(ds), bundle_uuid, device, sha256, recs, n, res, already, cause);
}

static int
sqlite_track_append(struct depot_store *ds, const char *device, const char *inspector,
    const struct store_track_point *pts, size_t n, char **cause)
{
	return store_track_append(sqlite_of(ds), device, inspector, pts, n, device, cause);
}

static int
sqlite_device_add(struct depot_store *ds, const char *name, const char *token_hash, char **cause)
{
	return store_device_add(sqlite_of(ds), name, token_hash, cause);
}

static int
sqlite_device_revoke(struct depot_store *ds, const char *name, char **cause)
{
	return store_device_revoke(sqlite_of(ds), name, cause);
}

static int
sqlite_device_by_token(struct depot_store *ds, const char *token_hash, struct store_device *out,
    char **cause)
{
	return store_device_by_token(sqlite_of(ds), token_hash, out, cause);
}

static int
sqlite_device_list(struct depot_store *ds, struct store_device **out, size_t *count, char **cause)
{
	return store_device_list(sqlite_of(ds), out, count, cause);
}

static int
sqlite_list_take(struct depot_store *ds, const struct store_filter *filter, store_record_take_fn *fn,
    void *ctx, char **cause)
{
	return store_list_take(sqlite_of(ds), filter, fn, ctx, cause);
}

static int
sqlite_get(struct depot_store *ds, const char *uuid, struct store_record **out, char **cause)
{
	return store_get(sqlite_of(ds), uuid, out, cause);
}

static int
sqlite_review_latest_for_day(struct depot_store *ds, const char *day, store_review_fn *fn,
    void *ctx, char **cause)
{
	return store_review_latest_for_day(sqlite_of(ds), day, fn, ctx, cause);
}

static int
sqlite_checklist_add(struct depot_store *ds, const struct store_checklist *c, bool *already,
    char **cause)
{
	return store_checklist_add(sqlite_of(ds), c, already, cause);
}

static int
sqlite_checklist_retire(struct depot_store *ds, const char *form_id, const char *version,
    char **cause)
{
	return store_checklist_retire(sqlite_of(ds), form_id, version, cause);
}

static int
sqlite_checklist_list(struct depot_store *ds, store_checklist_fn *fn, void *ctx, char **cause)
{
	return store_checklist_list(sqlite_of(ds), false, fn, ctx, cause);
}

static int
sqlite_task_add(struct depot_store *ds, struct store_task *t, char **cause)
{
	return store_task_add(sqlite_of(ds), t, cause);
}

static int
sqlite_task_assign(struct depot_store *ds, const char *uuid, const char *device, char **cause)
{
	return store_task_assign(sqlite_of(ds), uuid, device, cause);
}

static int
sqlite_task_cancel(struct depot_store *ds, const char *uuid, char **cause)
{
	return store_task_cancel(sqlite_of(ds), uuid, cause);
}

static int
sqlite_task_list(struct depot_store *ds, const char *inspector, bool open_only, store_task_fn *fn,
    void *ctx, char **cause)
{
	return store_task_list(sqlite_of(ds), inspector, open_only, fn, ctx, cause);
}

static int
sqlite_changes(struct depot_store *ds, const char *device, int64_t since, size_t limit,
    store_change_fn *fn, void *ctx, int64_t *latest, char **cause)
{
	return store_changes(sqlite_of(ds), device, since, limit, fn, ctx, latest, cause);
}

static int
sqlite_photo_reference(struct depot_store *ds, const char *device, const char *sha256,
    int64_t *bytes, char **cause)
{
	return store_photo_reference(sqlite_of(ds), device, sha256, bytes, cause);
}

static char *
sqlite_photo_dir(struct depot_store *ds)
{
	return photo_store_dir_beside(store_path(sqlite_of(ds)));
}

static void
sqlite_close(struct depot_store *ds)
{
	if (!((struct depot_sqlite *)ds)->borrowed)
		store_close(sqlite_of(ds));
	free(ds);
}

static const struct depot_store_ops sqlite_ops = {
	.engine = "SQLite",
	.one_writer = true,
	.schema_version = sqlite_schema_version,
	.ping = sqlite_ping,
	.ingest = sqlite_ingest,
	.device_add = sqlite_device_add,
	.device_revoke = sqlite_device_revoke,
	.device_list = sqlite_device_list,
	.device_by_token = sqlite_device_by_token,
	.list_take = sqlite_list_take,
	.get = sqlite_get,
	.review_latest_for_day = sqlite_review_latest_for_day,
	.checklist_add = sqlite_checklist_add,
	.checklist_retire = sqlite_checklist_retire,
	.checklist_list = sqlite_checklist_list,
	.task_add = sqlite_task_add,
	.task_assign = sqlite_task_assign,
	.task_cancel = sqlite_task_cancel,
	.task_list = sqlite_task_list,
	.changes = sqlite_changes,
	.track_append = sqlite_track_append,
	.photo_reference = sqlite_photo_reference,
	.photo_dir = sqlite_photo_dir,
	.close = sqlite_close,
};

static struct depot_store *
sqlite_handle(struct store *st, bool borrowed)
{
	struct depot_sqlite *s = xcalloc(1, sizeof *s);

	s->base.ops = &sqlite_ops;
	s->st = st;
	s->borrowed = borrowed;
	return &s->base;
}

static int
open_as(const char *target, enum store_open_mode mode, struct depot_store **out, char **cause)
{
	struct store *st = NULL;

	*out = NULL;
	if (store_target_is_postgresql(target))
		return depot_pg_open(target, mode == STORE_READ_ONLY, out, cause);
	if (store_open(target, mode, &st, cause) != 0)
		return -1;
	*out = sqlite_handle(st, false);
	return 0;
}

int
depot_store_open(const char *target, struct depot_store **out, char **cause)
{
	return open_as(target, STORE_READ_WRITE, out, cause);
}

int
depot_store_open_reader(const char *target, struct depot_store **out, char **cause)
{
	return open_as(target, STORE_READ_ONLY, out, cause);
}

struct depot_store *
depot_store_borrow(struct store *st)
{
	return sqlite_handle(st, true);
}

void
depot_store_close(struct depot_store *ds)
{
	if (ds != NULL)
		ds->ops->close(ds);
}

const char *
depot_store_engine(const struct depot_store *ds)
{
	return ds->ops->engine;
}

bool
depot_store_one_writer(const struct depot_store *ds)
{
	return ds->ops->one_writer;
}

int
depot_store_schema_version(struct depot_store *ds, int *version, char **cause)
{
	return ds->ops->schema_version(ds, version, cause);
}

int
depot_store_ping(struct depot_store *ds, char **cause)
{
	return ds->ops->ping(ds, cause);
}

int
depot_store_ingest(struct depot_store *ds, const char *bundle_uuid, const char *device,
    const char *sha256, struct store_record *const *recs, size_t n, struct store_ingest_result *res,
    bool *already, char **cause)
{
	return ds->ops->ingest(ds, bundle_uuid, device, sha256, recs, n, res, already, cause);
}

int
depot_store_track_append(struct depot_store *ds, const char *device, const char *inspector,
    const struct store_track_point *pts, size_t n, bool *unsupported, char **cause)
{
	*unsupported = ds->ops->track_append == NULL;
	if (*unsupported)
		return fc_fail(cause, "this depot (%s) does not store patrol tracks: only the SQLite depot "
		    "does (docs/coverage.md); the handheld keeps the bundle", ds->ops->engine);
	return ds->ops->track_append(ds, device, inspector, pts, n, cause);
}

int
depot_store_device_add(struct depot_store *ds, const char *name, const char *token_hash, char **cause)
{
	return ds->ops->device_add(ds, name, token_hash, cause);
}

int
depot_store_device_revoke(struct depot_store *ds, const char *name, char **cause)
{
	return ds->ops->device_revoke(ds, name, cause);
}

int
depot_store_device_by_token(struct depot_store *ds, const char *token_hash, struct store_device *out,
    char **cause)
{
	return ds->ops->device_by_token(ds, token_hash, out, cause);
}

int
depot_store_device_list(struct depot_store *ds, struct store_device **out, size_t *count, char **cause)
{
	return ds->ops->device_list(ds, out, count, cause);
}

int
depot_store_list(struct depot_store *ds, const struct store_filter *filter, store_record_fn *fn,
    void *ctx, char **cause)
{
	struct store_lend l = { fn, ctx };

	return ds->ops->list_take(ds, filter, store_lend_then_free, &l, cause);
}

struct store *
depot_store_sqlite(struct depot_store *ds)
{
	return ds->ops == &sqlite_ops ? sqlite_of(ds) : NULL;
}

int
depot_store_list_take(struct depot_store *ds, const struct store_filter *filter,
    store_record_take_fn *fn, void *ctx, char **cause)
{
	return ds->ops->list_take(ds, filter, fn, ctx, cause);
}

int
depot_store_get(struct depot_store *ds, const char *uuid, struct store_record **out, char **cause)
{
	return ds->ops->get(ds, uuid, out, cause);
}

int
depot_store_review_latest_for_day(struct depot_store *ds, const char *day, store_review_fn *fn,
    void *ctx, char **cause)
{
	return ds->ops->review_latest_for_day(ds, day, fn, ctx, cause);
}

bool
depot_store_has_feed(const struct depot_store *ds)
{
	return ds->ops->changes != NULL;
}

/* Docking's calls on an engine without them yet. */
static int
not_here(struct depot_store *ds, char **cause)
{
	return fc_fail(cause, "checklists, tasks and the change feed are not on %s depots yet: "
	    "use a SQLite depot for docking", ds->ops->engine);
}

int
depot_store_checklist_add(struct depot_store *ds, const struct store_checklist *c, bool *already,
    char **cause)
{
	if (ds->ops->checklist_add == NULL)
		return not_here(ds, cause);
	return ds->ops->checklist_add(ds, c, already, cause);
}

int
depot_store_checklist_retire(struct depot_store *ds, const char *form_id, const char *version,
    char **cause)
{
	if (ds->ops->checklist_retire == NULL)
		return not_here(ds, cause);
	return ds->ops->checklist_retire(ds, form_id, version, cause);
}

int
depot_store_checklist_list(struct depot_store *ds, store_checklist_fn *fn, void *ctx, char **cause)
{
	if (ds->ops->checklist_list == NULL)
		return not_here(ds, cause);
	return ds->ops->checklist_list(ds, fn, ctx, cause);
}

int
depot_store_task_add(struct depot_store *ds, struct store_task *t, char **cause)
{
	if (ds->ops->task_add == NULL)
		return not_here(ds, cause);
	return ds->ops->task_add(ds, t, cause);
}

int
depot_store_task_assign(struct depot_store *ds, const char *uuid, const char *device, char **cause)
{
	if (ds->ops->task_assign == NULL)
		return not_here(ds, cause);
	return ds->ops->task_assign(ds, uuid, device, cause);
}

int
depot_store_task_cancel(struct depot_store *ds, const char *uuid, char **cause)
{
	if (ds->ops->task_cancel == NULL)
		return not_here(ds, cause);
	return ds->ops->task_cancel(ds, uuid, cause);
}

int
depot_store_task_list(struct depot_store *ds, const char *inspector, bool open_only,
    store_task_fn *fn, void *ctx, char **cause)
{
	if (ds->ops->task_list == NULL)
		return not_here(ds, cause);
	return ds->ops->task_list(ds, inspector, open_only, fn, ctx, cause);
}

int
depot_store_changes(struct depot_store *ds, const char *device, int64_t since, size_t limit,
    store_change_fn *fn, void *ctx, int64_t *latest, char **cause)
{
	if (ds->ops->changes == NULL)
		return not_here(ds, cause);
	return ds->ops->changes(ds, device, since, limit, fn, ctx, latest, cause);
}

char *
depot_store_photo_dir(struct depot_store *ds)
{
	return ds->ops->photo_dir != NULL ? ds->ops->photo_dir(ds) : NULL;
}

int
depot_store_photo_reference(struct depot_store *ds, const char *device, const char *sha256,
    int64_t *bytes, char **cause)
{
	*bytes = -1;
	if (ds->ops->photo_reference == NULL)
		return fc_fail(cause, "a %s depot keeps no photos yet: run the depot on SQLite to "
		    "receive them", ds->ops->engine);
	return ds->ops->photo_reference(ds, device, sha256, bytes, cause);
}
