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
	int (*device_by_token)(struct depot_store *ds, const char *token_hash, struct store_device *out,
	    char **cause);
	int (*list_take)(struct depot_store *ds, const struct store_filter *filter,
	    store_record_take_fn *fn, void *ctx, char **cause);
	int (*get)(struct depot_store *ds, const char *uuid, struct store_record **out, char **cause);
	int (*review_latest_for_day)(struct depot_store *ds, const char *day, store_review_fn *fn,
	    void *ctx, char **cause);
	/* Docking: NULL on an engine that has none yet (the call is refused, saying so). */
	int (*checklist_add)(struct depot_store *ds, const struct store_checklist *c, bool *already,
	    char **cause);
	int (*checklist_retire)(struct depot_store *ds, const char *form_id, const char *version,
	    char **cause);
	int (*checklist_list)(struct depot_store *ds, store_checklist_fn *fn, void *ctx, char **cause);
	int (*task_add)(struct depot_store *ds, struct store_task *t, char **cause);
	int (*task_assign)(struct depot_store *ds, const char *uuid, const char *device, char **cause);
	int (*task_cancel)(struct depot_store *ds, const char *uuid, char **cause);
	int (*task_list)(struct depot_store *ds, const char *inspector, bool open_only,
	    store_task_fn *fn, void *ctx, char **cause);
	int (*changes)(struct depot_store *ds, const char *device, int64_t since, size_t limit,
	    store_change_fn *fn, void *ctx, int64_t *latest, char **cause);
	/* NULL: this engine does not store patrol tracks. */
	int (*track_append)(struct depot_store *ds, const char *device, const char *inspector,
	    const struct store_track_point *pts, size_t n, char **cause);
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
/* reader: check the schema's version, create and upgrade nothing (a role that may only SELECT). */
int depot_pg_open(const char *conninfo, bool reader, struct depot_store **out, char **cause);

#endif
