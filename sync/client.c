/*
 * sync — the client: options, the token file, the HTTP exchange with the
 * depot (libcurl), and the drain that bundles and sends the queue.
 *
 * What counts as success is narrow on purpose: a 200/201 whose body is the
 * JSON the protocol promises, naming the bundle we sent.  Anything else —
 * a redirect, a captive portal's 200 HTML, a proxy's error page — leaves
 * the records queued.  TLS verification is never turned off; --cacert adds
 * a city CA.  Redirects are not followed.
 */
#include "sync/sync_internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SYNC_MAX_REPLY  65536      /* the depot's replies are a few dozen bytes */
#define SYNC_MAX_TOKEN  512
#define SYNC_MAX_URL    2048
/*
 * Below this a bundle is not re-frozen smaller: the request's own bytes
 * (headers, TLS) would weigh as much as its records.
 */
#define SYNC_SPLIT_FLOOR 2048
/*
 * A nearly full disk: under SYNC_DISK_LOW free, a drain keeps the
 * write-ahead log to one transaction (a truncating checkpoint after each
 * outbox write) and freezes only the records the space left holds, each
 * costing at most SYNC_DISK_PER_RECORD of log and database (its row's
 * pages, written when frozen and when marked sent, its outbox row and its
 * share of the bundle).  SYNC_DISK_RESERVE stays free for the rest of the
 * handheld (a save, the screen's own log).
 */
#define SYNC_DISK_LOW        (16 * 1024 * 1024)
#define SYNC_DISK_RESERVE    (64 * 1024)
#define SYNC_DISK_PER_RECORD 4096
/* An upload's bytes besides the body (request line, headers, the reply), roughly. */
#define SYNC_REQUEST_OVERHEAD 512

struct sync_conn {
	const struct sync_options *o;
	CURLM *multi;               /* runs curl's transfers, so local work can overlap them */
	CURL *curl;
	char *token;
	char base[SYNC_MAX_URL];
	char reply[SYNC_MAX_REPLY + 1];
	size_t reply_len;
	bool reply_overflow;
	atomic_bool *stop;
	char error[CURL_ERROR_SIZE];  /* libcurl's detail, e.g. which certificate check failed */
	/* What the uploads so far taught about the link, kept across drains: */
	double bytes_per_s;           /* upload throughput; 0: not measured yet */
	char unanswered[FC_UUID_LEN]; /* the bundle last sent whole without an answer; "" none */
	curl_socket_t sock;           /* the connection's socket, for unacked; CURL_SOCKET_BAD none */
	int unacked;                  /* bytes the depot had not acknowledged at the last look
	                               * (the kernel's send queue: curl counts a body sent
	                               * once the kernel took it, buffers and all) */
};

/* What one upload attempt saw besides its outcome. */
struct upload_info {
	long status;                  /* the HTTP status; 0: no answer */
	bool moved;                   /* some of the body went out */
	bool whole;                   /* all of it went out (at least into the kernel) */
};

void
sync_options_fill(struct sync_options *o, const struct fc_config *cfg)
{
	const char *v;

	if (cfg == NULL)
		return;
	if (o->server == NULL && (v = fc_config_get(cfg, "server")) != NULL && v[0] != '\0')
		o->server = v;
	if (o->device == NULL && (v = fc_config_get(cfg, "device")) != NULL && v[0] != '\0')
		o->device = v;
	if (o->token_file == NULL && (v = fc_config_get(cfg, "token_file")) != NULL && v[0] != '\0')
		o->token_file = v;
	if (o->cacert == NULL && (v = fc_config_get(cfg, "cacert")) != NULL && v[0] != '\0')
		o->cacert = v;
}

int
sync_read_token(const char *path, char **token, char **cause)
{
	char buf[SYNC_MAX_TOKEN + 2];
	struct stat sb;
	ssize_t n;
	size_t len;
	int fd;

	*token = NULL;
	if (path == NULL)
		return fc_fail(cause, "no token file (set token_file in the configuration or --token-file)");
	/* O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever. */
	fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1)
		return fc_fail(cause, "token file %s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return fc_fail(cause, "token file %s: not a regular file", path);
	}
	if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		close(fd);
		return fc_fail(cause, "token file %s is readable by others (mode %03o); "
		    "run chmod 600 on it", path, (unsigned)(sb.st_mode & 0777));
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		return fc_fail(cause, "token file %s: %s", path, strerror(errno));
	len = (size_t)n;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	if (len == 0)
		return fc_fail(cause, "token file %s is empty", path);
	if (len > SYNC_MAX_TOKEN)
		return fc_fail(cause, "token file %s: token longer than %d bytes", path, SYNC_MAX_TOKEN);
	for (size_t i = 0; i < len; i++) {
		/* RFC 6750 b64token characters only: nothing that could split a header. */
		unsigned char c = (unsigned char)buf[i];

		if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
		    strchr("-._~+/=", c) == NULL)
			return fc_fail(cause, "token file %s: byte %zu is not a token character", path, i + 1);
	}
	*token = xstrdup(buf);
	sodium_memzero(buf, sizeof buf);
	return 0;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || sodium_init() < 0)
		abort();
}

static size_t
reply_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sync_conn *c = arg;
	size_t n = size * nmemb;

	if (c->reply_len + n > SYNC_MAX_REPLY) {
		c->reply_overflow = true;
		return 0;  /* aborts the transfer: no depot sends this much */
	}
	memcpy(c->reply + c->reply_len, data, n);
	c->reply_len += n;
	c->reply[c->reply_len] = '\0';
	return n;
}

static int
xfer_info(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct sync_conn *c = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return c->stop != NULL && atomic_load(c->stop) ? 1 : 0;
}

int
sync_conn_open(const struct sync_options *o, struct sync_conn **out, char **cause)
{
	struct sync_conn *c;
	size_t len;

	*out = NULL;
	pthread_once(&curl_once, curl_init_once);
	if (o->server == NULL || o->server[0] == '\0')
		return fc_fail(cause, "no depot server (set server in the configuration or --server URL)");
	if (strncmp(o->server, "https://", 8) != 0 && strncmp(o->server, "http://", 7) != 0)
		return fc_fail(cause, "server %s: not an http:// or https:// URL", o->server);
	if (o->device == NULL || o->device[0] == '\0')
		return fc_fail(cause, "no device name (set device in the configuration or --device ID)");
	if (strlen(o->device) >= STORE_ID_LEN)
		return fc_fail(cause, "device name longer than %d bytes", STORE_ID_LEN - 1);
	c = xcalloc(1, sizeof *c);
	c->o = o;
	c->sock = CURL_SOCKET_BAD;
	if (fc_strlcpy(c->base, o->server, sizeof c->base) >= sizeof c->base - 64) {
		free(c);
		return fc_fail(cause, "server URL too long");
	}
	len = strlen(c->base);
	while (len > 0 && c->base[len - 1] == '/')
		c->base[--len] = '\0';
	if (sync_read_token(o->token_file, &c->token, cause) != 0) {
		free(c);
		return -1;
	}
	c->curl = curl_easy_init();
	c->multi = curl_multi_init();
	if (c->curl == NULL || c->multi == NULL) {
		sync_conn_close(c);
		return fc_fail(cause, "libcurl failed to start");
	}
	*out = c;
	return 0;
}

void
sync_conn_close(struct sync_conn *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	if (c->multi != NULL)
		curl_multi_cleanup(c->multi);
	if (c->token != NULL) {
		sodium_memzero(c->token, strlen(c->token));
		free(c->token);
	}
	free(c);
}

void
sync_conn_set_stop(struct sync_conn *c, atomic_bool *stop)
{
	c->stop = stop;
}

/* Remembers the connection's socket (see unacked). */
static int
sock_opened(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	struct sync_conn *c = arg;

	if (purpose == CURLSOCKTYPE_IPCXN)
		c->sock = fd;
	return CURL_SOCKOPT_OK;
}

static int
sock_closing(void *arg, curl_socket_t fd)
{
	struct sync_conn *c = arg;

	if (fd == c->sock)
		c->sock = CURL_SOCKET_BAD;
	return close(fd);
}

/* Sets the options every request shares; the easy handle keeps its connection. */
static void
conn_prepare(struct sync_conn *c, const char *url)
{
	CURL *h = c->curl;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->o->cacert != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->o->cacert);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    c->o->connect_timeout_ms > 0 ? c->o->connect_timeout_ms : 10000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->o->timeout_ms > 0 ? c->o->timeout_ms : 60000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, reply_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, xfer_info);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->error);
	curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, sock_opened);
	curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, c);
	curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, sock_closing);
	curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, c);
	c->error[0] = '\0';
	c->reply_len = 0;
	c->reply[0] = '\0';
	c->reply_overflow = false;
}

/* Local work to do while the depot handles a request (see conn_perform). */
typedef void conn_meanwhile_fn(void *arg);

/*
 * Runs the prepared request to its end, like curl_easy_perform.  When
 * meanwhile is set it is called once, as soon as the request body (body
 * bytes) has gone out: the depot is then committing it, and the caller's
 * own work (freezing the next bundle) overlaps that instead of following
 * it.  A reply that arrives meanwhile waits in the socket.
 */
static CURLcode
conn_perform(struct sync_conn *c, curl_off_t body, conn_meanwhile_fn *meanwhile, void *arg)
{
	CURLcode result = CURLE_OK;
	bool done = false;

	if (curl_multi_add_handle(c->multi, c->curl) != CURLM_OK)
		return CURLE_FAILED_INIT;
	c->unacked = 0;
	while (!done) {
		CURLMsg *m;
		int running, left, queued;

		if (c->sock != CURL_SOCKET_BAD && ioctl(c->sock, TIOCOUTQ, &queued) == 0)
			c->unacked = queued;

		if (curl_multi_perform(c->multi, &running) != CURLM_OK) {
			result = CURLE_FAILED_INIT;
			break;
		}
		while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
			if (m->msg == CURLMSG_DONE && m->easy_handle == c->curl) {
				result = m->data.result;
				done = true;
			}
		}
		if (done)
			break;
		if (meanwhile != NULL) {
			curl_off_t sent = 0;

			if (curl_easy_getinfo(c->curl, CURLINFO_SIZE_UPLOAD_T, &sent) == CURLE_OK &&
			    sent >= body) {
				meanwhile(arg);
				meanwhile = NULL;
				continue;
			}
		}
		curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
	}
	curl_multi_remove_handle(c->multi, c->curl);
	if (meanwhile != NULL)
		meanwhile(arg);  /* the request ended before its body was out: still do the work */
	return result;
}

/* A transport failure, said for a person. */
static enum sync_outcome
conn_failed(struct sync_conn *c, CURLcode rc, const char *what, char **cause)
{
	if (rc == CURLE_ABORTED_BY_CALLBACK && c->stop != NULL && atomic_load(c->stop)) {
		fc_fail(cause, "stopped");
		return SYNC_ABORTED;
	}
	if (rc == CURLE_WRITE_ERROR && c->reply_overflow) {
		fc_fail(cause, "%s: %s answered with more than %d bytes; not a fieldcheck depot", what,
		    c->base, SYNC_MAX_REPLY);
		return SYNC_TRANSIENT;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT)
		fc_fail(cause, "%s: %s did not answer in time", what, c->base);
	else if (rc == CURLE_PEER_FAILED_VERIFICATION && c->error[0] != '\0')
		fc_fail(cause, "%s: %s: the depot's TLS certificate was not accepted (%s)%s", what, c->base,
		    c->error, c->o->cacert == NULL ? "; a city CA needs --cacert FILE or cacert in the "
		    "configuration" : "");
	else if (rc == CURLE_SSL_CACERT_BADFILE)
		fc_fail(cause, "%s: --cacert %s: not a readable PEM CA certificate (%s)", what,
		    c->o->cacert != NULL ? c->o->cacert : "(system)", c->error[0] != '\0' ? c->error :
		    curl_easy_strerror(rc));
	else
		fc_fail(cause, "%s: %s: %s", what, c->base, curl_easy_strerror(rc));
	return SYNC_TRANSIENT;
}

/* Whether the reply's Content-Type is JSON. */
static bool
reply_is_json(CURL *h)
{
	char *type = NULL;

	if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &type) != CURLE_OK || type == NULL)
		return false;
	return strncmp(type, "application/json", 16) == 0;
}

/* The first line of a reply body, cleaned for a message. */
static void
reply_excerpt(const struct sync_conn *c, char *buf, size_t size)
{
	size_t j = 0;

	for (size_t i = 0; i < c->reply_len && j + 1 < size; i++) {
		unsigned char ch = (unsigned char)c->reply[i];

		if (ch == '\n' || ch == '\r')
			break;
		buf[j++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
		if (j >= 160)
			break;
	}
	buf[j] = '\0';
}

enum sync_outcome
sync_conn_health(struct sync_conn *c, char **cause)
{
	char url[SYNC_MAX_URL + 32];
	json_t *obj, *service;
	long status = 0;
	CURLcode rc;
	bool good;

	snprintf(url, sizeof url, "%s/v1/health", c->base);
	conn_prepare(c, url);
	rc = conn_perform(c, 0, NULL, NULL);
	if (rc != CURLE_OK)
		return conn_failed(c, rc, "health", cause);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	obj = reply_is_json(c->curl) ? json_loadb(c->reply, c->reply_len, 0, NULL) : NULL;
	service = obj != NULL ? json_object_get(obj, "service") : NULL;
	good = status == 200 && json_is_string(service) &&
	    strcmp(json_string_value(service), "fieldcheck-depot") == 0;
	json_decref(obj);
	if (!good) {
		fc_fail(cause, "health: %s answered %ld but not as a fieldcheck depot (a login page?)",
		    c->base, status);
		return SYNC_TRANSIENT;
	}
	return SYNC_DONE;
}

/*
 * Learns from an upload's end: how much of the body went out, and the
 * link's throughput (a whole upload's bytes over its time, the depot's
 * commit included, so an underestimate; a timeout bounds it from above).
 */
static void
conn_measure(struct sync_conn *c, const struct store_bundle *b, CURLcode rc, struct upload_info *u)
{
	curl_off_t sent = 0, us = 0;
	double secs, rate;

	curl_easy_getinfo(c->curl, CURLINFO_SIZE_UPLOAD_T, &sent);
	curl_easy_getinfo(c->curl, CURLINFO_TOTAL_TIME_T, &us);
	if (rc != CURLE_OK && sent > c->unacked)
		sent -= c->unacked;  /* what reached the depot, not the kernel */
	u->moved = sent > 0;
	u->whole = sent >= (curl_off_t)b->size;
	secs = (double)us / 1e6;
	if (secs <= 0)
		return;
	if (rc == CURLE_OK) {
		c->bytes_per_s = (double)(b->size + SYNC_REQUEST_OVERHEAD) / secs;
	} else if (rc == CURLE_OPERATION_TIMEDOUT && u->moved) {
		rate = (double)sent / secs;
		if (c->bytes_per_s == 0 || rate < c->bytes_per_s)
			c->bytes_per_s = rate;
	}
}

/*
 * The compressed size an upload can carry in half the timeout at the
 * throughput measured (never below SYNC_SPLIT_FLOOR); 0 before any
 * measure.  Half: a link's rate wanders, and a bundle that does not fit
 * costs a whole timeout.
 */
static size_t
conn_fit(const struct sync_conn *c)
{
	double secs = (double)(c->o->timeout_ms > 0 ? c->o->timeout_ms : 60000L) / 1000.0;
	double fit = c->bytes_per_s * secs / 2 - SYNC_REQUEST_OVERHEAD;

	if (c->bytes_per_s <= 0)
		return 0;
	if (fit < SYNC_SPLIT_FLOOR)
		return SYNC_SPLIT_FLOOR;
	return fit > (double)BUNDLE_LIMIT_COMPRESSED ? BUNDLE_LIMIT_COMPRESSED : (size_t)fit;
}

/*
 * PUTs one frozen bundle.  SYNC_DONE only when the depot answered 200/201
 * with {"bundle": <this uuid>, "accepted": N, "duplicates": M} and N + M is
 * the bundle's record count.
 */
static enum sync_outcome
conn_upload(struct sync_conn *c, const struct store_bundle *b, conn_meanwhile_fn *meanwhile,
    void *arg, struct upload_info *u, char **cause)
{
	char url[SYNC_MAX_URL + 64], b64[BUNDLE_SHA256_B64_LEN], excerpt[192];
	char *auth, *digest;
	struct curl_slist *hdrs = NULL;
	json_t *obj = NULL, *v;
	long status = 0;
	CURLcode rc;
	enum sync_outcome how;

	snprintf(url, sizeof url, "%s/v1/bundles/%s", c->base, b->uuid);
	conn_prepare(c, url);
	/* The digest frozen with the bytes; a damaged one is computed afresh. */
	if (bundle_sha256_hex_to_b64(b->sha256, b64) != 0)
		bundle_sha256_b64(b->bytes, b->size, b64);
	auth = xasprintf("Authorization: Bearer %s", c->token);
	digest = xasprintf("Repr-Digest: sha-256=:%s:", b64);
	/* Lean headers: each byte is paid for on a patrol's cellular link. */
	hdrs = curl_slist_append(hdrs, auth);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/gzip");
	hdrs = curl_slist_append(hdrs, digest);
	hdrs = curl_slist_append(hdrs, "Accept:");
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, (const char *)b->bytes);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->size);
	memset(u, 0, sizeof *u);
	rc = conn_perform(c, (curl_off_t)b->size, meanwhile, arg);
	curl_slist_free_all(hdrs);
	sodium_memzero(auth, strlen(auth));
	free(auth);
	free(digest);
	conn_measure(c, b, rc, u);
	if (rc != CURLE_OK)
		return conn_failed(c, rc, "upload", cause);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	u->status = status;
	if (reply_is_json(c->curl))
		obj = json_loadb(c->reply, c->reply_len, 0, NULL);
	if (status == 200 || status == 201) {
		json_t *acc = obj != NULL ? json_object_get(obj, "accepted") : NULL;
		json_t *dup = obj != NULL ? json_object_get(obj, "duplicates") : NULL;

		v = obj != NULL ? json_object_get(obj, "bundle") : NULL;
		if (json_is_string(v) && strcmp(json_string_value(v), b->uuid) == 0 &&
		    json_is_integer(acc) && json_is_integer(dup) && json_integer_value(acc) >= 0 &&
		    json_integer_value(dup) >= 0 &&
		    (size_t)(json_integer_value(acc) + json_integer_value(dup)) == b->record_count) {
			json_decref(obj);
			return SYNC_DONE;
		}
		json_decref(obj);
		fc_fail(cause, "upload: %s answered %ld without the depot's receipt for bundle %s "
		    "(a login page or proxy?); nothing marked sent", c->base, status, b->uuid);
		return SYNC_TRANSIENT;
	}
	v = obj != NULL ? json_object_get(obj, "error") : NULL;
	if (json_is_string(v))
		snprintf(excerpt, sizeof excerpt, "%s", json_string_value(v));
	else
		reply_excerpt(c, excerpt, sizeof excerpt);
	json_decref(obj);
	how = status >= 400 && status < 500 && status != 408 && status != 429 ? SYNC_REFUSED :
	    SYNC_TRANSIENT;
	if (status == 401)
		fc_fail(cause, "the depot refused this device's token (401): %s", excerpt);
	else
		fc_fail(cause, "upload of bundle %s: %s answered %ld: %s", b->uuid, c->base, status,
		    excerpt);
	return how;
}

int
sync_queued(struct store *st, int64_t *queued, int64_t *refused, int64_t *unbundled,
    char **cause)
{
	struct store_outbox_counts oc;
	int64_t counts[4];

	if (store_count_by_status(st, counts, cause) != 0 || store_outbox_counts(st, &oc, cause) != 0)
		return -1;
	*queued = counts[STORE_FINAL] + counts[STORE_BUNDLED] - oc.refused_records;
	if (refused != NULL)
		*refused = oc.refused_records;
	if (unbundled != NULL)
		*unbundled = counts[STORE_FINAL];
	return 0;
}

/* What the depot answers about one bundle's content (not about us): set it aside. */
static bool
bundle_refusal(long status)
{
	return status == 400 || status == 409 || status == 413;
}

struct build_ctx {
	struct bundle_writer *w;
	char *first_error;
	size_t refused;
};

static int
build_one(void *arg, const struct store_record *rec)
{
	struct build_ctx *b = arg;
	char *why = NULL;
	int rc = bundle_writer_add(b->w, rec, &why);

	if (rc == 1)
		return 1;
	if (rc == -1) {
		/* This record can never be sent; the others still can. */
		b->refused++;
		if (b->first_error == NULL)
			b->first_error = why;
		else
			free(why);
	}
	return 0;
}

/*
 * The local work of a drain, done while the depot commits the bundle in
 * flight rather than after it: marking the previous bundle sent (the depot
 * committed it already; should we die first, it is sent again and answered
 * 200) and freezing the next one.  Each outbox write is still its own
 * durable transaction, in the same order as before: a bundle is frozen
 * before it is sent, and marked sent only after the depot's receipt.
 */
struct overlap {
	struct store *st;
	const struct sync_options *o;
	const struct sync_conn *c;    /* for the throughput it measured */
	char committed[FC_UUID_LEN];  /* receipted by the depot, not yet marked sent; "" none */
	unsigned frozen;              /* bundles this drain has frozen */
	size_t unfrozen;              /* final records not in a bundle yet (those
	                               * finalized during the drain not counted) */
	double bytes_per_record;      /* compressed, in the last bundle frozen */
	bool marked;                  /* some bundle was marked sent */
	bool low_disk;                /* under SYNC_DISK_LOW free at the last look */
	int64_t free_bytes;           /* at the last look */
	enum sync_outcome how;        /* of this local work */
	char *why;
};

/*
 * How many records the disk has room to freeze now (SIZE_MAX: no limit
 * from it), and on a nearly full disk a truncating checkpoint first, so the
 * log's space counts as free.  A file system that cannot say its free
 * space sets no limit.
 */
static size_t
disk_room(struct overlap *ov)
{
	char *ignored = NULL;

	if (store_free_bytes(ov->st, &ov->free_bytes, &ignored) != 0) {
		free(ignored);
		ov->low_disk = false;
		return SIZE_MAX;
	}
	ov->low_disk = ov->free_bytes < SYNC_DISK_LOW;
	if (!ov->low_disk)
		return SIZE_MAX;
	if (store_checkpoint_truncate(ov->st, &ignored) == 0)
		(void)store_free_bytes(ov->st, &ov->free_bytes, NULL);
	free(ignored);
	if (ov->free_bytes <= SYNC_DISK_RESERVE + SYNC_DISK_PER_RECORD)
		return 0;
	return (size_t)((ov->free_bytes - SYNC_DISK_RESERVE) / SYNC_DISK_PER_RECORD);
}

/* After an outbox write on a nearly full disk: the log back to nothing. */
static void
disk_trim(struct overlap *ov)
{
	char *ignored = NULL;

	if (ov->low_disk && store_checkpoint_truncate(ov->st, &ignored) != 0)
		free(ignored);  /* a reader held it: the next one will do */
}

/*
 * Freezes one bundle of pending records, the next of this drain (sized by
 * bundle_ramp_cap and bundle_drain_limit); *made false when none were
 * pending.
 */
static enum sync_outcome
bundle_some(struct overlap *ov, bool *made, char **cause)
{
	struct store *st = ov->st;
	size_t cap = bundle_ramp_cap(ov->o->max_bundle_bytes, ov->frozen), fit = conn_fit(ov->c);
	size_t limit;
	size_t room = disk_room(ov);
	struct build_ctx b = { 0 };
	struct store_bundle sb;
	const char *const *uuids;
	size_t n;
	enum sync_outcome how = SYNC_DONE;

	*made = false;
	if (room == 0) {
		fc_fail(cause, "stopped bundling: %lld KiB free on the disk of %s, and a drain leaves "
		    "%d KiB free; the records not sent wait on this device: free some space and sync again",
		    (long long)(ov->free_bytes / 1024), store_path(st), SYNC_DISK_RESERVE / 1024);
		return SYNC_LOCAL;
	}
	if (fit != 0 && fit < cap)
		cap = fit;  /* the next upload fits the timeout on this link */
	if (ov->low_disk && (size_t)(ov->free_bytes - SYNC_DISK_RESERVE) / 4 < cap)
		cap = (size_t)(ov->free_bytes - SYNC_DISK_RESERVE) / 4;
	limit = bundle_drain_limit(ov->unfrozen, cap, ov->bytes_per_record);
	if (limit == 0 || limit > BUNDLE_LIMIT_RECORDS)
		limit = BUNDLE_LIMIT_RECORDS;
	if (limit > room)
		limit = room;
	b.w = bundle_writer_new(ov->o->device, cap);
	if (store_outbox_pending(st, limit, build_one, &b, cause) != 0) {
		how = SYNC_LOCAL;
		goto out;
	}
	if (bundle_writer_count(b.w) == 0) {
		if (b.refused > 0) {
			fc_fail(cause, "%zu record%s cannot be sent: %s", b.refused, b.refused == 1 ? "" : "s",
			    b.first_error);
			how = SYNC_REFUSED;
		}
		goto out;
	}
	if (bundle_writer_finish(b.w, &sb, cause) != 0) {
		how = SYNC_LOCAL;
		goto out;
	}
	uuids = bundle_writer_uuids(b.w, &n);
	if (store_outbox_add(st, &sb, uuids, n, cause) != 0)
		how = SYNC_LOCAL;
	else {
		disk_trim(ov);
		*made = true;
		ov->frozen++;
		ov->unfrozen -= n < ov->unfrozen ? n : ov->unfrozen;
		ov->bytes_per_record = (double)sb.size / (double)n;
	}
	free(sb.bytes);
out:
	free(b.first_error);
	bundle_writer_free(b.w);
	return how;
}

/*
 * Whether a bundle whose upload ended without an answer should be
 * re-frozen smaller.  Only when some of its body went out (a dead link is
 * not a slow one) and it is big enough to split.  A body that went out
 * whole may have met a slow depot rather than a slow link, and the depot
 * may have committed it (then the same bytes get 200): such a bundle is
 * sent once more as it is, and split only when that fails too.
 */
static bool
split_wanted(struct sync_conn *c, const struct store_bundle *b, const struct upload_info *u)
{
	if (u->status != 0 || !u->moved || b->record_count < 2 || b->size <= SYNC_SPLIT_FLOOR)
		return false;
	if (!u->whole || strcmp(c->unanswered, b->uuid) == 0)
		return true;
	fc_strlcpy(c->unanswered, b->uuid, sizeof c->unanswered);
	return false;
}

/* One replacement bundle being filled: stops at the first record that does not fit. */
struct split_part {
	struct bundle_writer *w;
	char *why;                    /* why the first record did not fit, if it did not */
};

static int
split_add(void *arg, const struct store_record *rec)
{
	struct split_part *p = arg;
	char *why = NULL;
	int rc = bundle_writer_add(p->w, rec, &why);

	if (rc == -1 && p->why == NULL)
		p->why = why;
	else
		free(why);
	return rc != 0;
}

/*
 * Re-freezes the unacknowledged bundle b into bundles of at most cap
 * bytes, oldest records first.  Safe whatever reached the depot: it counts
 * the records it holds already as duplicates.  b leaves the outbox in the
 * transaction that freezes its replacements (store_outbox_replace), so its
 * records are in exactly one bundle at every moment.  *nparts: how many.
 */
static int
refreeze(struct overlap *ov, const struct store_bundle *b, size_t cap, size_t *nparts,
    char **cause)
{
	size_t max = b->record_count, n = 0, done = 0;
	struct bundle_writer **ws = xcalloc(max, sizeof *ws);
	struct store_bundle *sbs = xcalloc(max, sizeof *sbs);
	struct store_refrozen *parts = xcalloc(max, sizeof *parts);
	int rc = -1;

	while (done < b->record_count && n < max) {
		struct split_part p = { 0 };
		size_t got;

		/* A record too big for cap alone goes in a bundle of the usual cap. */
		for (int attempt = 0; attempt < 2 && p.w == NULL; attempt++) {
			p.w = bundle_writer_new(ov->o->device, attempt == 0 ? cap : ov->o->max_bundle_bytes);
			if (store_outbox_bundle_records(ov->st, b->uuid, done, split_add, &p, cause) != 0) {
				bundle_writer_free(p.w);
				free(p.why);
				goto out;
			}
			if (bundle_writer_count(p.w) == 0) {
				bundle_writer_free(p.w);
				p.w = NULL;
			}
		}
		if (p.w == NULL) {
			fc_fail(cause, "re-freezing bundle %s: %s", b->uuid,
			    p.why != NULL ? p.why : "its records are not all in the store");
			free(p.why);
			goto out;
		}
		free(p.why);
		ws[n] = p.w;
		if (bundle_writer_finish(p.w, &sbs[n], cause) != 0)
			goto out;
		parts[n].bundle = &sbs[n];
		parts[n].uuids = bundle_writer_uuids(p.w, &got);
		parts[n].n = got;
		n++;
		done += got;
	}
	if (store_outbox_replace(ov->st, b->uuid, parts, n, cause) != 0)
		goto out;
	*nparts = n;
	rc = 0;
out:
	for (size_t i = 0; i < max; i++) {
		free(sbs[i].bytes);
		bundle_writer_free(ws[i]);
	}
	free(ws);
	free(sbs);
	free(parts);
	return rc;
}

/* Marks the receipted bundle sent, if there is one. */
static int
overlap_mark(struct overlap *ov)
{
	if (ov->committed[0] == '\0')
		return 0;
	if (store_outbox_mark_sent(ov->st, ov->committed, &ov->why) != 0) {
		ov->how = SYNC_LOCAL;
		return -1;
	}
	ov->committed[0] = '\0';
	ov->marked = true;
	disk_trim(ov);
	return 0;
}

static void
overlap_work(void *arg)
{
	struct overlap *ov = arg;
	struct store_outbox_counts oc;
	bool made;

	if (overlap_mark(ov) != 0)
		return;
	if (store_outbox_counts(ov->st, &oc, &ov->why) != 0) {
		ov->how = SYNC_LOCAL;
		return;
	}
	/* Freeze one only when the bundle in flight is the last one waiting. */
	if (oc.bundles - oc.refused_bundles <= 1)
		ov->how = bundle_some(ov, &made, &ov->why);
}

/*
 * Ends a drain: the receipted bundle is marked sent whatever else happened,
 * and a drain that moved records checkpoints the log (store_checkpoint; a
 * failure there loses nothing, so it is not the drain's).
 */
static enum sync_outcome
drain_end(struct overlap *ov, enum sync_outcome how, char **cause)
{
	if (overlap_mark(ov) != 0 && how == SYNC_DONE) {
		fc_fail(cause, "%s", ov->why);
		how = SYNC_LOCAL;
	}
	if (ov->marked) {
		char *ignored = NULL;

		(void)store_checkpoint(ov->st, &ignored);
		free(ignored);
	}
	free(ov->why);
	ov->why = NULL;
	return how;
}

enum sync_outcome
sync_drain(struct store *st, struct sync_conn *c, const struct sync_options *o, sync_drain_fn *fn,
    void *ctx, char **cause)
{
	struct overlap ov = { .st = st, .o = o, .c = c, .how = SYNC_DONE };
	int64_t total, unbundled, done = 0, bytes = 0;

	if (sync_queued(st, &total, NULL, &unbundled, cause) != 0)
		return SYNC_LOCAL;
	ov.unfrozen = unbundled > 0 ? (size_t)unbundled : 0;
	if (fn != NULL)
		fn(ctx, total, done, bytes);
	for (;;) {
		struct store_bundle *b = NULL;
		enum sync_outcome how;
		struct upload_info u;
		char *why = NULL;
		size_t parts, cap;
		bool made;

		if (c->stop != NULL && atomic_load(c->stop))
		{
			fc_fail(cause, "stopped");
			return drain_end(&ov, SYNC_ABORTED, cause);
		}
		if (store_outbox_next_except(st, ov.committed, &b, cause) != 0)
			return drain_end(&ov, SYNC_LOCAL, cause);
		if (b == NULL) {
			if (overlap_mark(&ov) != 0) {
				fc_fail(cause, "%s", ov.why);
				return drain_end(&ov, SYNC_LOCAL, cause);
			}
			how = bundle_some(&ov, &made, cause);
			if (how != SYNC_DONE || !made)
				return drain_end(&ov, how, cause);
			continue;
		}
		how = conn_upload(c, b, overlap_work, &ov, &u, &why);
		if (how == SYNC_REFUSED && bundle_refusal(u.status)) {
			/* This bundle will never pass as it is: keep it and its records aside,
			 * with the depot's reason, and go on with the rest of the queue. */
			if (store_outbox_mark_refused(st, b->uuid, u.status, why, cause) != 0) {
				how = SYNC_LOCAL;
			} else {
				how = SYNC_DONE;
				if (total >= (int64_t)b->record_count)
					total -= (int64_t)b->record_count;
			}
		} else if (how == SYNC_TRANSIENT && split_wanted(c, b, &u)) {
			/* Halved, or smaller still when the link measured says so. */
			cap = b->size / 2;
			if (conn_fit(c) != 0 && conn_fit(c) < cap)
				cap = conn_fit(c);
			if (cap < SYNC_SPLIT_FLOOR)
				cap = SYNC_SPLIT_FLOOR;
			if (refreeze(&ov, b, cap, &parts, cause) != 0) {
				how = SYNC_LOCAL;
			} else {
				fc_fail(cause, "%s; re-froze its %zu records into %zu bundles of at most %zu KiB",
				    why, b->record_count, parts, (cap + 1023) / 1024);
				how = SYNC_RESIZED;
			}
		} else if (how != SYNC_DONE) {
			fc_fail(cause, "%s", why);
		} else {
			fc_strlcpy(ov.committed, b->uuid, sizeof ov.committed);
			done += (int64_t)b->record_count;
			bytes += (int64_t)b->size;
			if (done > total)
				total = done;  /* records finalized while we ran */
		}
		free(why);
		store_bundle_free(b);
		if (how == SYNC_DONE && ov.how != SYNC_DONE) {
			/* The upload went; the local work beside it failed: say that. */
			fc_fail(cause, "%s", ov.why);
			how = ov.how;
		}
		ov.how = SYNC_DONE;
		free(ov.why);
		ov.why = NULL;
		if (how != SYNC_DONE)
			return drain_end(&ov, how, cause);
		if (fn != NULL)
			fn(ctx, total, done, bytes);
	}
}

int64_t
sync_backoff_ms(int failures, int64_t base_ms, int64_t cap_ms)
{
	int64_t d = base_ms;

	for (int i = 1; i < failures && d < cap_ms; i++)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	/* Jitter: devices that lost the link together must not return together. */
	return d / 2 + (int64_t)randombytes_uniform((uint32_t)(d / 2 + 1));
}

int
sync_health(const struct sync_options *o, char **cause)
{
	struct sync_conn *c;
	enum sync_outcome how;

	if (sync_conn_open(o, &c, cause) != 0)
		return -1;
	how = sync_conn_health(c, cause);
	sync_conn_close(c);
	return how == SYNC_DONE ? 0 : -1;
}

struct run_ctx {
	sync_progress_fn *progress;
	void *ctx;
	int64_t start_ms;
	int64_t base_done, base_bytes, total, bundles;
	int64_t last_done, last_bytes;
};

static void
run_report(struct run_ctx *r, const char *note)
{
	struct sync_progress p = {
		.records_total = r->total,
		.records_done = r->last_done,
		.bytes_done = r->last_bytes,
		.elapsed_ms = fc_monotonic_ms() - r->start_ms,
		.bundles_done = r->bundles,
		.note = note,
	};

	if (r->progress != NULL)
		r->progress(r->ctx, &p);
}

static void
run_drained(void *arg, int64_t total, int64_t done, int64_t bytes)
{
	struct run_ctx *r = arg;

	if (r->total == 0 || r->base_done + total > r->total)
		r->total = r->base_done + total;
	if (r->base_done + done > r->last_done)
		r->bundles += done > 0 ? 1 : 0;
	r->last_done = r->base_done + done;
	r->last_bytes = r->base_bytes + bytes;
	run_report(r, NULL);
}

static int
first_refused(void *arg, const struct store_outbox_entry *e)
{
	struct store_outbox_entry *first = arg;

	if (!e->refused)
		return 0;
	*first = *e;
	return 1;
}

/* 0 when no bundle is set aside as refused; else -1 with what and why. */
static int
refused_summary(struct store *st, char **cause)
{
	struct store_outbox_counts oc;
	struct store_outbox_entry first;

	if (store_outbox_counts(st, &oc, cause) != 0)
		return -1;
	if (oc.refused_bundles == 0)
		return 0;
	memset(&first, 0, sizeof first);
	if (store_outbox_list(st, first_refused, &first, cause) != 0)
		return -1;
	return fc_fail(cause, "the depot refused %lld record%s in %lld bundle%s, kept on this device "
	    "(first: bundle %s, %ld: %s); see fieldcheck outbox list, and fieldcheck outbox retry UUID "
	    "once the cause is fixed", (long long)oc.refused_records, oc.refused_records == 1 ? "" : "s",
	    (long long)oc.refused_bundles, oc.refused_bundles == 1 ? "" : "s", first.uuid,
	    first.refused_status, first.reason);
}

int
sync_run(const struct sync_options *o, sync_progress_fn *progress, void *ctx, char **cause)
{
	struct run_ctx r = { .progress = progress, .ctx = ctx, .start_ms = fc_monotonic_ms() };
	long retry_for = o->retry_for_ms > 0 ? o->retry_for_ms : 120000L;
	struct store *st = NULL;
	struct sync_conn *c = NULL;
	enum sync_outcome how;
	char *why = NULL;
	int failures = 0;
	int64_t last_progress_ms = fc_monotonic_ms();

	if (o->db_path == NULL)
		return fc_fail(cause, "no database");
	if (sync_conn_open(o, &c, cause) != 0)
		return -1;
	if (store_open(o->db_path, STORE_READ_WRITE, &st, cause) != 0)
		goto fail;
	switch (store_drain_lock(st, false, cause)) {
	case 0:
		break;
	case 1:
		if (o->once) {
			fc_fail(cause, "another sync of %s is running", o->db_path);
			goto fail;
		}
		{
			char *note = xasprintf("another sync of %s is running; waiting for it to end",
			    o->db_path);

			run_report(&r, note);
			free(note);
		}
		if (store_drain_lock(st, true, cause) == 0)
			break;
		/* fall through */
	default:
		goto fail;
	}
	for (;;) {
		int64_t before = r.last_done, wait;

		free(why);
		why = NULL;
		r.base_done = r.last_done;
		r.base_bytes = r.last_bytes;
		how = sync_drain(st, c, o, run_drained, &r, &why);
		if (how == SYNC_DONE)
			break;
		if (how == SYNC_RESIZED) {
			/* Smaller bundles are a new chance at once, not a failure to back off from. */
			run_report(&r, why);
			failures = 0;
			last_progress_ms = fc_monotonic_ms();
			continue;
		}
		if (r.last_done > before) {
			failures = 0;
			last_progress_ms = fc_monotonic_ms();
		}
		/* Refusals and local failures repeat identically; only the network heals. */
		if (how != SYNC_TRANSIENT || o->once ||
		    fc_monotonic_ms() - last_progress_ms >= retry_for) {
			fc_fail(cause, "%s", why);
			goto fail;
		}
		failures++;
		wait = sync_backoff_ms(failures, 250, 5000);
		{
			char *note = xasprintf("%s; retrying in %.1f s", why, (double)wait / 1000.0);

			run_report(&r, note);
			free(note);
		}
		{
			struct timespec ts = { .tv_sec = wait / 1000, .tv_nsec = (wait % 1000) * 1000000L };

			while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
				;
		}
	}
	free(why);
	if (refused_summary(st, cause) != 0)
		goto fail;
	store_close(st);
	sync_conn_close(c);
	return 0;
fail:
	free(why);
	store_close(st);
	sync_conn_close(c);
	return -1;
}
