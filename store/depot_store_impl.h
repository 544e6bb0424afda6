/* Private to store/: the table each depot_store engine fills in. */
#ifndef FIELDCHECK_DEPOT_STORE_IMPL_H
#define FIELDCHECK_DEPOT_STORE_IMPL_H

#include "store/depot_store.h"

struct depot_store_ops {
	const char *engine;
	bool one_writer;
	int (*schema_version)(struct depot_store *ds, int *version, char **cause);
	int (*ping)(struct depot_store *ds, char **cause);
	int (*ingest)(struct depot_store *ds, const char *bundle_uuid, const char *device,
	    const char *sha256, struct store_record *const *recs, size_t n,
	    struct store_ingest_result *res, bool *already, char **cause);
	int (*device_add)(struct depot_store *ds, const char *name, const char *token_hash, char **cause);
	int (*device_revoke)(struct depot_store *ds, const char *name, char **cause);
	int (*device_list)(struct depot_store *ds, struct store_device **out, size_t *count, char **cause);
	/* NULL: the engine keeps no photos (depot_store_photo_reference refuses). */
	int (*photo_reference)(struct depot_store *ds, const char *device, const char *sha256,
	    int64_t *bytes, char **cause);
	char *(*photo_dir)(struct depot_store *ds);
	void (*close)(struct depot_store *ds);
};

/* Every engine's handle starts with this. */
struct depot_store {
	const struct depot_store_ops *ops;
};

/* depot_pg.c */
int depot_pg_open(const char *conninfo, struct depot_store **out, char **cause);

#endif
