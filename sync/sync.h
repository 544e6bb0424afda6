/*
 * sync — moving finalized records from the handheld to the depot.
 *
 * Three layers, each usable alone:
 *
 *   bundle_*       the bundle codec: a gzip (RFC 1952) stream of NDJSON, a
 *                  header line then one record per line, in the format of
 *                  store_record_to_json().  The decoder is the only one in
 *                  the project (the depot, `fieldcheck bundle cat`, the tests
 *                  and the fuzzer all use it) and it enforces hard limits on
 *                  compressed size, decompressed size, line length and
 *                  record count, so a zip bomb or a hostile body costs at
 *                  most those limits.
 *
 *   sync_run       one drain of the queue, as `fieldcheck sync` does at the
 *                  dock: bundle every pending record (frozen in the outbox),
 *                  then PUT each unsent bundle to the depot.  A bundle counts
 *                  as sent only when the depot answered 2xx with the JSON
 *                  body the protocol promises (a Wi-Fi login page's 200 HTML
 *                  is a failure).
 *
 *   sync_proc_*    what the TUI uses: the background worker, a child
 *                  process (`fieldcheck-sync --tui-worker`, syncd/worker.c)
 *                  that drains, retries with backoff and probes the depot
 *                  while offline, and whose statuses arrive on a pipe the
 *                  TUI's poll() loop watches.  Only fieldcheck-sync links
 *                  libcurl; this part needs none of it.
 *
 * The wire protocol is in docs/sync-protocol.md.
 *
 * Errors: 0 on success, -1 on failure with a message in *cause (caller
 * frees) when cause is not NULL.
 */
#ifndef FIELDCHECK_SYNC_H
#define FIELDCHECK_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "forms/forms.h"
#include "store/store.h"
#include "util/util.h"

/* ---- The bundle codec ---- */

#define BUNDLE_FORMAT_VERSION 1
#define BUNDLE_MAX_FORMS 64           /* distinct forms named in one header */

/*
 * The writer's cap on a bundle's compressed size (a flaky link still makes
 * progress), and the decoder's default limits.  The decoder accepts more
 * than the writer makes, so a depot can take bundles from a device whose
 * cap was raised.
 */
#define BUNDLE_DEFAULT_MAX_COMPRESSED   (256u * 1024u)
#define BUNDLE_LIMIT_COMPRESSED         (1024u * 1024u)
#define BUNDLE_LIMIT_DECOMPRESSED       (16u * 1024u * 1024u)
#define BUNDLE_LIMIT_LINE               (1024u * 1024u)
#define BUNDLE_LIMIT_RECORDS            10000u

/*
 * zlib's level for bundles.  3 is the best-compressing of deflate's fast
 * (greedy) levels: on a drain's records it deflates 1.7 times as fast as
 * level 4, the fastest lazy-matching level, for some 11% more bytes, and a
 * patrol's bundle of one record comes out the same size either way.  A
 * docking drain is bound by the handheld's CPU, not by the link.
 */
#ifndef BUNDLE_DEFLATE_LEVEL
#define BUNDLE_DEFLATE_LEVEL 3
#endif

/* What the decoder accepts at most; a zero field means its BUNDLE_LIMIT_* default. */
struct bundle_limits {
	size_t max_compressed;
	size_t max_decompressed;
	size_t max_line;
	size_t max_records;
};

/* One form named in a bundle's header. */
struct bundle_form {
	char id[STORE_ID_LEN];
	char version[STORE_VERSION_LEN];
	char hash[STORE_HASH_LEN];
};

/* The first line of a bundle. */
struct bundle_header {
	int format;                           /* BUNDLE_FORMAT_VERSION */
	char uuid[FC_UUID_LEN];
	char device[STORE_ID_LEN];
	char created_at[FC_TIME_LEN];
	size_t record_count;
	struct bundle_form forms[BUNDLE_MAX_FORMS];
	size_t form_count;
	size_t track_count;                   /* track lines (a track bundle: no records) */
};

/*
 * The writer: add records oldest first, then finish.  Records are rendered
 * with store_record_to_json() and compressed once at finish, so a bundle's
 * bytes never exceed max_compressed; records that did not fit are left out
 * of the finished bundle (bundle_writer_uuids() names those that went in).
 */
struct bundle_writer;

/* max_compressed 0: BUNDLE_DEFAULT_MAX_COMPRESSED.  Caller frees with bundle_writer_free. */
struct bundle_writer *bundle_writer_new(const char *device, size_t max_compressed);
/*
 * The cap for the index-th bundle (from 0) a drain freezes, under max
 * (0: BUNDLE_DEFAULT_MAX_COMPRESSED).  A drain's bundles start at an eighth
 * of max (never below 16 KiB) and grow 1.5 times a bundle up to max: the
 * upload of a small first bundle starts at once, and each later bundle is
 * frozen while the depot commits the one before it (freezing costs about
 * what committing does, so faster growth would leave the link waiting).
 */
size_t bundle_ramp_cap(size_t max, unsigned index);
/*
 * The record limit for a drain's next bundle (0: none beyond its byte
 * cap), so that a drain ends on a small bundle of about
 * BUNDLE_DRAIN_TAIL records: the last upload, and marking its records sent,
 * are the drain's tail, with no freezing left to overlap them.  unfrozen:
 * final records not yet in a bundle; cap: this bundle's byte cap;
 * bytes_per_record: compressed, in the bundle before (0: no bundle yet).
 */
#define BUNDLE_DRAIN_TAIL 256u
size_t bundle_drain_limit(size_t unfrozen, size_t cap, double bytes_per_record);
void bundle_writer_free(struct bundle_writer *w);
/*
 * Adds one record.  Returns 0 when added, 1 when the bundle is full (the
 * record was not added; finish this bundle and start another), -1 on error
 * (a record that alone cannot fit, too many forms).
 */
int bundle_writer_add(struct bundle_writer *w, const struct store_record *rec, char **cause);
/* Number of records added so far. */
size_t bundle_writer_count(const struct bundle_writer *w);
/*
 * Adds one track line (track_wire_encode's, without its newline) to a track
 * bundle: a bundle holds records or track lines, never both (0, or -1 when
 * the writer has records or the line is too long).  The header of a track
 * bundle says "record_count":0 and "tracks":N (docs/sync-protocol.md).
 */
int bundle_writer_add_track(struct bundle_writer *w, const char *line, size_t len, char **cause);
/* At most this many track lines in one bundle. */
#define BUNDLE_LIMIT_TRACKS 1000u
/*
 * Compresses the bundle and fills *out (uuid, sha256 hex, bytes, size,
 * record_count, created_at); out->bytes is the caller's to free (or pass
 * out to store_bundle_free when out was allocated).  Fails when empty.
 */
int bundle_writer_finish(struct bundle_writer *w, struct store_bundle *out, char **cause);
/* After finish: the UUIDs of the records in the bundle, in order.  Owned by w. */
const char *const *bundle_writer_uuids(const struct bundle_writer *w, size_t *n);

/* A decoded bundle: its header and its records (or track lines), validated. */
struct track_wire;
struct bundle {
	struct bundle_header header;
	struct store_record **records;
	size_t record_count;
	struct track_wire *tracks;            /* track/track.h; each device's own */
	size_t track_count;
};
void bundle_free(struct bundle *b);

/*
 * Decodes and validates a whole bundle within limits (NULL: defaults): the
 * gzip stream, the header, every record line (store_record_from_json), the
 * record count against the header, and the forms against the header; a
 * track bundle's lines by track_wire_decode, each of the header's device.
 * Caller frees *out with bundle_free.  On error *cause says what and where
 * ("line 12: ...").
 */
int bundle_decode(const void *bytes, size_t len, const struct bundle_limits *limits,
    struct bundle **out, char **cause);

/*
 * Only the gzip layer, within limits: the NDJSON text as sent.  Caller frees
 * *out (NUL-terminated; *out_len excludes the NUL).
 */
int bundle_inflate(const void *bytes, size_t len, const struct bundle_limits *limits,
    char **out, size_t *out_len, char **cause);

/* SHA-256 of len bytes as 64 lowercase hex digits, and as RFC 9530's base64. */
void bundle_sha256_hex(const void *bytes, size_t len, char hex[STORE_HASH_LEN]);
#define BUNDLE_SHA256_B64_LEN 45
void bundle_sha256_b64(const void *bytes, size_t len, char b64[BUNDLE_SHA256_B64_LEN]);
/* The same digest from its hex form (an outbox bundle's sha256), without hashing again;
 * -1 if hex is not 64 hex digits. */
int bundle_sha256_hex_to_b64(const char *hex, char b64[BUNDLE_SHA256_B64_LEN]);

/* ---- The client ---- */

/*
 * Where and how to sync.  Strings are the caller's and must outlive the
 * call.  Unset (NULL/0) fields take values
 * from sync_options_fill() or built-in defaults.
 */
struct sync_options {
	const char *db_path;        /* the handheld's store */
	const char *server;         /* base URL, e.g. https://depot.example:8443 */
	const char *device;         /* this device's name at the depot */
	const char *token_file;     /* holds the bearer token; refused if group/world-readable */
	const char *cacert;         /* CA bundle for a city CA; NULL: system CAs */
	long connect_timeout_ms;    /* 0: 10 s */
	long timeout_ms;            /* whole-request limit; 0: 60 s */
	size_t max_bundle_bytes;    /* 0: BUNDLE_DEFAULT_MAX_COMPRESSED */
	bool once;                  /* sync_run: no retry after a failure */
	long retry_for_ms;          /* sync_run without once: give up after this long; 0: 120 s */
};

/* Fills NULL server/device/token_file/cacert from the configuration's keys
 * `server`, `device`, `token_file`, `cacert` (pointers into cfg). */
void sync_options_fill(struct sync_options *o, const struct fc_config *cfg);

/* Reads a token file: refuses one readable by group or others, or empty.
 * Caller frees *token. */
int sync_read_token(const char *path, char **token, char **cause);

/* Progress of a drain, for a progress bar or plain lines. */
struct sync_progress {
	int64_t records_total;      /* queued when the drain started */
	int64_t records_done;
	int64_t bytes_done;         /* compressed bytes accepted by the depot */
	int64_t elapsed_ms;
	int64_t bundles_done;
	const char *note;           /* a retry or failure message, else NULL */
};
typedef void sync_progress_fn(void *ctx, const struct sync_progress *p);

/* How a drain reaches the depot (sync_internal.h; fieldcheck-sync's is HTTP). */
struct sync_transport;
struct sync_photo_transport;

/*
 * Drains the queue at o->db_path through t: bundles, then uploads every
 * unsent bundle, then (through pt, after the records) the photos they name,
 * then asks the change feed.  Returns 0 when nothing is left queued; -1
 * with the reason (unreachable, refused, timed out, not our depot)
 * otherwise.  progress may be NULL.
 */
int sync_run(const struct sync_options *o, struct sync_transport *t,
    struct sync_photo_transport *pt, sync_progress_fn *progress, void *ctx, char **cause);

/* ---- The background worker's status (for the TUI) ---- */

enum sync_result {
	SYNC_NEVER,                 /* no sync attempt finished yet */
	SYNC_OK,
	SYNC_FAILED,
};

/* The worker's latest status. */
#define SYNC_QUEUE_UNKNOWN (-1)
struct sync_status {
	int64_t queued;             /* records final or bundled, not yet sent (refused aside),
	                               or SYNC_QUEUE_UNKNOWN: the store could not count them */
	int64_t refused;            /* records in bundles the depot refused, kept aside */
	bool sending;               /* an upload round is under way */
	int64_t sending_done;       /* records the depot accepted in this round */
	int64_t sending_total;      /* records queued when this round started */
	bool offline;               /* the depot did not answer (or answered wrong) */
	int64_t retry_at_ms;        /* fc_monotonic_ms() of the next attempt; 0: none planned */
	time_t last_sync;           /* wall clock of the last finished attempt; 0: never */
	enum sync_result last_result;
	char message[256];          /* why the last attempt failed, or "" */
	uint32_t feed_seq;          /* moves each time the depot's change feed brought something */
	uint32_t feed_checklists, feed_tasks, feed_decisions;  /* what it brought that time */
};

/*
 * Renders the status bar text, e.g.
 *   "queued 3 · sending 1/3 · offline, retry in 40 s · last sync 14:02 ✓"
 * (UTF-8, local time).  Parts that do not apply are left out; with nothing
 * queued and no attempt yet it reads "queued 0"; a queue the store could not
 * count reads "queue unreadable: MESSAGE", never a number.  Records in bundles the
 * depot refused read "· refused N"; a failure that is not the network's
 * (e.g. a refused token) reads "· refused".  Always NUL-terminates.
 */
void sync_status_describe(const struct sync_status *s, char *buf, size_t size);
/*
 * The same in other words: each a printf format taking exactly the
 * conversions of its English one in sync_words_en (so a screen can say them
 * in its language; the order of the parts and what is left out stay here).
 */
struct sync_words {
	const char *queued;         /* "queued %lld" */
	const char *unreadable;     /* "queue unreadable: %s" (the message) */
	const char *sending;        /* " · sending %lld/%lld" (done, total) */
	const char *offline_retry;  /* " · offline, retry in %lld s" */
	const char *offline;        /* " · offline" */
	const char *refused_n;      /* " · refused %lld" */
	const char *refused;        /* " · refused" */
	const char *last_sync;      /* " · last sync %s %s" (HH:MM, ✓ or ✗) */
};
extern const struct sync_words sync_words_en;
void sync_status_describe_in(const struct sync_status *s, const struct sync_words *w, char *buf,
    size_t size);

/* ---- The worker in a child process (for the TUI) ---- */

/*
 * The protocol between sync_proc_* and `fieldcheck-sync --tui-worker`, two
 * programs of one build on one machine: the child writes each new status as
 * one struct sync_status (smaller than PIPE_BUF, so one atomic write) on its
 * stdout; a byte on its stdin means "try now", end of file means "stop".
 * Its stderr goes to /dev/null: the terminal is the screen's.
 */
struct sync_proc;

/*
 * The fieldcheck-sync beside the running program (/proc/self/exe), else
 * plain "fieldcheck-sync" for a PATH search.  Caller frees.
 */
char *sync_helper_path(void);

/*
 * Starts fieldcheck-sync --tui-worker on the store at db_path as device
 * (NULL: the configuration's `device`, else the host name); it reads the
 * configuration's server, token_file and cacert itself.  A worker that
 * cannot start (no token, say) reports that as its first status and exits.
 * Caller stops it with sync_proc_stop.
 */
int sync_proc_start(const char *db_path, const char *device, struct sync_proc **out, char **cause);
/* Polls readable when a status (or the child's exit) is waiting; -1 once it exited. */
int sync_proc_fd(const struct sync_proc *p);
/* Reads what arrived and copies the latest status.  Returns 1 when a new
 * one arrived since the last read, 0 when not. */
int sync_proc_read(struct sync_proc *p, struct sync_status *out);
/* Try now. */
void sync_proc_nudge(struct sync_proc *p);
/* Tells the child to stop, waits for it (at most 3 s, then SIGKILL) and frees p. */
void sync_proc_stop(struct sync_proc *p);

/* ---- The change feed, the handheld's side (sync/feed.c; docs/sync-protocol.md) ---- */

#define SYNC_FEED_MAX_PAGE      (8u * 1024u * 1024u)   /* a page's bytes at most */
#define SYNC_FEED_MAX_CHANGES   1000u                  /* a page's changes at most */

/* One page, decoded and checked: every change within its bounds. */
struct sync_feed_page {
	char cursor[128];
	bool more;
	struct store_change **changes;
	size_t count;
};
/* Decodes a page (the depot's JSON); on error *cause says which change and field.  Caller frees. */
int sync_feed_decode(const char *json, size_t len, struct sync_feed_page **out, char **cause);
void sync_feed_page_free(struct sync_feed_page *p);

/* What a sync's feed brought. */
struct sync_feed_summary {
	size_t pages, checklists, tasks, decisions;
	size_t rejected;                    /* checklists that did not load here: kept out */
	char rejected_hash[STORE_HASH_LEN]; /* the last of them, named to the depot */
	char rejected_why[160];
	bool unchanged;                     /* answered 304 at once */
	bool restarted;                     /* the depot refused the cursor: started over */
	bool no_feed;                       /* the depot has none (404, 501): uploads only */
};
/* "from the depot: 1 checklist, 2 tasks, 0 decisions", or that nothing was new. */
void sync_feed_describe(const struct sync_feed_summary *sum, char *buf, size_t size);
/* Adds every checklist version the feed installed in st to lib (a draft's old version included). */
int sync_feed_checklists(struct store *st, struct form_library *lib, form_diag_fn *diag, void *ctx,
    char **cause);

#endif
