/*
 * sync — what the client's parts share (client.c, drain.c) with
 * fieldcheck-sync (syncd/: the HTTP transport, and the worker that
 * schedules drains), and the unit tests' way into the drain; nothing else
 * includes it.
 */
#ifndef FIELDCHECK_SYNC_INTERNAL_H
#define FIELDCHECK_SYNC_INTERNAL_H

#include "sync/sync.h"

/* How an attempt ended. */
enum sync_outcome {
	SYNC_DONE,          /* drained: nothing left queued */
	SYNC_TRANSIENT,     /* unreachable, timed out, 5xx, not our depot: try later */
	SYNC_REFUSED,       /* the depot said no (4xx): retrying the same bytes will not help
	                     * (a bundle refused for its content is set aside, not this) */
	SYNC_ABORTED,       /* asked to stop */
	SYNC_LOCAL,         /* our own store failed */
	SYNC_RESIZED,       /* a bundle too big for the link was re-frozen smaller: go again now */
	SYNC_NO_PHOTOS,     /* photo_drain.c only: the depot has no photo resource (404, 405) */
};

/* What one upload attempt saw besides its outcome. */
struct sync_upload_info {
	long status;                /* the HTTP status; 0: no answer */
	int64_t delivered;          /* body bytes the depot's side acknowledged */
	int64_t elapsed_ms;         /* the attempt's time */
	bool timed_out;
};

/*
 * How a drain reaches the depot: fieldcheck-sync's HTTP connection
 * (syncd/http.c, libcurl) or a unit test's fake.  Beside the calls, what the drains learnt about the link,
 * kept across drains (the drain writes these, the transport only sets
 * timeout_ms).
 */
struct sync_transport {
	/*
	 * An upload in two halves, so that the drain's own work overlaps the
	 * depot's commit: send starts PUTting one frozen bundle and returns
	 * once its body is out (or the request ended early); receipt then waits
	 * for the answer.  SYNC_DONE only when the depot answered with its
	 * receipt for this bundle and all its records; SYNC_REFUSED with
	 * u->status for a refusal.  Every send is followed by its receipt.
	 */
	void (*send)(struct sync_transport *t, const struct store_bundle *b);
	enum sync_outcome (*receipt)(struct sync_transport *t, const struct store_bundle *b,
	    struct sync_upload_info *u, char **cause);
	/* True once asked to stop. */
	bool (*stopped)(struct sync_transport *t);
	/*
	 * GET path (with its query) with the token, If-None-Match "if_none_match"
	 * when not NULL, the body (gzip accepted) into body, at most max bytes.
	 * SYNC_DONE when the depot answered (any status, in *status; a 200 must
	 * be JSON), else why not.  The change feed's way down (sync/feed_fetch.c).
	 */
	enum sync_outcome (*get)(struct sync_transport *t, const char *path, const char *if_none_match,
	    struct fc_buf *body, size_t max, long *status, char **cause);
	long timeout_ms;            /* an upload's time limit */
	double bytes_per_s;         /* upload throughput measured; 0: not yet */
	char unanswered[FC_UUID_LEN];  /* the bundle last delivered whole without an answer */
};

/*
 * After the uploads: the depot's change feed for this device, page after
 * page, each applied with its cursor in one store transaction (sync/feed.c).
 */
enum sync_outcome sync_feed_fetch(struct store *st, struct sync_transport *t,
    struct sync_feed_summary *sum, char **cause);
/* The background worker's feed: fetches it, and notes in s what it brought (feed_seq moves). */
void sync_feed_poll(struct store *st, struct sync_transport *t, struct sync_status *s);
/* Applies one page with its cursor (feed.c): checklists that do not load here are left out, noted in sum. */
int sync_feed_apply(struct store *st, struct sync_feed_page *p, struct sync_feed_summary *sum,
    char **cause);

/* Called after each bundle the depot committed, and at the start. */
typedef void sync_drain_fn(void *ctx, int64_t records_total, int64_t records_done,
    int64_t bytes_done);

/*
 * One pass over the queue: send what is in the outbox, bundle what is
 * pending, until nothing is left (SYNC_DONE) or something fails (the reason
 * in *cause).
 */
enum sync_outcome sync_drain(struct store *st, struct sync_transport *t,
    const struct sync_options *o, sync_drain_fn *fn, void *ctx, char **cause);

/*
 * ---- Photos (photo_drain.c, photo_http.c; docs/sync-protocol.md,
 * "Photos") ----
 *
 * How the photo drain reaches the depot: tus 1.0 core's HEAD and PATCH on
 * /v1/photos/{sha256} (photo_http.c), or a unit test's fake.  Both calls
 * give SYNC_DONE with *offset, the bytes the depot holds (== length: the
 * photo is committed there); SYNC_REFUSED with u->status for a refusal,
 * its reason in *cause; SYNC_TRANSIENT when the network may heal it.
 */
struct sync_photo_transport {
	enum sync_outcome (*offset)(struct sync_photo_transport *t, const char *sha256,
	    int64_t length, int64_t *offset, struct sync_upload_info *u, char **cause);
	/* PATCHes bytes[*offset..length) at *offset; *offset becomes what the depot holds. */
	enum sync_outcome (*send)(struct sync_photo_transport *t, const char *sha256,
	    const unsigned char *bytes, int64_t length, int64_t *offset, struct sync_upload_info *u,
	    char **cause);
	bool (*stopped)(struct sync_photo_transport *t);
	int64_t wire_bytes;         /* photo body bytes put on the wire, for the figures */
};


/*
 * Uploads every photo a sent record names that the depot has neither
 * committed nor refused (store_photos_to_upload), resuming each from what
 * the depot holds.  A photo the depot refuses (too large, not a JPEG, no
 * record of ours names it) is set aside with the reason, the others go
 * on.  SYNC_DONE when none is left; else how it stopped, with *cause.
 */
enum sync_outcome sync_photo_drain(struct store *st, struct sync_photo_transport *t,
    const char *db_path, char **cause);

/* Records queued (final + bundled, less those in bundles the depot refused),
 * those refused, and those final, in no bundle yet (refused and unbundled
 * may be NULL). */
int sync_queued(struct store *st, int64_t *queued, int64_t *refused, int64_t *unbundled,
    char **cause);

/* The delay before attempt number failures+1: base * 2^(failures-1), capped,
 * with jitter (between half and all of it). */
int64_t sync_backoff_ms(int failures, int64_t base_ms, int64_t cap_ms);

/*
 * tracks.c: freezes the device's unsent track points into one track bundle
 * (*made true), or finds none (*made false).
 */
int sync_freeze_tracks(struct store *st, const char *device, bool *made, char **cause);

#endif
