/*
 * sync — what the client's parts share (client.c, http.c, drain.c,
 * worker.c), and the unit tests' way into the drain; nothing else includes it.
 */
#ifndef FIELDCHECK_SYNC_INTERNAL_H
#define FIELDCHECK_SYNC_INTERNAL_H

#include <stdatomic.h>

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

/* Local work to do while the depot handles an upload. */
typedef void sync_meanwhile_fn(void *arg);

/*
 * How a drain reaches the depot: the HTTP connection (http.c) or a unit
 * test's fake.  Beside the calls, what the drains learnt about the link,
 * kept across drains (the drain writes these, the transport only sets
 * timeout_ms).
 */
struct sync_transport {
	/*
	 * PUTs one frozen bundle.  SYNC_DONE only when the depot answered with
	 * its receipt for this bundle and all its records; SYNC_REFUSED with
	 * u->status for a refusal.  Calls meanwhile(arg) exactly once: as soon
	 * as the body is out (the depot is committing it), else at the end.
	 */
	enum sync_outcome (*upload)(struct sync_transport *t, const struct store_bundle *b,
	    sync_meanwhile_fn *meanwhile, void *arg, struct sync_upload_info *u, char **cause);
	/* True once asked to stop. */
	bool (*stopped)(struct sync_transport *t);
	long timeout_ms;            /* an upload's time limit */
	double bytes_per_s;         /* upload throughput measured; 0: not yet */
	char unanswered[FC_UUID_LEN];  /* the bundle last delivered whole without an answer */
};

/* One HTTP connection to the depot (a libcurl easy handle kept for keep-alive). */
struct sync_conn;

/* Copies nothing: o and its strings must outlive the connection.  Reads the
 * token file.  Caller closes. */
int sync_conn_open(const struct sync_options *o, struct sync_conn **out, char **cause);
void sync_conn_close(struct sync_conn *c);
/* The connection as a drain's transport.  Owned by c. */
struct sync_transport *sync_conn_transport(struct sync_conn *c);
/* A flag that, once true, aborts the transfer under way. */
void sync_conn_set_stop(struct sync_conn *c, atomic_bool *stop);
/* GET /v1/health; SYNC_DONE when it answered as a depot. */
enum sync_outcome sync_conn_health(struct sync_conn *c, char **cause);

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

/* Copies nothing: o must outlive it.  Caller closes. */
int sync_photo_conn_open(const struct sync_options *o, struct sync_photo_transport **out,
    char **cause);
void sync_photo_conn_close(struct sync_photo_transport *t);
/* A flag that, once true, aborts the photo transfer under way. */
void sync_photo_conn_set_stop(struct sync_photo_transport *t, atomic_bool *stop);

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

#endif
