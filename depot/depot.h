/*
 * depot — the receiver: fieldcheck-depot's HTTP server (server.c) and its
 * command line (main.c).  Records land through store/depot_store.h: on
 * SQLite in the same schema as a handheld's, so `fieldcheck --db depot.db
 * list` reads them, or on PostgreSQL for several depots on one database.
 */
#ifndef FIELDCHECK_DEPOT_H
#define FIELDCHECK_DEPOT_H

#include <stddef.h>

#include <stdbool.h>
#include <stdint.h>

struct sockaddr;

/* Defaults of the limits below; docs/security.md says why. */
#define DEPOT_MAX_CONNECTIONS   512
#define DEPOT_PER_ADDRESS       32
#define DEPOT_HEAD_TIMEOUT_S    10
#define DEPOT_MIN_RATE          256
#define DEPOT_IDLE_TIMEOUT_S    30

struct depot_config {
	const char *db_path;
	const char *listen;          /* HOST:PORT or [V6]:PORT; default 127.0.0.1:8088 */
	unsigned threads;            /* thread pool size; 0: 4 */
	unsigned max_connections;    /* all connections; 0: DEPOT_MAX_CONNECTIONS */
	unsigned per_ip_connections; /* unauthenticated ones from one address; 0: DEPOT_PER_ADDRESS */
	unsigned timeout_s;          /* idle connection timeout; 0: DEPOT_IDLE_TIMEOUT_S */
	unsigned head_timeout_s;     /* a request head's deadline; 0: DEPOT_HEAD_TIMEOUT_S */
	unsigned min_rate;           /* bytes/s a body must keep up; 0: DEPOT_MIN_RATE */
	size_t max_body;             /* 413 above this; 0: BUNDLE_LIMIT_COMPRESSED */
	const char *tls_cert;        /* PEM certificate (chain) file; with tls_key: HTTPS */
	const char *tls_key;         /* PEM private key file; NULL with tls_cert: plain HTTP */
	size_t max_photo_bytes;      /* a photo over this is refused; 0: DEPOT_MAX_PHOTO_BYTES */
	uint64_t max_photo_pixels;   /* likewise; 0: DEPOT_MAX_PHOTO_PIXELS */
};

/*
 * Serves until SIGTERM or SIGINT, then stops accepting, lets requests in
 * flight finish (up to 30 s) and returns 0; -1 with *cause when it could
 * not start.
 */
int depot_serve(const struct depot_config *cfg, char **cause);

/*
 * `platform push`: queues the cases of the days given for the city's
 * platform, then runs fieldcheck-push (depot/platform.c).  argv[0] is
 * "platform".  Returns the exit status.
 */
int depot_platform(const char *db, int argc, char **argv);

/*
 * `forms ...` and `task ...`: the catalogue of checklists and the tasks
 * (depot/dock.c).  argv[0] is "forms" or "task".  Returns the exit status.
 */
int depot_dock(const char *db, int argc, char **argv);

/*
 * One page of a device's change feed (depot/feed.c): GET /v1/changes?since=CURSOR.
 * status is the HTTP status to answer, result the log's word; body (caller
 * frees) is the JSON page on 200, else *cause says why.
 */
#define DEPOT_FEED_LIMIT      200
#define DEPOT_FEED_MAX_LIMIT  1000
struct depot_store;
struct depot_feed_reply {
	unsigned status;
	const char *result;
	char *body;
	size_t count;                /* changes in the page */
	bool more;                   /* another page follows at once */
	char cursor[32 + 65];        /* the page's cursor: SEQ.DEVICE */
};
int depot_feed_page(struct depot_store *ds, const char *device, const char *since, size_t limit,
    struct depot_feed_reply *out, char **cause);
/* A page gzipped (RFC 1952) for a client that accepts it; *out caller frees.  0 or -1. */
int depot_feed_gzip(const char *in, size_t n, unsigned char **out, size_t *out_len);
/* A cursor's parts ("" or NULL: the start, seq 0 and device ""); -1 when malformed. */
int depot_feed_cursor_parse(const char *text, int64_t *seq, char device[65]);

/*
 * ---- Photos (photo_recv.c): HEAD and PATCH /v1/photos/{sha256}, tus 1.0
 * core's semantics; docs/sync-protocol.md. ----
 */
#define DEPOT_MAX_PHOTO_BYTES  (8u * 1024u * 1024u)   /* a 1600-pixel JPEG is well under 1 MiB */
#define DEPOT_MAX_PHOTO_PIXELS 40000000u               /* 8192 x 4883: the largest max-pixels */

struct depot_photo_limits {
	size_t max_bytes;
	uint64_t max_pixels;
};
/* What to answer: status, a word for the log, Upload-Offset and -Length (-1: none), and why. */
struct depot_photo_reply {
	unsigned status;
	const char *code;
	int64_t offset, length;
	char *message;               /* caller frees; NULL on success */
};
/* The request headers a PATCH reads (NULL: absent). */
struct depot_photo_headers {
	const char *content_type, *upload_offset, *upload_length, *content_length;
};
struct photo_store;
struct depot_photo;

/* HEAD: how much of the photo the depot holds.  ps NULL: the engine keeps none. */
void depot_photo_head(struct depot_store *ds, struct photo_store *ps, const char *dir,
    const struct depot_photo_limits *lim, const char *device, const char *sha256,
    struct depot_photo_reply *r);
/* PATCH's head: an upload to feed with the body, or NULL with the reply to give now. */
struct depot_photo *depot_photo_begin(struct depot_store *ds, struct photo_store *ps,
    const char *dir, const struct depot_photo_limits *lim, const char *device, const char *sha256,
    const struct depot_photo_headers *h, struct depot_photo_reply *r);
void depot_photo_body(struct depot_photo *p, const void *data, size_t n);
/* The body is all in: the reply (a whole photo checked and stored, or refused and removed). */
void depot_photo_end(struct depot_photo *p, struct photo_store *ps,
    const struct depot_photo_limits *lim, struct depot_photo_reply *r);
/* Closes the upload; the bytes received stay for the next PATCH.  NULL is fine. */
void depot_photo_free(struct depot_photo *p);

/* SHA-256 hex of a token, as the devices table keeps it. */
void depot_token_hash(const char *token, char hex[65]);

/*
 * The connection guard (guard.c): head deadline, minimum body rate, and
 * limits on unauthenticated connections per address and in all, which a
 * connection that proved a token is exempt from.  Thread-safe; every call
 * but guard_new/guard_free comes from libmicrohttpd's threads.
 */
struct guard_limits {
	unsigned per_address;        /* untrusted connections from one address */
	unsigned untrusted;          /* untrusted connections in all */
	unsigned head_timeout_s;
	unsigned min_rate;           /* bytes/s, judged after a 10 s grace */
};
struct guard_counts {
	unsigned long ended_head, ended_rate, evicted, over;
	unsigned long refused;       /* ended at accept: no descriptor left to follow them with */
};
struct guard;
struct guard_conn;
struct guard *guard_new(const struct guard_limits *lim);
void guard_free(struct guard *g);
/* A connection was accepted (fd: its socket; peer: its address); the result goes with it. */
struct guard_conn *guard_opened(struct guard *g, int fd, const struct sockaddr *peer);
void guard_closed(struct guard *g, struct guard_conn *c);
/* Its request head arrived (trusted: it carried a valid token); true when it must be answered 503. */
bool guard_head_done(struct guard *g, struct guard_conn *c, bool trusted);
void guard_body(struct guard *g, struct guard_conn *c, size_t bytes);
/* Its whole body is in: the depot's own work (decoding, the write queue) has no deadline here. */
void guard_body_done(struct guard *g, struct guard_conn *c);
/* Its request was answered; the connection may carry another. */
void guard_request_done(struct guard *g, struct guard_conn *c);
void guard_counts(struct guard *g, struct guard_counts *out);

#endif
