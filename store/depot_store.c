/*
 * store — the depot's storage interface (depot_store.h): the dispatch, and
 * the SQLite engine, which is store.h's own depot functions on one
 * connection.  PostgreSQL's is depot_pg.c.
 */
#include "store/depot_store_impl.h"

#include <stdlib.h>
#include <string.h>

#include "photo/photo.h"

struct depot_sqlite {
	struct depot_store base;
	struct store *st;
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
sqlite_device_list(struct depot_store *ds, struct store_device **out, size_t *count, char **cause)
{
	return store_device_list(sqlite_of(ds), out, count, cause);
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
	.photo_reference = sqlite_photo_reference,
	.photo_dir = sqlite_photo_dir,
	.close = sqlite_close,
};

int
depot_store_open(const char *target, struct depot_store **out, char **cause)
{
	struct depot_sqlite *s;
	struct store *st = NULL;

	*out = NULL;
	if (store_target_is_postgresql(target))
		return depot_pg_open(target, out, cause);
	if (store_open(target, STORE_READ_WRITE, &st, cause) != 0)
		return -1;
	s = xcalloc(1, sizeof *s);
	s->base.ops = &sqlite_ops;
	s->st = st;
	*out = &s->base;
	return 0;
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
depot_store_device_list(struct depot_store *ds, struct store_device **out, size_t *count, char **cause)
{
	return ds->ops->device_list(ds, out, count, cause);
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
