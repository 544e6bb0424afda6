/*
 * store — the SQLite file that holds every record, review, outgoing bundle
 * and (on the depot) device.  No other module writes SQL.
 *
 * Durability contract: the database runs in WAL mode with synchronous=FULL,
 * and every call that changes it is one transaction.  When a call that
 * saves returns 0, what it saved survives a killed process and a pulled
 * battery.  A call that fails changes nothing.
 *
 * Record lifecycle: draft -> final -> bundled -> sent.  A draft may be
 * rewritten any number of times; once final, a record's content is immutable
 * (a trigger in the schema refuses any change to it) and only its status
 * moves on.  A correction is a new record whose `replaces` names the old one.
 *
 * Errors: functions return 0 on success and -1 on failure, with a message
 * for the user in *cause (caller frees) when cause is not NULL.
 */
#ifndef FIELDCHECK_STORE_H
#define FIELDCHECK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

struct store;

/* The schema version this binary writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 8

/* Bounds on the identifiers a record carries; longer input is refused. */
#define STORE_ID_LEN      65   /* form id, inspector, device: 64 bytes + NUL */
#define STORE_VERSION_LEN 33
#define STORE_HASH_LEN    65   /* SHA-256 in hex */
#define STORE_REASON_LEN  257

enum store_status {
	STORE_DRAFT,
	STORE_FINAL,
	STORE_BUNDLED,
	STORE_SENT,
};

enum store_pos_source {
	STORE_POS_NONE,     /* no position; reason says why */
	STORE_POS_GPSD,     /* from gpsd, with its quality */
	STORE_POS_MANUAL,   /* typed by the inspector; reason says why */
};

/*
 * A position and how good it is.  Unknown numbers are NAN (doubles) or -1
 * (integers); fix_time is "" when unknown.
 */
struct store_position {
	enum store_pos_source source;
	double lat, lon;
	double alt_m;         /* above mean sea level */
	double accuracy_m;    /* horizontal, ~95 % (gpsd eph) */
	int fix_mode;         /* 0 unknown, 1 no fix, 2 2D, 3 3D (gpsd's MODE_*) */
	int satellites;       /* used in the solution */
	double hdop;
	char fix_time[FC_TIME_LEN];  /* the receiver's time of the fix, UTC */
	double fix_age_s;     /* how old the fix was when the record took it */
	char reason[STORE_REASON_LEN]; /* why manual or none */
};

/* Sets pos to "no position" with every number unknown. */
void store_position_clear(struct store_position *pos);

struct store_answer {
	char *name;
	char *value;
};

/*
 * One record.  The store fills and frees these; callers may build their own
 * and free them with store_record_free() when the strings were allocated
 * with xstrdup() (store_record_set_answer does that).
 */
struct store_record {
	char uuid[FC_UUID_LEN];
	char form_id[STORE_ID_LEN];
	char form_version[STORE_VERSION_LEN];
	char form_hash[STORE_HASH_LEN];
	char inspector[STORE_ID_LEN];
	char device[STORE_ID_LEN];
	char replaces[FC_UUID_LEN];     /* "" unless this corrects another record */
	enum store_status status;
	char created_at[FC_TIME_LEN];
	char updated_at[FC_TIME_LEN];
	char finalized_at[FC_TIME_LEN]; /* "" while a draft */
	char day[FC_DAY_LEN];           /* the device's local day at creation */
	struct store_position pos;
	struct store_answer *answers;   /* in form order */
	size_t answer_count;
};

/* A new draft record: fresh UUID, times now, no position, no answers.  Caller frees. */
struct store_record *store_record_new(void);
void store_record_free(struct store_record *rec);
/* Adds or replaces an answer (copies both strings).  NULL value removes it. */
void store_record_set_answer(struct store_record *rec, const char *name, const char *value);
/* The answer to name, or NULL.  Owned by rec. */
const char *store_record_answer(const struct store_record *rec, const char *name);

const char *store_status_name(enum store_status status);
int store_status_parse(const char *name, enum store_status *out);
const char *store_pos_source_name(enum store_pos_source source);
int store_pos_source_parse(const char *name, enum store_pos_source *out);

/* Record <-> JSON (one object, answers and position included): the form of
 * `fieldcheck list --json` and of a bundle's record lines.  Caller frees. */
char *store_record_to_json(const struct store_record *rec);
/*
 * The same text, rendered into a buffer kept from record to record (for
 * bundles of thousands).  The returned text (NUL-terminated, *len bytes)
 * is owned by j and valid until the next render or store_json_free.
 */
struct store_json;
struct store_json *store_json_new(void);
void store_json_free(struct store_json *j);
const char *store_json_render(struct store_json *j, const struct store_record *rec, size_t *len);
/* Validates every field and bound; on error *cause says which field. */
int store_record_from_json(const char *json, size_t len, struct store_record **out, char **cause);

enum store_open_mode {
	STORE_READ_WRITE,   /* create if missing, upgrade if older */
	STORE_READ_ONLY,    /* must exist; never written, never upgraded */
};

/*
 * Whether target names a PostgreSQL database rather than a SQLite file: a
 * postgresql:// or postgres:// URI, or a libpq conninfo (it starts with
 * keyword=, as "host=... dbname=..."; write ./host=x for a file of that
 * name).  store_open refuses one; fieldcheck-depot opens it through
 * store/depot_store.h.
 */
bool store_target_is_postgresql(const char *target);

/*
 * Opens (and creates, and upgrades) the database at path.  A file that is
 * not SQLite, is not a fieldcheck database, or was written by a newer
 * fieldcheck is refused and left untouched.  Caller closes.
 */
int store_open(const char *path, enum store_open_mode mode, struct store **out, char **cause);
void store_close(struct store *st);
int store_schema_version(struct store *st);

/*
 * Bounds this connection's page cache to 256 KiB (SQLite's default is 2 MiB
 * per connection), for the handheld's screen, whose queries touch a few
 * index pages each, and for a listing, which reads each page once.  The OS page cache still holds the file, so a page read
 * again costs a pread, not a seek.
 */
int store_small_cache(struct store *st, char **cause);
/*
 * Copies the write-ahead log into the database now (without waiting for
 * readers), so the log can restart small: called after a drain has moved
 * thousands of records, rather than letting the log grow to SQLite's
 * automatic checkpoint on a nearly full handheld.
 */
int store_checkpoint(struct store *st, char **cause);
/*
 * The same, waiting for readers (at most the busy timeout), and then cuts
 * the log to nothing: between the bundles of a drain on a nearly full
 * disk, so the log never holds more than the last transaction.
 */
int store_checkpoint_truncate(struct store *st, char **cause);
/* Bytes free for this user on the file system that holds the database. */
int store_free_bytes(struct store *st, int64_t *bytes, char **cause);

/*
 * One drain at a time per database: two would freeze the same records.
 * The lock is a flock(2) on the database file itself (no file of its own
 * to create on a full disk; SQLite's own locks are fcntl(2) locks, which
 * flock does not touch), held until store_drain_unlock or store_close.
 * Returns 0 when this connection holds it, 1 when another holds it (with
 * wait false), -1 on error.
 */
int store_drain_lock(struct store *st, bool wait, char **cause);
void store_drain_unlock(struct store *st);
/* The path the store was opened with.  Owned by st. */
const char *store_path(const struct store *st);

/* Runs PRAGMA integrity_check; 0 when it says ok. */
int store_check_integrity(struct store *st, char **cause);

/*
 * Saves a draft: inserts it or rewrites the draft with the same UUID.
 * Refused if a non-draft record already has that UUID.
 */
int store_save_draft(struct store *st, struct store_record *rec, char **cause);

/*
 * Finalizes: stamps finalized_at and updated_at now, sets status final and
 * writes the record whole (insert, or over its draft) in one transaction.
 */
int store_finalize(struct store *st, struct store_record *rec, char **cause);

/* Deletes a draft (a form the inspector abandoned).  Never deletes others. */
int store_discard_draft(struct store *st, const char *uuid, char **cause);

/* Fetches one record by UUID.  Returns 0 and *out (caller frees), or -1. */
int store_get(struct store *st, const char *uuid, struct store_record **out, char **cause);

/*
 * The record of form_id this device saved last (final or later, not a
 * draft), for a form's ${last-saved#x}: 0 with *out (caller frees), or with
 * *out NULL when there is none.
 */
int store_last_saved(struct store *st, const char *form_id, const char *device,
    struct store_record **out, char **cause);

/* Filters for listing and counting; NULL or empty strings match anything. */
struct store_filter {
	const char *day;          /* YYYY-MM-DD, the record's local day */
	const char *inspector;
	const char *form_id;
	bool any_status;          /* when false, only records with `status` */
	enum store_status status;
	size_t limit;             /* 0: no limit */
};
#define STORE_FILTER_ALL ((struct store_filter){ .any_status = true })

/*
 * Calls fn for each matching record, oldest first, one record in memory at a
 * time (rec is freed after fn returns; fn must not keep it).  fn returns 0 to
 * go on, non-zero to stop.
 */
typedef int store_record_fn(void *ctx, const struct store_record *rec);
int store_list(struct store *st, const struct store_filter *filter, store_record_fn *fn,
    void *ctx, char **cause);
/*
 * The same walk for a caller that keeps what it reads (a day's review): fn
 * owns rec from the call on and frees it with store_record_free, so nothing
 * is copied twice.
 */
typedef int store_record_take_fn(void *ctx, struct store_record *rec);
int store_list_take(struct store *st, const struct store_filter *filter, store_record_take_fn *fn,
    void *ctx, char **cause);
int store_count(struct store *st, const struct store_filter *filter, int64_t *count, char **cause);
/* Counts of every status at once, indexed by enum store_status. */
int store_count_by_status(struct store *st, int64_t counts[4], char **cause);

/*
 * ---- Photos the records reference (store/photo_refs.c).  A photo
 * question's answer names photos by SHA-256 (photo/photo.h's answer form);
 * the bytes live in a photo store beside the database. ----
 */
/* The distinct photo hashes rec's answers name, sorted: *hashes (free with store_photo_hashes_free). */
void store_record_photos(const struct store_record *rec, char ***hashes, size_t *n);
/* Every photo hash any record names, drafts included, sorted and distinct. */
int store_photo_referenced(struct store *st, char ***hashes, size_t *n, char **cause);
void store_photo_hashes_free(char **hashes, size_t n);
/*
 * Discards a draft as store_discard_draft does, then removes from the
 * photo store beside the database (photo_store_dir_beside) each of its
 * photos that no other record names.  The draft is gone even when -1 says
 * a photo could not be removed (the next collection will).
 */
int store_discard_draft_photos(struct store *st, const char *uuid, char **cause);

/*
 * The upload (docs/photos.md, "On the wire").  A photo is to upload when a
 * sent record names it and the depot has neither committed nor refused it
 * yet: the hashes, sorted (free with store_photo_hashes_free).
 */
int store_photos_to_upload(struct store *st, char ***hashes, size_t *n, char **cause);
/* The depot committed the photo (refused_status 0), or refused it for good (its status, reason). */
int store_photo_uploaded(struct store *st, const char *sha256, long refused_status,
    const char *reason, char **cause);
/* The photo refused last: its hash ("" when none), the status (-1: on this device) and the reason. */
int store_photo_last_refusal(struct store *st, char sha256[STORE_HASH_LEN], long *status,
    char *reason, size_t size, char **cause);
/* Photos saved records name that the depot has not committed or refused, and those refused. */
int store_photo_counts(struct store *st, int64_t *pending, int64_t *refused, char **cause);
/*
 * Depot: the bytes a record of device (as delivered by its token) gives
 * for the photo sha256, or -1 in *bytes when none of its records names it.
 */
int store_photo_reference(struct store *st, const char *device, const char *sha256, int64_t *bytes,
    char **cause);

/* ---- Reviews: supervisor decisions, kept apart from the records. ---- */

enum store_decision {
	STORE_UNREVIEWED,
	STORE_APPROVED,
	STORE_FOLLOW_UP,
	STORE_REJECTED,
};
const char *store_decision_name(enum store_decision d);
int store_decision_parse(const char *name, enum store_decision *out);

struct store_review {
	char record_uuid[FC_UUID_LEN];
	enum store_decision decision;
	char comment[1024];
	char reviewer[STORE_ID_LEN];
	char decided_at[FC_TIME_LEN];
};

/* Appends a decision (the latest one counts; history is kept). */
int store_review_add(struct store *st, const struct store_review *rv, char **cause);
/* Appends the same decision for each of n records in one transaction. */
int store_review_add_many(struct store *st, const char *const *uuids, size_t n,
    enum store_decision decision, const char *comment, const char *reviewer, char **cause);
/* The latest decision for a record; decision STORE_UNREVIEWED when none. */
int store_review_latest(struct store *st, const char *uuid, struct store_review *out, char **cause);
/* Every decision for a record, oldest first; *out is an array the caller frees. */
int store_review_history(struct store *st, const char *uuid, struct store_review **out,
    size_t *count, char **cause);

/*
 * The latest decision on each record of a day that has one, in one query
 * (the review screen reads thousands at once; store/review_day.c).  Calls
 * fn for each, in no particular order; records without a decision are not
 * reported.  rv lives for the call only.  fn returns non-zero to stop.
 */
typedef int store_review_fn(void *ctx, const struct store_review *rv);
int store_review_latest_for_day(struct store *st, const char *day, store_review_fn *fn, void *ctx,
    char **cause);

/* ---- Settings: small key/value pairs kept with the data (PIN hash, device id). ---- */

/* *value is NULL when the key is unset; caller frees. */
int store_setting_get(struct store *st, const char *key, char **value, char **cause);
int store_setting_set(struct store *st, const char *key, const char *value, char **cause);

/*
 * ---- The supervisor PIN's log: every set, change, reset and check,
 * appended (the schema refuses to rewrite or delete it). ----
 */
enum store_pin_event { STORE_PIN_SET, STORE_PIN_CHANGED, STORE_PIN_RESET, STORE_PIN_OK, STORE_PIN_FAILED };
const char *store_pin_event_name(enum store_pin_event ev);
/*
 * Appends ev with detail (NULL: none) and, when key is not NULL, sets that
 * setting to value, in one transaction.
 */
int store_pin_event(struct store *st, enum store_pin_event ev, const char *detail, const char *key,
    const char *value, char **cause);
/* Wrong PINs since the latest other event, and when the last of them was entered ("" for none). */
int store_pin_failures(struct store *st, unsigned *count, char last_at[FC_TIME_LEN], char **cause);
/* Every event, oldest first; the strings live for the call.  fn returns non-zero to stop. */
typedef int store_pin_log_fn(void *ctx, const char *at, const char *event, const char *detail);
int store_pin_log(struct store *st, store_pin_log_fn *fn, void *ctx, char **cause);

/* ---- Outbox: frozen bundles waiting for the depot (sync/ owns the format). ---- */

struct store_bundle {
	char uuid[FC_UUID_LEN];
	char sha256[STORE_HASH_LEN];
	unsigned char *bytes;     /* the compressed bundle exactly as sent */
	size_t size;
	size_t record_count;
	char created_at[FC_TIME_LEN];
};
void store_bundle_free(struct store_bundle *b);

/*
 * Oldest-first final records not yet in any bundle, at most limit of them.
 * Calls fn as store_list does.
 */
int store_outbox_pending(struct store *st, size_t limit, store_record_fn *fn, void *ctx,
    char **cause);
/*
 * Freezes a bundle: stores its bytes and digest and makes the named records
 * bundled (their membership; their rows stay final), in one transaction.
 * Refused if any record is not final.
 */
int store_outbox_add(struct store *st, const struct store_bundle *b, const char *const *uuids,
    size_t n, char **cause);
/*
 * The same, and in the same transaction marks sent_uuid sent (as
 * store_outbox_mark_sent; NULL or "": none): a drain's two outbox writes
 * beside one upload, made durable with one sync of the disk instead of two.
 */
int store_outbox_add_marking(struct store *st, const struct store_bundle *b,
    const char *const *uuids, size_t n, const char *sent_uuid, char **cause);
/*
 * Re-freezing a bundle the depot never acknowledged into smaller ones (a
 * link too slow or too flaky for its size).  The records of an unsent
 * bundle, oldest first, skipping the first offset; fn as store_list's.
 */
int store_outbox_bundle_records(struct store *st, const char *bundle_uuid, size_t offset,
    store_record_fn *fn, void *ctx, char **cause);
/* One replacement bundle and the UUIDs of its records. */
struct store_refrozen {
	const struct store_bundle *bundle;
	const char *const *uuids;
	size_t n;
};
/*
 * In one transaction: freezes the parts and moves each of old_uuid's
 * records to its part (they stay bundled), then drops old_uuid from the
 * outbox.  The parts take its place in the queue, before the bundles
 * frozen after it.  Refused unless old_uuid is unsent, not refused, and the
 * parts hold exactly its records.
 */
int store_outbox_replace(struct store *st, const char *old_uuid, const struct store_refrozen *parts,
    size_t nparts, char **cause);
/* The oldest unsent bundle not refused, or *out NULL when none.  Caller frees. */
int store_outbox_next(struct store *st, struct store_bundle **out, char **cause);
/* The same, passing over except_uuid (NULL or "": none), e.g. one receipted but not yet marked. */
int store_outbox_next_except(struct store *st, const char *except_uuid, struct store_bundle **out,
    char **cause);
/* The depot committed it: its records turn sent (their rows rewritten once), and the bundle leaves the outbox. */
int store_outbox_mark_sent(struct store *st, const char *bundle_uuid, char **cause);
/*
 * The depot refused it (http_status, its reason): set aside, bytes and
 * records kept, no longer returned by store_outbox_next.
 */
int store_outbox_mark_refused(struct store *st, const char *bundle_uuid, long http_status,
    const char *reason, char **cause);
/* Queues a refused bundle again (the same bytes); an error when uuid is not one. */
int store_outbox_retry(struct store *st, const char *bundle_uuid, char **cause);

/* Unsent bundles, and those of them the depot refused, with their records. */
struct store_outbox_counts {
	int64_t bundles, records;
	int64_t refused_bundles, refused_records;
};
int store_outbox_counts(struct store *st, struct store_outbox_counts *out, char **cause);

/* One unsent bundle, as `fieldcheck outbox list` shows it. */
struct store_outbox_entry {
	char uuid[FC_UUID_LEN];
	char created_at[FC_TIME_LEN];
	size_t size;
	size_t record_count;
	bool refused;
	char refused_at[FC_TIME_LEN];   /* "" unless refused */
	long refused_status;
	char reason[256];
};
typedef int store_outbox_fn(void *ctx, const struct store_outbox_entry *e);
/* Every unsent bundle, oldest first; fn returns non-zero to stop. */
int store_outbox_list(struct store *st, store_outbox_fn *fn, void *ctx, char **cause);

/* ---- Depot side: ingest and devices. ---- */

/*
 * Result of ingesting a bundle's records: every record stored or none.
 * A UUID already stored with identical content is a duplicate; with other
 * content it is a conflict, and nothing of the bundle is stored.
 */
enum store_ingest_refusal {
	STORE_INGEST_FAILED,         /* the database failed: try again later */
	STORE_INGEST_CONFLICT,       /* record conflict_uuid is stored with other content */
	STORE_INGEST_BUNDLE_REUSED,  /* the bundle UUID was received with other bytes or from another device */
	STORE_INGEST_FORGED,         /* record refused_uuid is not the device's to send (see store_ingest) */
};
struct store_ingest_result {
	size_t accepted;
	size_t duplicates;
	enum store_ingest_refusal refusal;  /* why, when -1 was returned */
	char conflict_uuid[FC_UUID_LEN];    /* STORE_INGEST_CONFLICT */
	char refused_uuid[FC_UUID_LEN];     /* STORE_INGEST_FORGED */
};
/*
 * Stores the records of one bundle that device's token delivered (their
 * status becomes sent; each row notes the device and bundle it came in)
 * and notes the bundle as received with its body's SHA-256 hex, in one
 * transaction.  The same bundle UUID again with the same digest and device
 * returns its earlier result with *already set; with another digest or
 * device it is refused (STORE_INGEST_BUNDLE_REUSED).  A record must be
 * device's own (its device field), and may replace only a record the depot
 * holds from the same device: else STORE_INGEST_FORGED.
 */
int store_ingest(struct store *st, const char *bundle_uuid, const char *device, const char *sha256,
    struct store_record *const *recs, size_t n, struct store_ingest_result *res,
    bool *already, char **cause);

/* The device whose token delivered a record, and in which bundle ("" for both when not through a depot). */
struct store_delivery {
	char device[STORE_ID_LEN];
	char bundle[FC_UUID_LEN];
};
int store_record_delivery(struct store *st, const char *uuid, struct store_delivery *out,
    char **cause);

struct store_device {
	char name[STORE_ID_LEN];
	char token_hash[STORE_HASH_LEN];  /* SHA-256 hex of the token */
	bool revoked;
	char created_at[FC_TIME_LEN];
};
int store_device_add(struct store *st, const char *name, const char *token_hash, char **cause);
int store_device_revoke(struct store *st, const char *name, char **cause);
/* *out array caller frees. */
int store_device_list(struct store *st, struct store_device **out, size_t *count, char **cause);
/* The device whose token hashes to token_hash: 1 and *out, 0 when there is none, or -1. */
int store_device_by_token(struct store *st, const char *token_hash, struct store_device *out,
    char **cause);

/*
 * ---- Docking both ways (store/dock.c): the depot's catalogue of
 * checklists and its tasks, the change feed a device reads, and the
 * handheld's side that applies it.  The same tables on both ends. ----
 */

/* One checklist version; csv is set only where the call says so (caller frees). */
struct store_checklist {
	int64_t id;
	char form_id[STORE_ID_LEN];
	char version[STORE_VERSION_LEN];
	char hash[STORE_HASH_LEN];
	char added_at[FC_TIME_LEN];
	char retired_at[FC_TIME_LEN];   /* "" while offered */
	char *csv;
	size_t csv_len;
};
/*
 * Adds a checklist version to the catalogue (and, on the depot, to every
 * device's feed) in one transaction.  The same hash again is *already (not
 * an error); the same id and version with another hash is refused.
 */
int store_checklist_add(struct store *st, const struct store_checklist *c, bool *already, char **cause);
/* Retires one version of form_id (version NULL: every version), fed to every device. */
int store_checklist_retire(struct store *st, const char *form_id, const char *version, char **cause);
/* Every version, by id then as added, without the csv; fn returns non-zero to stop. */
typedef int store_checklist_fn(void *ctx, const struct store_checklist *c);
int store_checklist_list(struct store *st, bool with_csv, store_checklist_fn *fn, void *ctx,
    char **cause);
/* The newest version of form_id not retired (version NULL), or that version: 0, or -1 saying why. */
int store_checklist_find(struct store *st, const char *form_id, const char *version,
    struct store_checklist *out, char **cause);

enum store_task_state {
	STORE_TASK_OPEN,              /* at the depot, no device to take it yet */
	STORE_TASK_ASSIGNED,          /* in a device's feed */
	STORE_TASK_DONE,              /* its record was saved (handheld) or arrived (depot) */
	STORE_TASK_CLOSED,            /* the supervisor approved that record */
	STORE_TASK_REOPENED,          /* ... or did not: the case goes on */
	STORE_TASK_CANCELLED,
	STORE_TASK_DONE_AFTER_CANCEL, /* cancelled after the inspector had started it */
};
const char *store_task_state_name(enum store_task_state s);
int store_task_state_parse(const char *name, enum store_task_state *out);

#define STORE_ASSET_LEN 257
#define STORE_NOTE_LEN  1024
/* The answer a record carries to name its task (the record it verifies is the task's follows). */
#define STORE_TASK_ANSWER "_task"
#define STORE_VERIFIES_ANSWER "_verifies"

struct store_task {
	char uuid[FC_UUID_LEN];
	char kind[16];                  /* "verify" (follows a record) or "inspect" */
	char form_id[STORE_ID_LEN];
	char form_version[STORE_VERSION_LEN];
	char asset[STORE_ASSET_LEN];
	double lat, lon;                /* NAN: no place */
	char follows[FC_UUID_LEN];      /* the record it follows up, or "" */
	char inspector[STORE_ID_LEN];
	char device[STORE_ID_LEN];      /* "" while open */
	char due[FC_TIME_LEN];          /* "" for none */
	char note[STORE_NOTE_LEN];
	enum store_task_state state;
	char created_at[FC_TIME_LEN];
	char created_by[STORE_ID_LEN];
	char updated_at[FC_TIME_LEN];
	char done_record[FC_UUID_LEN];  /* "" until done */
};
/*
 * Depot: adds a task (uuid, times and state filled here: assigned when
 * device is set, else the device that last delivered a record of the
 * inspector's, else open).  Its checklist must be in the catalogue and not
 * retired; the device must exist and not be revoked; follows must be a
 * record held here.  In one transaction with its change.
 */
int store_task_add(struct store *st, struct store_task *t, char **cause);
/* Depot: gives an open (or assigned) task to device (not revoked), fed to it. */
int store_task_assign(struct store *st, const char *uuid, const char *device, char **cause);
/* Depot: cancels an open or assigned task (fed to its device). */
int store_task_cancel(struct store *st, const char *uuid, char **cause);
/* Tasks, due first (none last), then as created; inspector NULL: all; open_only: not finished. */
typedef int store_task_fn(void *ctx, const struct store_task *t);
int store_task_list(struct store *st, const char *inspector, bool open_only, store_task_fn *fn,
    void *ctx, char **cause);
int store_task_get(struct store *st, const char *uuid, struct store_task *out, char **cause);
/* The tasks that follow record uuid, or that it did (a case's chain), oldest first. */
int store_task_chain(struct store *st, const char *record_uuid, store_task_fn *fn, void *ctx,
    char **cause);

/* One change of a device's feed. */
enum store_change_kind { STORE_CHANGE_CHECKLIST, STORE_CHANGE_TASK, STORE_CHANGE_DECISION };
struct store_change {
	int64_t seq;
	enum store_change_kind kind;
	struct store_checklist checklist;   /* with its csv */
	struct store_task task;
	struct store_record *follows_record;  /* a task's: the record it follows, when held (read beside the form) */
	struct store_review decision;
};
/*
 * Depot: the changes for device after seq since, oldest first, at most
 * limit; fn returns non-zero to stop (that change counts as not sent).
 * *latest is the newest seq of the whole feed (a cursor beyond it is from
 * elsewhere).  The change lives for the call.
 */
typedef int store_change_fn(void *ctx, const struct store_change *c);
int store_changes(struct store *st, const char *device, int64_t since, size_t limit,
    store_change_fn *fn, void *ctx, int64_t *latest, char **cause);
/*
 * Handheld: applies one page of the feed and sets the cursor to cursor, in
 * one transaction; applying the same page again changes nothing.  A task
 * done here stays done when its cancel arrives.
 */
int store_feed_apply(struct store *st, const struct store_change *const *changes, size_t n,
    const char *cursor, char **cause);
/* The feed's cursor (the setting "feed.cursor"): *out NULL before the first page; caller frees. */
int store_feed_cursor(struct store *st, char **out, char **cause);

/*
 * ---- Patrol tracks (store/track.c; docs/coverage.md): points kept while
 * the inspector is on duty, and at the depot the points devices sent. ----
 */

/* Why the track breaks before a point; NONE: it goes on from the point before. */
enum store_track_gap {
	STORE_GAP_NONE,
	STORE_GAP_DUTY,      /* the first point after going on duty */
	STORE_GAP_CLOSED,    /* the first point after the app was closed (on duty) */
	STORE_GAP_NO_FIX,    /* the first point after no fix, or none within the accuracy limit */
	STORE_GAP_COUNT
};
/* "", "duty", "closed", "no-fix"; NULL for another value. */
const char *store_track_gap_name(enum store_track_gap g);

/* One point, in integers (the wire carries the same numbers). */
struct store_track_point {
	int64_t t;                 /* UTC seconds since the epoch (the receiver's fix time) */
	int32_t lat, lon;          /* microdegrees (1e-6 degree, about 0.1 m) */
	int32_t acc;               /* horizontal accuracy in whole metres, -1 unknown */
	enum store_track_gap gap;
};

/*
 * Appends n points of inspector on device, in one durable transaction; the
 * day of each is its local day (fc_local_day).  A point the table holds
 * already (same device, inspector and second) is passed over.  At the depot
 * received_from names the device whose token delivered them (NULL on the
 * handheld), and the points are stored as sent.
 */
int store_track_append(struct store *st, const char *device, const char *inspector,
    const struct store_track_point *pts, size_t n, const char *received_from, char **cause);
/*
 * The points of a day (NULL: every day) and inspector (NULL: every one), by
 * inspector, day, device, then time; fn gets each with its device and inspector (valid
 * for the call) and returns non-zero to stop.
 */
typedef int store_track_fn(void *ctx, const char *device, const char *inspector, const char *day,
    const struct store_track_point *p);
int store_track_list(struct store *st, const char *day, const char *inspector, store_track_fn *fn,
    void *ctx, char **cause);
/* The handheld's points not yet sent, oldest first, at most limit; *last_id for store_track_mark_sent. */
int store_track_unsent(struct store *st, size_t limit, store_track_fn *fn, void *ctx, int64_t *last_id,
    char **cause);
/* Every unsent point up to last_id is at the depot now. */
int store_track_mark_sent(struct store *st, int64_t last_id, char **cause);
/* Points in the table, and how many of them are unsent. */
int store_track_counts(struct store *st, int64_t *points, int64_t *unsent, char **cause);

#endif
