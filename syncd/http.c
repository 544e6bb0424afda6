/*
 * fieldcheck-sync — the HTTP transport (libcurl): the one exchange with the depot
 * that a drain needs (struct sync_transport's send and receipt), and the
 * health check.  Single-threaded: a request runs in libcurl's multi
 * interface, and while it waits on the depot's socket it also waits on the
 * descriptor the caller watches (fieldcheck-sync's stdin), so a nudge or a
 * "stop" is heard mid-transfer.
 *
 * What counts as success is narrow on purpose: a 200/201 whose body is the
 * JSON the protocol promises, naming the bundle we sent.  Anything else —
 * a redirect, a captive portal's 200 HTML, a proxy's error page — leaves
 * the records queued.  TLS verification is never turned off; --cacert adds
 * a city CA.  Redirects are not followed.
 */
#include "syncd/syncd.h"

#include <curl/curl.h>
#include <jansson.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define SYNC_MAX_REPLY  65536      /* the depot's replies are a few dozen bytes */
#define SYNC_MAX_URL    2048

struct syncd_conn {
	struct sync_transport t;      /* first: what the drain sees */
	const struct sync_options *o;
	CURLM *multi;               /* runs curl's transfers, so local work can overlap them */
	CURL *curl;
	char *token;
	char base[SYNC_MAX_URL];
	char reply[SYNC_MAX_REPLY + 1];
	size_t reply_len;
	bool reply_overflow;
	bool running;               /* a request is in the multi handle */
	CURLcode result;            /* how the last request ended */
	struct curl_slist *hdrs;    /* the upload's headers, freed when it ends */
	char *auth;                 /* its Authorization header (holds the token) */
	int watch_fd;               /* also waited on; -1 none */
	void (*watch_ready)(void *);
	void *watch_arg;
	const bool *stop;           /* once true, the request under way is abandoned */
	char error[CURL_ERROR_SIZE];  /* libcurl's detail, e.g. which certificate check failed */
	curl_socket_t sock;           /* the connection's socket, for unacked; CURL_SOCKET_BAD none */
	int unacked;                  /* bytes the depot had not acknowledged at the last look
	                               * (the kernel's send queue: curl counts a body sent
	                               * once the kernel took it, buffers and all) */
};

static void conn_end(struct syncd_conn *c);
static void conn_send(struct sync_transport *t, const struct store_bundle *b);
static enum sync_outcome conn_receipt(struct sync_transport *t, const struct store_bundle *b,
    struct sync_upload_info *u, char **cause);
static bool conn_stopped(struct sync_transport *t);
static enum sync_outcome conn_get(struct sync_transport *t, const char *path,
    const char *if_none_match, struct fc_buf *body, size_t max, long *status, char **cause);

void
syncd_curl_init(void)
{
	static bool done;

	if (done)
		return;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || sodium_init() < 0)
		abort();
	done = true;
}

static size_t
reply_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct syncd_conn *c = arg;
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

int
syncd_base_url(const char *server, char *base, size_t size, size_t reserve, char **cause)
{
	size_t len;

	if (fc_strlcpy(base, server, size) >= size - reserve)
		return fc_fail(cause, "server URL too long");
	len = strlen(base);
	while (len > 0 && base[len - 1] == '/')
		base[--len] = '\0';
	return 0;
}

int
syncd_conn_open(const struct sync_options *o, struct syncd_conn **out, char **cause)
{
	struct syncd_conn *c;

	*out = NULL;
	syncd_curl_init();
	if (o->server == NULL || o->server[0] == '\0')
		return fc_fail(cause, "no depot server (set server in the configuration or --server URL)");
	if (strncmp(o->server, "https://", 8) != 0 && strncmp(o->server, "http://", 7) != 0)
		return fc_fail(cause, "server %s: not an http:// or https:// URL", o->server);
	if (o->device == NULL || o->device[0] == '\0')
		return fc_fail(cause, "no device name (set device in the configuration or --device ID)");
	if (strlen(o->device) >= STORE_ID_LEN)
		return fc_fail(cause, "device name longer than %d bytes", STORE_ID_LEN - 1);
	c = xcalloc(1, sizeof *c);
	c->t.send = conn_send;
	c->t.receipt = conn_receipt;
	c->t.stopped = conn_stopped;
	c->t.get = conn_get;
	c->t.timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 60000L;
	c->o = o;
	c->sock = CURL_SOCKET_BAD;
	c->watch_fd = -1;
	if (syncd_base_url(o->server, c->base, sizeof c->base, 64, cause) != 0) {
		free(c);
		return -1;
	}
	if (sync_read_token(o->token_file, &c->token, cause) != 0) {
		free(c);
		return -1;
	}
	c->curl = curl_easy_init();
	c->multi = curl_multi_init();
	if (c->curl == NULL || c->multi == NULL) {
		syncd_conn_close(c);
		return fc_fail(cause, "libcurl failed to start");
	}
	*out = c;
	return 0;
}

void
syncd_conn_close(struct syncd_conn *c)
{
	if (c == NULL)
		return;
	conn_end(c);
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
syncd_conn_watch(struct syncd_conn *c, int fd, void (*ready)(void *arg), void *arg,
    const bool *stop)
{
	c->watch_fd = fd;
	c->watch_ready = ready;
	c->watch_arg = arg;
	c->stop = stop;
}

static bool
conn_stopped(struct sync_transport *t)
{
	struct syncd_conn *c = (struct syncd_conn *)t;

	return c->stop != NULL && *c->stop;
}

struct sync_transport *
syncd_conn_transport(struct syncd_conn *c)
{
	return &c->t;
}

/* Remembers the connection's socket (see unacked). */
static int
sock_opened(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	struct syncd_conn *c = arg;

	if (purpose == CURLSOCKTYPE_IPCXN)
		c->sock = fd;
	return CURL_SOCKOPT_OK;
}

static int
sock_closing(void *arg, curl_socket_t fd)
{
	struct syncd_conn *c = arg;

	if (fd == c->sock)
		c->sock = CURL_SOCKET_BAD;
	return close(fd);
}

/* Sets the options every request shares; the easy handle keeps its connection. */
static void
conn_prepare(struct syncd_conn *c, const char *url)
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
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->t.timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, reply_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
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

/* Takes the request out of the multi handle and frees what the upload held. */
static void
conn_end(struct syncd_conn *c)
{
	if (c->running)
		curl_multi_remove_handle(c->multi, c->curl);
	c->running = false;
	curl_slist_free_all(c->hdrs);
	c->hdrs = NULL;
	if (c->auth != NULL) {
		sodium_memzero(c->auth, strlen(c->auth));
		free(c->auth);
		c->auth = NULL;
	}
}

/* Starts the prepared request. */
static void
conn_start(struct syncd_conn *c)
{
	c->unacked = 0;
	c->result = CURLE_OK;
	if (curl_multi_add_handle(c->multi, c->curl) != CURLM_OK) {
		c->result = CURLE_FAILED_INIT;
		return;
	}
	c->running = true;
}

/* Sleeps until curl's sockets or timers, or the watched descriptor, need us. */
static void
conn_wait(struct syncd_conn *c)
{
	struct pollfd pfd = { .fd = c->watch_fd, .events = POLLIN };

	if (c->watch_fd < 0) {
		curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
		return;
	}
	{
		struct curl_waitfd extra = { .fd = c->watch_fd, .events = CURL_WAIT_POLLIN };

		curl_multi_poll(c->multi, &extra, 1, 1000, NULL);
	}
	/* Asked again with poll(): curl's revents leave out end of file (POLLHUP). */
	if (poll(&pfd, 1, 0) > 0 && c->watch_ready != NULL)
		c->watch_ready(c->watch_arg);
}

/*
 * Drives the running request: until it ends, or with body >= 0 until that
 * many body bytes are out (the depot is then committing them; a reply
 * that arrives meanwhile waits in the socket).  Once stopped it abandons
 * the request (CURLE_ABORTED_BY_CALLBACK, as a callback's abort would).
 */
static void
conn_drive(struct syncd_conn *c, curl_off_t body)
{
	while (c->running) {
		CURLMsg *m;
		int running, left, queued;

		if (c->stop != NULL && *c->stop) {
			c->result = CURLE_ABORTED_BY_CALLBACK;
			conn_end(c);
			return;
		}
		if (c->sock != CURL_SOCKET_BAD && ioctl(c->sock, TIOCOUTQ, &queued) == 0)
			c->unacked = queued;
		if (curl_multi_perform(c->multi, &running) != CURLM_OK) {
			c->result = CURLE_FAILED_INIT;
			conn_end(c);
			return;
		}
		while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
			if (m->msg == CURLMSG_DONE && m->easy_handle == c->curl) {
				c->result = m->data.result;
				curl_multi_remove_handle(c->multi, c->curl);
				c->running = false;
			}
		}
		if (!c->running)
			return;
		if (body >= 0) {
			curl_off_t sent = 0;

			if (curl_easy_getinfo(c->curl, CURLINFO_SIZE_UPLOAD_T, &sent) == CURLE_OK &&
			    sent >= body)
				return;
		}
		conn_wait(c);
	}
}

/* A transport failure, said for a person. */
static enum sync_outcome
conn_failed(struct syncd_conn *c, CURLcode rc, const char *what, char **cause)
{
	if (rc == CURLE_ABORTED_BY_CALLBACK && c->stop != NULL && *c->stop) {
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
reply_excerpt(const struct syncd_conn *c, char *buf, size_t size)
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
syncd_conn_health(struct syncd_conn *c, char **cause)
{
	char url[SYNC_MAX_URL + 32];
	json_t *obj, *service;
	long status = 0;
	CURLcode rc;
	bool good;

	snprintf(url, sizeof url, "%s/v1/health", c->base);
	conn_prepare(c, url);
	conn_start(c);
	conn_drive(c, -1);
	rc = c->result;
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

/* What the upload's end says about the link (see struct sync_upload_info). */
static void
conn_measure(struct syncd_conn *c, const struct store_bundle *b, CURLcode rc,
    struct sync_upload_info *u)
{
	curl_off_t sent = 0, us = 0;

	curl_easy_getinfo(c->curl, CURLINFO_SIZE_UPLOAD_T, &sent);
	curl_easy_getinfo(c->curl, CURLINFO_TOTAL_TIME_T, &us);
	if (rc == CURLE_OK)
		u->delivered = (int64_t)b->size;
	else
		u->delivered = sent > c->unacked ? (int64_t)(sent - c->unacked) : 0;
	u->elapsed_ms = (int64_t)(us / 1000);
	u->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
}

/* Starts the PUT of one frozen bundle and returns once its body is out (or the request ended). */
static void
conn_send(struct sync_transport *t, const struct store_bundle *b)
{
	struct syncd_conn *c = (struct syncd_conn *)t;
	char url[SYNC_MAX_URL + 64], b64[BUNDLE_SHA256_B64_LEN];
	char *digest;

	conn_end(c);
	snprintf(url, sizeof url, "%s/v1/bundles/%s", c->base, b->uuid);
	conn_prepare(c, url);
	/* The digest frozen with the bytes; a damaged one is computed afresh. */
	if (bundle_sha256_hex_to_b64(b->sha256, b64) != 0)
		bundle_sha256_b64(b->bytes, b->size, b64);
	c->auth = xasprintf("Authorization: Bearer %s", c->token);
	digest = xasprintf("Repr-Digest: sha-256=:%s:", b64);
	/* Lean headers: each byte is paid for on a patrol's cellular link. */
	c->hdrs = curl_slist_append(c->hdrs, c->auth);
	c->hdrs = curl_slist_append(c->hdrs, "Content-Type: application/gzip");
	c->hdrs = curl_slist_append(c->hdrs, digest);
	c->hdrs = curl_slist_append(c->hdrs, "Accept:");
	c->hdrs = curl_slist_append(c->hdrs, "Expect:");
	free(digest);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->hdrs);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, (const char *)b->bytes);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->size);
	conn_start(c);
	conn_drive(c, (curl_off_t)b->size);
}

/*
 * Waits for the answer to the bundle conn_send sent.  SYNC_DONE only when
 * the depot answered 200/201 with {"bundle": <this uuid>, "accepted": N,
 * "duplicates": M} and N + M is the bundle's record count.
 */
static enum sync_outcome
conn_receipt(struct sync_transport *t, const struct store_bundle *b, struct sync_upload_info *u,
    char **cause)
{
	struct syncd_conn *c = (struct syncd_conn *)t;
	char excerpt[192];
	json_t *obj = NULL, *v;
	long status = 0;
	CURLcode rc;
	enum sync_outcome how;

	memset(u, 0, sizeof *u);
	conn_drive(c, -1);
	conn_end(c);
	rc = c->result;
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
	if (json_is_string(v)) {
		snprintf(excerpt, sizeof excerpt, "%s", json_string_value(v));
		/* Shown on a terminal and kept in the outbox. */
		fc_text_for_terminal(excerpt, '?');
	} else {
		reply_excerpt(c, excerpt, sizeof excerpt);
	}
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


/* A GET's body, bounded (conn_get). */
struct get_body {
	struct fc_buf *buf;
	size_t max;
	bool overflow;
};

static size_t
get_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct get_body *g = arg;
	size_t n = size * nmemb;

	if (g->buf->len + n > g->max) {
		g->overflow = true;
		return 0;
	}
	fc_buf_append(g->buf, data, n);
	return n;
}

static enum sync_outcome
conn_get(struct sync_transport *t, const char *path, const char *if_none_match, struct fc_buf *body,
    size_t max, long *status, char **cause)
{
	struct syncd_conn *c = (struct syncd_conn *)t;
	char url[SYNC_MAX_URL + 256];
	struct get_body g = { .buf = body, .max = max };
	char *inm = NULL;
	CURLcode rc;

	*status = 0;
	body->len = 0;
	snprintf(url, sizeof url, "%s%s", c->base, path);
	conn_prepare(c, url);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, get_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &g);
	curl_easy_setopt(c->curl, CURLOPT_ACCEPT_ENCODING, "gzip");
	/* Freed by conn_end, as an upload's are. */
	c->auth = xasprintf("Authorization: Bearer %s", c->token);
	c->hdrs = curl_slist_append(c->hdrs, c->auth);
	c->hdrs = curl_slist_append(c->hdrs, "Accept:");
	if (if_none_match != NULL) {
		inm = xasprintf("If-None-Match: \"%s\"", if_none_match);
		c->hdrs = curl_slist_append(c->hdrs, inm);
		free(inm);
	}
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->hdrs);
	conn_start(c);
	conn_drive(c, -1);
	rc = c->result;
	conn_end(c);
	if (rc == CURLE_WRITE_ERROR && g.overflow) {
		fc_fail(cause, "%s: %s answered with more than %zu bytes", path, c->base, max);
		return SYNC_TRANSIENT;
	}
	if (rc != CURLE_OK)
		return conn_failed(c, rc, "change feed", cause);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
	if (*status == 200 && !reply_is_json(c->curl)) {
		fc_fail(cause, "change feed: %s answered 200 but not with JSON (a login page?)", c->base);
		return SYNC_TRANSIENT;
	}
	return SYNC_DONE;
}
