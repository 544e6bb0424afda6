/*
 * depot — the HTTP receiver (libmicrohttpd, its own thread pool).
 *
 *   GET /v1/health             {"service":"fieldcheck-depot","status":"ok","format":1}
 *   PUT /v1/bundles/{uuid}     a bundle; see docs/sync-protocol.md for the replies
 *   GET /v1/changes?since=C    a page of the device's change feed (depot/feed.c)
 *   HEAD, PATCH /v1/photos/{sha256}   a photo, resumably (photo_recv.c)
 *
 * Over HTTPS when given a certificate and key (libmicrohttpd's TLS, GnuTLS
 * underneath), so the depot needs no TLS-terminating proxy in front.
 *
 * A reply of 201/200 is sent only after store_ingest() committed (WAL,
 * synchronous=FULL), so a device that saw it may forget the bundle.  A
 * request cut by a crash committed nothing: ingest is one transaction.
 *
 * Every request is checked before anything is stored: token (constant-time
 * against every device's hash), size, media type, digest (RFC 9530
 * Repr-Digest), then the whole bundle through the shared decoder.
 *
 * Each pool thread has a store connection of its own for reading (lent
 * from a pool of as many), so authenticating and decoding (inflate, JSON,
 * validation) run in parallel on every core.  SQLite admits one writer:
 * ingest transactions go through one writer connection under a mutex.  The
 * mutex queues them without SQLite's busy handler, which sleeps and polls;
 * the single writer keeps its page cache warm, where a connection that
 * writes after another one must drop its cache.  On PostgreSQL
 * (store/depot_store.h) there is no single writer: each thread ingests on
 * the connection it borrowed, and the database serialises what must be.
 * One log line per request goes to stderr.
 */
#include "depot/depot.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "photo/photo.h"
#include "store/depot_store.h"
#include "sync/sync.h"
#include "track/track.h"
#include "util/util.h"

#define DEPOT_MAX_STORES 256
#define DEPOT_GRACE_MS   30000
#define DEPOT_MAX_PEM    (1024 * 1024)

struct depot {
	const struct depot_config *cfg;
	size_t max_body;
	atomic_int inflight;

	pthread_mutex_t lock;               /* guards the pool */
	pthread_cond_t returned;
	pthread_mutex_t write_lock;         /* guards writer */
	struct depot_store *writer;         /* SQLite: every ingest transaction; PostgreSQL: NULL */
	struct guard *guard;
	char *tls_cert, *tls_key;           /* PEM text, for HTTPS; NULL for HTTP */
	size_t tls_cert_len, tls_key_len;
	struct depot_store *stores[DEPOT_MAX_STORES];
	size_t store_count;
	struct depot_store *idle[DEPOT_MAX_STORES];
	size_t idle_count;
	struct photo_store *photos;         /* beside the database; NULL: the engine keeps none */
	char *photo_dir;
	struct depot_photo_limits photo_limits;
};

/* One request's state, from its first callback to its completion. */
struct request {
	int64_t start_ms;
	bool is_put;
	char method[16];               /* as sent, for the log; cut to fit */
	char device[STORE_ID_LEN];     /* the token's device, once authenticated */
	struct guard_conn *conn;       /* the guard's view of its connection */
	unsigned char *body;
	size_t len, cap;
	bool too_large;
	bool responded;
	struct depot_photo *photo;     /* a PATCH of a photo, its body streamed to disk */
};

/* Answered to a client when the database fails: the detail (paths, SQLite's words) goes to the log only. */
static const char unavailable_text[] = "the depot cannot store bundles now: try again later";

void
depot_token_hash(const char *token, char hex[65])
{
	bundle_sha256_hex(token, strlen(token), hex);
}

/* Borrows a store connection (waits for one); give it back with return_store. */
static struct depot_store *
borrow_store(struct depot *d)
{
	struct depot_store *st;

	pthread_mutex_lock(&d->lock);
	while (d->idle_count == 0)
		pthread_cond_wait(&d->returned, &d->lock);
	st = d->idle[--d->idle_count];
	pthread_mutex_unlock(&d->lock);
	return st;
}

static void
return_store(struct depot *d, struct depot_store *st)
{
	pthread_mutex_lock(&d->lock);
	d->idle[d->idle_count++] = st;
	pthread_cond_signal(&d->returned);
	pthread_mutex_unlock(&d->lock);
}

/*
 * Writes s into out (size bytes) for the log: printable ASCII but the
 * backslash (and the space, unless spaces) as is, every other byte as
 * \xNN, so a field can neither end the line, split into two fields nor
 * reach the terminal as an escape sequence.  One that does not fit ends
 * in "...".
 */
static void
log_field(const char *s, bool spaces, char *out, size_t size)
{
	size_t o = 0;

	if (s == NULL || s[0] == '\0')
		s = "-";
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = (c > 0x20 || (spaces && c == 0x20)) && c < 0x7f && c != '\\';

		if (o + (plain ? 1 : 4) + 4 > size) {
			memcpy(out + o, "...", 4);
			return;
		}
		if (plain)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
	}
	out[o] = '\0';
}

/* Logs the request's line: escaped fields; detail (NULL: none) says what the reply did not. */
static void
log_request(const struct request *rq, unsigned status, const char *device, const char *bundle,
    size_t records, const char *result, const char *detail)
{
	char now[FC_TIME_LEN], method[80], dev[4 * STORE_ID_LEN], bun[160], det[1024];

	fc_now_iso_utc(now);
	log_field(rq->method, false, method, sizeof method);
	log_field(device, false, dev, sizeof dev);
	log_field(bundle, false, bun, sizeof bun);
	if (detail != NULL)
		log_field(detail, false, det, sizeof det);
	fprintf(stderr, "%s %s device=%s bundle=%s status=%u result=%s records=%zu ms=%lld%s%s\n", now,
	    method, dev, bun, status, result, records, (long long)(fc_monotonic_ms() - rq->start_ms),
	    detail != NULL ? " detail=" : "", detail != NULL ? det : "");
}

/* Queues a JSON reply and logs the request's line (detail: for the log only, or NULL). */
static enum MHD_Result
reply(struct MHD_Connection *conn, struct request *rq, unsigned status, json_t *body,
    const char *device, const char *bundle, size_t records, const char *result, const char *detail)
{
	char *text = json_dumps(body, JSON_COMPACT);
	struct MHD_Response *resp;
	enum MHD_Result rc;

	json_decref(body);
	if (text == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY);
	free(text);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	rq->responded = true;
	log_request(rq, status, device, bundle, records, result, detail);
	return rc;
}

static enum MHD_Result
reply_error(struct MHD_Connection *conn, struct request *rq, unsigned status, const char *device,
    const char *bundle, const char *result, const char *message)
{
	return reply(conn, rq, status, json_pack("{s:s}", "error", message), device, bundle, 0, result,
	    NULL);
}

/* 503 for a database failure: a generic reason to the client, cause to the log. */
static enum MHD_Result
reply_unavailable(struct MHD_Connection *conn, struct request *rq, const char *device,
    const char *bundle, const char *cause)
{
	return reply(conn, rq, 503, json_pack("{s:s}", "error", unavailable_text), device, bundle, 0,
	    "unavailable", cause);
}

/* A photo request's reply: tus's headers, and a JSON body saying what happened. */
static enum MHD_Result
reply_photo(struct MHD_Connection *conn, struct request *rq, const char *sha256,
    struct depot_photo_reply *r)
{
	json_t *body = json_pack("{s:s}", "photo", sha256);
	char *text, num[32];
	struct MHD_Response *resp;
	enum MHD_Result rc;
	bool generic = r->status == 503;

	if (r->offset >= 0)
		json_object_set_new(body, "offset", json_integer(r->offset));
	if (r->length >= 0)
		json_object_set_new(body, "length", json_integer(r->length));
	if (r->message != NULL)
		json_object_set_new(body, "error", json_string(generic ? unavailable_text : r->message));
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	/* tus: a 204 has no body; a HEAD's is never sent (libmicrohttpd drops it). */
	resp = r->status == 204 || text == NULL ?
	    MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT) :
	    MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY);
	free(text);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Tus-Resumable", "1.0.0");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (r->offset >= 0) {
		snprintf(num, sizeof num, "%lld", (long long)r->offset);
		MHD_add_response_header(resp, "Upload-Offset", num);
	}
	if (r->length >= 0) {
		snprintf(num, sizeof num, "%lld", (long long)r->length);
		MHD_add_response_header(resp, "Upload-Length", num);
	}
	if (r->status != 204)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	/* A HEAD's reply has no body: the reason of a refusal goes in a header too. */
	if (r->message != NULL && !generic && strpbrk(r->message, "\r\n") == NULL)
		MHD_add_response_header(resp, "Fieldcheck-Reason", r->message);
	rc = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	rq->responded = true;
	if (r->message == NULL && r->offset >= 0) {
		/* The log says where an upload stands: a resumed one starts past 0. */
		snprintf(num, sizeof num, "offset=%lld", (long long)r->offset);
		log_request(rq, r->status, rq->device, sha256, 0, r->code, num);
	} else {
		log_request(rq, r->status, rq->device, sha256, 0, r->code, r->message);
	}
	free(r->message);
	r->message = NULL;
	return rc;
}

/* What authenticate() found; the caller answers 401 to a refusal but 503 when unable. */
enum auth_result {
	AUTH_OK = 0,            /* name is the token's device */
	AUTH_REFUSED = -1,      /* no token, an unknown one, or a revoked device's */
	AUTH_UNAVAILABLE = -2,  /* the device table could not be read: no answer either way */
};

/*
 * The device a bearer token belongs to, found by the token's SHA-256 through
 * the devices table's unique index: one lookup however many handhelds a
 * city has.  What a lookup's timing could tell is how a guess's hash sorts
 * among the stored hashes, and a hash of 256 random bits gives nothing to
 * steer a guess by (docs/security.md).  *cause says why not.
 */
static enum auth_result
authenticate(struct depot_store *st, const char *header, char name[STORE_ID_LEN], bool *revoked,
    char **cause)
{
	struct store_device dev;
	char hex[65];
	int found;

	*revoked = false;
	name[0] = '\0';
	if (header == NULL || strncmp(header, "Bearer ", 7) != 0 || header[7] == '\0' ||
	    strlen(header) > 7 + 512)
		return fc_fail(cause, "missing or malformed Authorization: Bearer token");
	depot_token_hash(header + 7, hex);
	found = depot_store_device_by_token(st, hex, &dev, cause);
	sodium_memzero(hex, sizeof hex);
	if (found < 0)
		return AUTH_UNAVAILABLE;
	if (found == 0)
		return fc_fail(cause, "unknown token");
	fc_strlcpy(name, dev.name, STORE_ID_LEN);
	*revoked = dev.revoked;
	if (*revoked)
		return fc_fail(cause, "device %s is revoked", name);
	return AUTH_OK;
}

/* Checks a Repr-Digest header's sha-256 member against body's digest. */
static int
check_digest(const char *header, const unsigned char *body, size_t len, char **cause)
{
	char want[BUNDLE_SHA256_B64_LEN];
	const char *p, *end;

	if (header == NULL)
		return fc_fail(cause, "missing Repr-Digest: sha-256=:...:");
	if (strlen(header) > 1024)
		return fc_fail(cause, "Repr-Digest too long");
	p = strstr(header, "sha-256=:");
	if (p == NULL || (p != header && p[-1] != ' ' && p[-1] != ','))
		return fc_fail(cause, "Repr-Digest has no sha-256 member");
	p += 9;
	end = strchr(p, ':');
	bundle_sha256_b64(body, len, want);
	if (end == NULL || (size_t)(end - p) != strlen(want))
		return fc_fail(cause, "Repr-Digest sha-256 is malformed");
	if (sodium_memcmp(p, want, strlen(want)) != 0)
		return fc_fail(cause, "Repr-Digest does not match the body (corrupted in transit?)");
	return 0;
}

/* The whole body is in, and the token was checked on the head (rq->device). */
/*
 * A track bundle's lines (docs/coverage.md), stored before the bundle is
 * noted as received: a retry after a failure here stores them again, and a
 * point stored already is passed over.
 */
static int
depot_tracks(struct depot *d, const char *device, const struct bundle *b, bool *unsupported,
    char **cause)
{
	struct depot_store *st = d->writer != NULL ? d->writer : borrow_store(d);
	int rc = 0;

	if (d->writer != NULL)
		pthread_mutex_lock(&d->write_lock);
	for (size_t i = 0; i < b->track_count && rc == 0; i++)
		rc = depot_store_track_append(st, device, b->tracks[i].inspector, b->tracks[i].pts,
		    b->tracks[i].n, unsupported, cause);
	if (d->writer != NULL)
		pthread_mutex_unlock(&d->write_lock);
	else
		return_store(d, st);
	return rc;
}

static enum MHD_Result
handle_bundle(struct depot *d, struct MHD_Connection *conn, struct request *rq, const char *uuid)
{
	const char *device = rq->device, *ctype;
	char *cause = NULL, sha256[65];
	struct bundle *b = NULL;
	struct bundle_limits lim = { .max_compressed = d->max_body };
	struct store_ingest_result res;
	bool already, unsupported = false;
	enum MHD_Result rc;
	int arc;

	if (rq->too_large) {
		cause = xasprintf("body over %zu bytes", d->max_body);
		rc = reply_error(conn, rq, 413, device, uuid, "too-large", cause);
		goto out;
	}
	if (!fc_valid_uuid(uuid)) {
		rc = reply_error(conn, rq, 400, device, uuid, "bad-request",
		    "the path must be /v1/bundles/{lower-case UUID}");
		goto out;
	}
	ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (ctype == NULL || strcmp(ctype, "application/gzip") != 0) {
		rc = reply_error(conn, rq, 415, device, uuid, "bad-type", "Content-Type must be application/gzip");
		goto out;
	}
	if (check_digest(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Repr-Digest"), rq->body,
	    rq->len, &cause) != 0) {
		rc = reply_error(conn, rq, 400, device, uuid, "bad-digest", cause);
		goto out;
	}
	if (bundle_decode(rq->body, rq->len, &lim, &b, &cause) != 0) {
		rc = reply_error(conn, rq, 400, device, uuid, "undecodable", cause);
		goto out;
	}
	if (strcmp(b->header.uuid, uuid) != 0) {
		rc = reply_error(conn, rq, 400, device, uuid, "bad-request",
		    "the bundle's header names another UUID than the path");
		goto out;
	}
	if (strcmp(b->header.device, device) != 0) {
		cause = xasprintf("the bundle is from device %s but the token is %s's", b->header.device,
		    device);
		rc = reply_error(conn, rq, 403, device, uuid, "wrong-device", cause);
		goto out;
	}
	bundle_sha256_hex(rq->body, rq->len, sha256);
	if (b->track_count > 0 && depot_tracks(d, device, b, &unsupported, &cause) != 0) {
		rc = unsupported ? reply_error(conn, rq, 400, device, uuid, "tracks-unsupported", cause) :
		    reply_unavailable(conn, rq, device, uuid, cause);
		goto out;
	}
	if (d->writer != NULL) {
		pthread_mutex_lock(&d->write_lock);
		arc = depot_store_ingest(d->writer, uuid, device, sha256, b->records, b->record_count, &res,
		    &already, &cause);
		pthread_mutex_unlock(&d->write_lock);
	} else {
		struct depot_store *st = borrow_store(d);

		arc = depot_store_ingest(st, uuid, device, sha256, b->records, b->record_count, &res,
		    &already, &cause);
		return_store(d, st);
	}
	if (arc != 0) {
		switch (res.refusal) {
		case STORE_INGEST_CONFLICT:
			rc = reply(conn, rq, 409, json_pack("{s:s, s:s}", "error", cause, "record",
			    res.conflict_uuid), device, uuid, 0, "conflict", NULL);
			break;
		case STORE_INGEST_BUNDLE_REUSED:
			rc = reply_error(conn, rq, 409, device, uuid, "bundle-reused", cause);
			break;
		case STORE_INGEST_FORGED:
			rc = reply(conn, rq, 400, json_pack("{s:s, s:s}", "error", cause, "record",
			    res.refused_uuid), device, uuid, 0, "not-its-record", NULL);
			break;
		default:
			rc = reply_unavailable(conn, rq, device, uuid, cause);
			break;
		}
		goto out;
	}
	rc = reply(conn, rq, already ? 200 : 201, json_pack("{s:s, s:I, s:I}", "bundle", uuid,
	    "accepted", (json_int_t)res.accepted, "duplicates", (json_int_t)res.duplicates), device, uuid,
	    b->record_count, already ? "again" : "stored", NULL);
out:
	bundle_free(b);
	free(cause);
	return rc;
}

/* Whether the request's Accept-Encoding names gzip (a q=0 is not looked for: no client sends it). */
static bool
accepts_gzip(struct MHD_Connection *conn)
{
	const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);

	return ae != NULL && strlen(ae) < 256 && strstr(ae, "gzip") != NULL;
}

/*
 * GET /v1/changes?since=CURSOR[&limit=N]: one page of the token's device's
 * feed.  The page's cursor is its ETag: asked again with If-None-Match and
 * nothing new, the answer is 304 with no body (a docking sync that finds
 * nothing costs its headers).
 */
static enum MHD_Result
handle_changes(struct depot *d, struct MHD_Connection *conn, struct request *rq)
{
	const char *since = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "since");
	const char *lim = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit");
	const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
	const char *rejected = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "rejected");
	struct depot_feed_reply page;
	struct depot_store *st;
	struct MHD_Response *resp;
	char *cause = NULL, etag[sizeof page.cursor + 2], detail[160];
	unsigned char *gz;
	size_t gz_len = 0;
	enum MHD_Result rc;
	unsigned status;
	int frc;

	if (strcmp(rq->method, "GET") != 0)
		return reply_error(conn, rq, 405, rq->device, NULL, "bad-method", "GET /v1/changes");
	st = borrow_store(d);
	if (!depot_store_has_feed(st)) {
		return_store(d, st);
		return reply_error(conn, rq, 501, rq->device, since, "no-feed",
		    "this depot has no change feed (PostgreSQL depots do not yet)");
	}
	frc = depot_feed_page(st, rq->device, since, lim != NULL ? strtoul(lim, NULL, 10) : 0, &page,
	    &cause);
	return_store(d, st);
	if (frc != 0) {
		if (page.status == 503)
			rc = reply_unavailable(conn, rq, rq->device, since, cause);
		else
			rc = reply_error(conn, rq, page.status, rq->device, since, page.result, cause);
		free(cause);
		return rc;
	}
	snprintf(etag, sizeof etag, "\"%s\"", page.cursor);
	status = page.count == 0 && inm != NULL && strcmp(inm, etag) == 0 ? 304 : 200;
	/* A page of checklists is mostly CSV text: gzipped when the client takes it (curl does). */
	gz = NULL;
	if (status == 200 && strlen(page.body) > 1024 && accepts_gzip(conn) &&
	    depot_feed_gzip(page.body, strlen(page.body), &gz, &gz_len) == 0) {
		free(page.body);
		page.body = NULL;
	}
	if (status == 304)
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	else if (gz != NULL)
		resp = MHD_create_response_from_buffer(gz_len, gz, MHD_RESPMEM_MUST_FREE);
	else
		resp = MHD_create_response_from_buffer(strlen(page.body), page.body, MHD_RESPMEM_MUST_FREE);
	if (status == 304)
		free(page.body);
	if (resp == NULL)
		return MHD_NO;
	if (gz != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (status == 200)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	rq->responded = true;
	/* A checklist the device could not load is named here, for the operator (the log escapes it). */
	if (rejected != NULL)
		snprintf(detail, sizeof detail, "checklist-failed-to-load:%.70s", rejected);
	log_request(rq, status, rq->device, page.cursor, page.count, status == 304 ? "unchanged" :
	    "changes", rejected != NULL ? detail : NULL);
	return rc;
}

/*
 * GET /v1/health on PostgreSQL: ok only when the database answers, so a
 * handheld (and a load balancer) holds off while it is down; 503 says so.
 */
static enum MHD_Result
health_of_database(struct depot *d, struct MHD_Connection *conn, struct request *rq)
{
	struct depot_store *st = borrow_store(d);
	char *cause = NULL;
	int rc = depot_store_ping(st, &cause);
	enum MHD_Result r;

	return_store(d, st);
	if (rc == 0)
		r = reply(conn, rq, 200, json_pack("{s:s, s:s, s:i}", "service", "fieldcheck-depot",
		    "status", "ok", "format", BUNDLE_FORMAT_VERSION), NULL, NULL, 0, "health", NULL);
	else
		r = reply(conn, rq, 503, json_pack("{s:s, s:s, s:s}", "service", "fieldcheck-depot",
		    "status", "unavailable", "error", "the database is unreachable"), NULL, NULL, 0,
		    "unavailable", cause);
	free(cause);
	return r;
}

/*
 * A photo request's head, its token checked: a HEAD is answered now, a
 * PATCH's checks are made before its body is read (a refusal then closes
 * the connection rather than reading a body it would drop).
 */
static enum MHD_Result
photo_head(struct depot *d, struct MHD_Connection *conn, struct request *rq, const char *sha256)
{
	struct depot_photo_reply r = { 0 };
	struct depot_store *st = borrow_store(d);
	bool patch = strcmp(rq->method, "PATCH") == 0;

	if (strcmp(rq->method, "HEAD") == 0) {
		depot_photo_head(st, d->photos, d->photo_dir, &d->photo_limits, rq->device, sha256, &r);
	} else if (patch) {
		struct depot_photo_headers h = {
			.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
			    MHD_HTTP_HEADER_CONTENT_TYPE),
			.upload_offset = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Upload-Offset"),
			.upload_length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Upload-Length"),
			.content_length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
			    MHD_HTTP_HEADER_CONTENT_LENGTH),
		};

		rq->photo = depot_photo_begin(st, d->photos, d->photo_dir, &d->photo_limits, rq->device,
		    sha256, &h, &r);
	} else {
		r.status = 405;
		r.code = "bad-method";
		r.offset = r.length = -1;
		r.message = xstrdup("HEAD or PATCH /v1/photos/{sha256}");
	}
	return_store(d, st);
	if (rq->photo != NULL)
		return MHD_YES;
	return reply_photo(conn, rq, sha256, &r);
}

/*
 * A request's head is in: an upload's token is checked now, so a request
 * without a valid one is answered before its body is read (libmicrohttpd
 * then closes the connection instead of reading the body).
 */
static enum MHD_Result
on_head(struct depot *d, struct MHD_Connection *conn, struct request *rq, const char *url)
{
	const char *cl;
	bool busy;
	bool photo = strncmp(url, "/v1/photos/", 11) == 0;

	if ((rq->is_put && strncmp(url, "/v1/bundles/", 12) == 0) || strcmp(url, "/v1/changes") == 0 ||
	    photo) {
		struct depot_store *st = borrow_store(d);
		char *cause = NULL;
		bool revoked;
		enum auth_result arc = authenticate(st, MHD_lookup_connection_value(conn,
		    MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION), rq->device, &revoked, &cause);
		enum MHD_Result rc = MHD_YES;

		return_store(d, st);
		guard_head_done(d->guard, rq->conn, arc == AUTH_OK);
		if (arc == AUTH_UNAVAILABLE)
			rc = reply_unavailable(conn, rq, NULL, rq->is_put ? url + 12 : NULL, cause);
		else if (arc != AUTH_OK)
			rc = reply_error(conn, rq, 401, rq->device, rq->is_put ? url + 12 : NULL,
			    revoked ? "revoked" : "unauthorized", cause);
		free(cause);
		if (arc != AUTH_OK)
			return rc;
		if (photo)
			return photo_head(d, conn, rq, url + 11);
		busy = false;
	} else {
		busy = guard_head_done(d->guard, rq->conn, false);
	}
	/* Over the limits: only an upload with a valid token is served, and the health check,
	 * which costs no more than the 503 and tells a handheld that a sync may go. */
	if (busy && strcmp(url, "/v1/health") != 0)
		return reply_error(conn, rq, 503, NULL, NULL, "busy",
		    "the depot has too many connections: try again later");
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (rq->is_put && cl != NULL && strtoull(cl, NULL, 10) > d->max_body) {
		/* Said too large up front: answer before reading it. */
		rq->too_large = true;
		return reply_error(conn, rq, 413, rq->device, NULL, "too-large", "body too large");
	}
	return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct depot *d = cls;
	struct request *rq = *con_cls;

	(void)version;
	if (rq == NULL) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_SOCKET_CONTEXT);

		rq = xcalloc(1, sizeof *rq);
		rq->start_ms = fc_monotonic_ms();
		rq->is_put = strcmp(method, "PUT") == 0;
		fc_strlcpy(rq->method, method, sizeof rq->method);
		rq->conn = ci != NULL ? ci->socket_context : NULL;
		*con_cls = rq;
		atomic_fetch_add(&d->inflight, 1);
		return on_head(d, conn, rq, url);
	}
	if (*upload_data_size > 0) {
		guard_body(d->guard, rq->conn, *upload_data_size);
		if (rq->photo != NULL) {
			depot_photo_body(rq->photo, upload_data, *upload_data_size);
			*upload_data_size = 0;
			return MHD_YES;
		}
		if (!rq->too_large && rq->len + *upload_data_size <= d->max_body) {
			if (rq->len + *upload_data_size > rq->cap) {
				rq->cap = rq->len + *upload_data_size > 2 * rq->cap ? rq->len + *upload_data_size :
				    2 * rq->cap;
				rq->body = xreallocarray(rq->body, rq->cap, 1);
			}
			memcpy(rq->body + rq->len, upload_data, *upload_data_size);
			rq->len += *upload_data_size;
		} else {
			rq->too_large = true;  /* read and dropped, answered at the end */
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->responded)
		return MHD_YES;
	guard_body_done(d->guard, rq->conn);
	if (rq->photo != NULL) {
		struct depot_photo_reply r = { 0 };

		depot_photo_end(rq->photo, d->photos, &d->photo_limits, &r);
		depot_photo_free(rq->photo);
		rq->photo = NULL;
		return reply_photo(conn, rq, url + 11, &r);
	}
	if (strcmp(url, "/v1/health") == 0) {
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			return reply_error(conn, rq, 405, NULL, NULL, "bad-method", "GET /v1/health");
		if (d->writer == NULL)
			return health_of_database(d, conn, rq);
		return reply(conn, rq, 200, json_pack("{s:s, s:s, s:i}", "service", "fieldcheck-depot",
		    "status", "ok", "format", BUNDLE_FORMAT_VERSION), NULL, NULL, 0, "health", NULL);
	}
	if (strcmp(url, "/v1/changes") == 0)
		return handle_changes(d, conn, rq);
	if (strncmp(url, "/v1/bundles/", 12) == 0) {
		if (!rq->is_put)
			return reply_error(conn, rq, 405, NULL, NULL, "bad-method", "PUT /v1/bundles/{uuid}");
		return handle_bundle(d, conn, rq, url + 12);
	}
	return reply_error(conn, rq, 404, NULL, NULL, "not-found", "no such resource");
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct depot *d = cls;
	struct request *rq = *con_cls;

	(void)conn;
	(void)toe;
	if (rq == NULL)
		return;
	guard_request_done(d->guard, rq->conn);
	depot_photo_free(rq->photo);   /* cut short: what arrived stays for the next PATCH */
	free(rq->body);
	free(rq);
	*con_cls = NULL;
	atomic_fetch_sub(&d->inflight, 1);
}

/* Every accepted connection is the guard's to follow until it closes. */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct depot *d = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *peer = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CLIENT_ADDRESS);

		*socket_context = guard_opened(d->guard, fd != NULL ? fd->connect_fd : -1,
		    peer != NULL ? peer->client_addr : NULL);
	} else {
		guard_closed(d->guard, *socket_context);
		*socket_context = NULL;
	}
}

/* libmicrohttpd's messages may quote what a peer sent: escaped like a request's fields. */
static void
on_mhd_error(void *cls, const char *fmt, va_list ap)
{
	char text[512], out[2048];
	size_t n;

	(void)cls;
	vsnprintf(text, sizeof text, fmt, ap);
	n = strlen(text);
	while (n > 0 && text[n - 1] == '\n')
		text[--n] = '\0';
	log_field(text, true, out, sizeof out);
	fprintf(stderr, "fieldcheck-depot: %s\n", out);
}

/* Resolves HOST:PORT (or [V6]:PORT) to one address. */
static int
parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen, bool *v6, char **cause)
{
	char host[256];
	const char *port;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *ai = NULL;
	int rc;

	if (listen[0] == '[') {
		const char *close_br = strchr(listen, ']');

		if (close_br == NULL || close_br[1] != ':' || (size_t)(close_br - listen) >= sizeof host)
			return fc_fail(cause, "--listen %s: expected [ADDRESS]:PORT", listen);
		memcpy(host, listen + 1, (size_t)(close_br - listen - 1));
		host[close_br - listen - 1] = '\0';
		port = close_br + 2;
	} else {
		const char *colon = strrchr(listen, ':');

		if (colon == NULL || (size_t)(colon - listen) >= sizeof host)
			return fc_fail(cause, "--listen %s: expected HOST:PORT", listen);
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = '\0';
		port = colon + 1;
	}
	if (port[0] == '\0' || strspn(port, "0123456789") != strlen(port) || atoi(port) > 65535)
		return fc_fail(cause, "--listen %s: bad port", listen);
	rc = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, &ai);
	if (rc != 0)
		return fc_fail(cause, "--listen %s: %s", listen, gai_strerror(rc));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sslen = ai->ai_addrlen;
	*v6 = ai->ai_family == AF_INET6;
	freeaddrinfo(ai);
	return 0;
}

static void
pem_free(char *pem, size_t len)
{
	if (pem == NULL)
		return;
	sodium_memzero(pem, len);
	free(pem);
}

/*
 * Reads a PEM file whole, NUL-terminated as libmicrohttpd wants it, and
 * bounded; a secret (the private key) must not be readable by every user.
 * Caller frees (and wipes a key) with pem_free.
 */
static int
pem_read(const char *what, const char *path, bool secret, char **out, size_t *len, char **cause)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	char *buf;
	size_t n;

	*out = NULL;
	*len = 0;
	if (f == NULL)
		return fc_fail(cause, "%s %s: %s", what, path, strerror(errno));
	buf = xmalloc(DEPOT_MAX_PEM + 1);
	n = fread(buf, 1, DEPOT_MAX_PEM + 1, f);
	buf[n <= DEPOT_MAX_PEM ? n : DEPOT_MAX_PEM] = '\0';
	if (ferror(f))
		fc_fail(cause, "%s %s: %s", what, path, strerror(errno));
	else if (n > DEPOT_MAX_PEM)
		fc_fail(cause, "%s %s: over %d bytes, too large for a PEM file", what, path, DEPOT_MAX_PEM);
	else if (strlen(buf) != n || strstr(buf, "-----BEGIN ") == NULL)
		fc_fail(cause, "%s %s: not a PEM file", what, path);
	else if (secret && fstat(fileno(f), &sb) != 0)
		fc_fail(cause, "%s %s: %s", what, path, strerror(errno));
	else if (secret && (sb.st_mode & S_IRWXO) != 0)
		/* Like the device token file; a key group (640) is the usual
		 * way to share a key with a service, so only others are refused. */
		fc_fail(cause, "%s %s can be read by any user (mode %03o); run chmod 600 on it "
		    "(or 640, for a key group)", what, path, (unsigned)(sb.st_mode & 0777));
	else {
		fclose(f);
		*out = buf;
		*len = n;
		return 0;
	}
	fclose(f);
	pem_free(buf, DEPOT_MAX_PEM + 1);
	return -1;
}

static void
depot_free(struct depot *d)
{
	for (size_t i = 0; i < d->store_count; i++)
		depot_store_close(d->stores[i]);
	depot_store_close(d->writer);
	guard_free(d->guard);
	photo_store_close(d->photos);
	free(d->photo_dir);
	pem_free(d->tls_cert, d->tls_cert_len);
	pem_free(d->tls_key, d->tls_key_len);
	pthread_cond_destroy(&d->returned);
	pthread_mutex_destroy(&d->write_lock);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

/* The database connections: SQLite's one writer and the readers, or PostgreSQL's pool. */
static int
open_stores(struct depot *d, unsigned threads, char **cause)
{
	struct depot_store *first = NULL;

	/* Creates or upgrades the database before serving, so that errors show now. */
	if (depot_store_open(d->cfg->db_path, &first, cause) != 0)
		return -1;
	/* SQLite: the first connection is the one writer.  PostgreSQL: one more in the pool. */
	if (depot_store_one_writer(first)) {
		d->writer = first;
	} else {
		d->stores[d->store_count] = first;
		d->idle[d->idle_count++] = d->stores[d->store_count++];
	}
	while (d->store_count < threads) {
		if (depot_store_open(d->cfg->db_path, &d->stores[d->store_count], cause) != 0)
			return -1;
		d->idle[d->idle_count++] = d->stores[d->store_count++];
	}
	return 0;
}

/*
 * Two descriptors a connection (the guard keeps a dup of each): the usual
 * soft limit of 1024 would stop accepting near --max-connections' default.
 */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static struct guard *
make_guard(const struct depot_config *cfg)
{
	unsigned max = cfg->max_connections != 0 ? cfg->max_connections : DEPOT_MAX_CONNECTIONS;
	struct guard_limits lim = {
		.per_address = cfg->per_ip_connections != 0 ? cfg->per_ip_connections : DEPOT_PER_ADDRESS,
		/* Half of all connections: the other half is kept for devices with a token. */
		.untrusted = max / 2 != 0 ? max / 2 : 1,
		.head_timeout_s = cfg->head_timeout_s != 0 ? cfg->head_timeout_s : DEPOT_HEAD_TIMEOUT_S,
		.min_rate = cfg->min_rate != 0 ? cfg->min_rate : DEPOT_MIN_RATE,
	};

	return guard_new(&lim);
}

/* libmicrohttpd's daemon on ss, with TLS when a certificate is configured; NULL on failure. */
static struct MHD_Daemon *
start_daemon(struct depot *d, unsigned threads, const struct sockaddr_storage *ss, bool v6,
    char **cause)
{
	const struct depot_config *cfg = d->cfg;
	const char *listen = cfg->listen != NULL ? cfg->listen : "127.0.0.1:8088";
	struct MHD_Daemon *daemon;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG;
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, NULL },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, NULL },
		{ MHD_OPTION_END, 0, NULL },
	};

	if (v6)
		flags |= MHD_USE_IPv6;
	if (cfg->tls_cert != NULL) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			fc_fail(cause, "this libmicrohttpd was built without TLS; serve HTTP behind a TLS proxy");
			return NULL;
		}
		if (pem_read("--tls-cert", cfg->tls_cert, false, &d->tls_cert, &d->tls_cert_len,
		    cause) != 0 ||
		    pem_read("--tls-key", cfg->tls_key, true, &d->tls_key, &d->tls_key_len, cause) != 0)
			return NULL;
		flags |= MHD_USE_TLS;
		tls[0].ptr_value = d->tls_cert;
		tls[1].ptr_value = d->tls_key;
	} else {
		tls[0].option = MHD_OPTION_END;
	}
	daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, d,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, NULL,
	    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)ss,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    /* No per-address limit of libmicrohttpd's: a city's handhelds may share one NAT
	     * address; the guard limits unauthenticated connections per address instead. */
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)(cfg->max_connections != 0 ? cfg->max_connections : DEPOT_MAX_CONNECTIONS),
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)(cfg->timeout_s != 0 ? cfg->timeout_s : DEPOT_IDLE_TIMEOUT_S),
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, d,
	    MHD_OPTION_ARRAY, tls,
	    MHD_OPTION_END);
	if (daemon == NULL) {
		if (cfg->tls_cert != NULL)
			fc_fail(cause, "cannot serve HTTPS on %s (address in use, not of this host, or the "
			    "certificate and key refused: see above)", listen);
		else
			fc_fail(cause, "cannot listen on %s (in use, or not an address of this host?)", listen);
	}
	return daemon;
}

/*
 * The port actually bound, so that --listen HOST:0 tells its caller the
 * port the kernel chose: this line is the documented way to learn it.
 */
static void
say_listening(const struct depot *d, struct MHD_Daemon *daemon)
{
	const char *listen = d->cfg->listen != NULL ? d->cfg->listen : "127.0.0.1:8088";
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
	int host_len = (int)(strrchr(listen, ':') - listen);

	/* A PostgreSQL URI may carry a password: only the engine is named then. */
	fprintf(stderr, "fieldcheck-depot: listening on %.*s:%u (%s), database %s\n", host_len,
	    listen, info != NULL ? (unsigned)info->port : 0u, d->cfg->tls_cert != NULL ? "https" : "http",
	    d->writer != NULL ? d->cfg->db_path : "on PostgreSQL");
}

/* After SIGTERM or SIGINT: no new connections, and the requests in flight get DEPOT_GRACE_MS. */
static void
wind_down(struct depot *d, struct MHD_Daemon *daemon, int sig)
{
	MHD_socket lfd = MHD_quiesce_daemon(daemon);
	int64_t until = fc_monotonic_ms() + DEPOT_GRACE_MS;

	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	fprintf(stderr, "fieldcheck-depot: %s, finishing %d request(s) in flight\n",
	    sig == SIGTERM ? "SIGTERM" : "SIGINT", atomic_load(&d->inflight));
	while (atomic_load(&d->inflight) > 0 && fc_monotonic_ms() < until) {
		struct timespec ts = { 0, 10 * 1000000L };

		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(daemon);
	fprintf(stderr, "fieldcheck-depot: stopped\n");
}

int
depot_serve(const struct depot_config *cfg, char **cause)
{
	struct depot *d = xcalloc(1, sizeof *d);
	struct MHD_Daemon *daemon;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	bool v6 = false;
	sigset_t set;
	int sig = 0;
	unsigned threads = cfg->threads != 0 ? cfg->threads : 4;

	if (threads > DEPOT_MAX_STORES)
		threads = DEPOT_MAX_STORES;

	d->cfg = cfg;
	d->max_body = cfg->max_body != 0 ? cfg->max_body : BUNDLE_LIMIT_COMPRESSED;
	atomic_init(&d->inflight, 0);
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->returned, NULL);
	pthread_mutex_init(&d->write_lock, NULL);
	if (sodium_init() < 0) {
		fc_fail(cause, "libsodium failed to start");
		goto fail;
	}
	if (parse_listen(cfg->listen != NULL ? cfg->listen : "127.0.0.1:8088", &ss, &sslen, &v6, cause) != 0)
		goto fail;
	if (open_stores(d, threads, cause) != 0)
		goto fail;
	d->photo_limits.max_bytes = cfg->max_photo_bytes != 0 ? cfg->max_photo_bytes :
	    DEPOT_MAX_PHOTO_BYTES;
	d->photo_limits.max_pixels = cfg->max_photo_pixels != 0 ? cfg->max_photo_pixels :
	    DEPOT_MAX_PHOTO_PIXELS;
	d->photo_dir = depot_store_photo_dir(d->writer != NULL ? d->writer : d->stores[0]);
	if (d->photo_dir != NULL && photo_store_open(d->photo_dir, &d->photos, cause) != 0)
		goto fail;
	/* Signals go to this thread only (sigwait below); pool threads inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	d->guard = make_guard(cfg);
	if ((daemon = start_daemon(d, threads, &ss, v6, cause)) == NULL)
		goto fail;
	say_listening(d, daemon);
	while (sigwait(&set, &sig) != 0)
		;
	wind_down(d, daemon, sig);
	depot_free(d);
	return 0;
fail:
	depot_free(d);
	return -1;
}
