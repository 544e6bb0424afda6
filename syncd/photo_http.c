/*
 * syncd — the photo transport over HTTP (libcurl): tus 1.0 core's HEAD and
 * PATCH on /v1/photos/{sha256} (docs/sync-protocol.md, "Photos").
 *
 * A connection of its own beside the bundles' (http.c): a photo drain runs
 * after the records drain, and the two share no state but the options.
 * Success is as narrow as for bundles: a reply counts only with the
 * Tus-Resumable and Upload-Offset headers a depot sends, so a captive
 * portal's 200 is a failure, never a photo delivered.
 */
#include "syncd/syncd.h"

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PHOTO_MAX_REPLY 4096
#define PHOTO_MAX_URL   2048

struct photo_conn {
	struct sync_photo_transport t;   /* first: what the drain sees */
	const struct sync_options *o;
	CURL *curl;
	char *token;
	char base[PHOTO_MAX_URL];
	char reply[PHOTO_MAX_REPLY + 1];
	size_t reply_len;
	int64_t upload_offset;           /* the reply's Upload-Offset; -1: none */
	bool tus;                        /* the reply said Tus-Resumable: 1.0.0 */
	char reason[512];                /* the reply's Fieldcheck-Reason (a HEAD has no body) */
	char error[CURL_ERROR_SIZE];
	/* the body being PATCHed */
	const unsigned char *body;
	size_t body_len, body_pos;
};

static size_t
on_reply(char *data, size_t size, size_t nmemb, void *arg)
{
	struct photo_conn *c = arg;
	size_t n = size * nmemb;

	if (c->reply_len + n > PHOTO_MAX_REPLY)
		return 0;
	memcpy(c->reply + c->reply_len, data, n);
	c->reply_len += n;
	c->reply[c->reply_len] = '\0';
	return n;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct photo_conn *c = arg;
	size_t n = size * nmemb;
	char line[256];

	if (n >= sizeof line)
		return n;
	memcpy(line, data, n);
	line[n] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strncasecmp(line, "Upload-Offset:", 14) == 0) {
		const char *v = line + 14 + strspn(line + 14, " \t");

		if (*v != '\0' && strlen(v) <= 18 && strspn(v, "0123456789") == strlen(v))
			c->upload_offset = strtoll(v, NULL, 10);
	} else if (strncasecmp(line, "Tus-Resumable:", 14) == 0) {
		c->tus = strstr(line + 14, "1.0.0") != NULL;
	} else if (strncasecmp(line, "Fieldcheck-Reason:", 18) == 0) {
		fc_strlcpy(c->reason, line + 18 + strspn(line + 18, " \t"), sizeof c->reason);
	}
	return n;
}

static size_t
on_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct photo_conn *c = arg;
	size_t n = size * nitems, left = c->body_len - c->body_pos;

	if (n > left)
		n = left;
	memcpy(buf, c->body + c->body_pos, n);
	c->body_pos += n;
	return n;
}

/* The dock sync runs photos in the foreground: a signal ends the process, nothing asks it to stop. */
static bool
photo_stopped(struct sync_photo_transport *t)
{
	(void)t;
	return false;
}

/* Runs one request on /v1/photos/sha256; headers: the request's own besides the token's. */
static CURLcode
perform(struct photo_conn *c, const char *method, const char *sha256, struct curl_slist *headers,
    long *status)
{
	char url[PHOTO_MAX_URL + 96], auth[600];
	struct curl_slist *h = headers;
	CURLcode rc;
	CURL *e = c->curl;

	snprintf(url, sizeof url, "%s/v1/photos/%s", c->base, sha256);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->token);
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Tus-Resumable: 1.0.0");
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	if (c->o->cacert != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->o->cacert);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    c->o->connect_timeout_ms > 0 ? c->o->connect_timeout_ms : 10000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->o->timeout_ms > 0 ? c->o->timeout_ms : 60000L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_reply);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->error);
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(e, CURLOPT_READDATA, c);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(c->body_len - c->body_pos));
	}
	c->error[0] = '\0';
	c->reply_len = 0;
	c->reply[0] = '\0';
	c->upload_offset = -1;
	c->tus = false;
	c->reason[0] = '\0';
	rc = curl_easy_perform(e);
	*status = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(h);
	return rc;
}

/* The reply's "error", else a generic phrase.  Caller frees. */
static char *
reply_error(struct photo_conn *c, long status)
{
	json_t *j = json_loadb(c->reply, c->reply_len, 0, NULL), *e = json_object_get(j, "error");
	char *msg = json_is_string(e) ? xasprintf("the depot answered %ld: %s", status,
	    json_string_value(e)) : c->reason[0] != '\0' ? xasprintf("the depot answered %ld: %s",
	    status, c->reason) : xasprintf("the depot answered %ld", status);

	json_decref(j);
	return msg;
}

/* What a finished request means: SYNC_DONE with the depot's offset, or a failure. */
static enum sync_outcome
outcome(struct photo_conn *c, CURLcode rc, long status, int64_t *offset,
    struct sync_upload_info *u, char **cause)
{
	u->status = rc == CURLE_OK ? status : 0;
	if (rc != CURLE_OK) {
		fc_fail(cause, "%s", c->error[0] != '\0' ? c->error : curl_easy_strerror(rc));
		return photo_stopped(&c->t) ? SYNC_ABORTED : SYNC_TRANSIENT;
	}
	if ((status == 200 || status == 204) && c->tus && c->upload_offset >= 0) {
		*offset = c->upload_offset;
		return SYNC_DONE;
	}
	if (c->upload_offset >= 0 && c->tus)
		*offset = c->upload_offset;
	*cause = reply_error(c, status);
	if (status >= 400 && status < 500 && status != 408 && status != 409 && status != 423 &&
	    status != 429)
		return SYNC_REFUSED;
	return SYNC_TRANSIENT;
}

static enum sync_outcome
photo_offset(struct sync_photo_transport *t, const char *sha256, int64_t length, int64_t *offset,
    struct sync_upload_info *u, char **cause)
{
	struct photo_conn *c = (struct photo_conn *)t;
	long status;
	CURLcode rc;

	(void)length;
	rc = perform(c, "HEAD", sha256, NULL, &status);
	return outcome(c, rc, status, offset, u, cause);
}

static enum sync_outcome
photo_send(struct sync_photo_transport *t, const char *sha256, const unsigned char *bytes,
    int64_t length, int64_t *offset, struct sync_upload_info *u, char **cause)
{
	struct photo_conn *c = (struct photo_conn *)t;
	struct curl_slist *h = NULL;
	char line[64];
	int64_t sent_from = *offset;
	curl_off_t up = 0;
	long status;
	CURLcode rc;
	enum sync_outcome how;

	c->body = bytes;
	c->body_len = (size_t)length;
	c->body_pos = (size_t)*offset;
	h = curl_slist_append(h, "Content-Type: application/offset+octet-stream");
	snprintf(line, sizeof line, "Upload-Offset: %lld", (long long)*offset);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof line, "Upload-Length: %lld", (long long)length);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Expect:");
	rc = perform(c, "PATCH", sha256, h, &status);
	if (curl_easy_getinfo(c->curl, CURLINFO_SIZE_UPLOAD_T, &up) == CURLE_OK)
		t->wire_bytes += (int64_t)up;
	u->delivered = (int64_t)up;
	how = outcome(c, rc, status, offset, u, cause);
	/* 409: the depot holds another amount than we thought; go on from its offset. */
	if (how == SYNC_TRANSIENT && status == 409 && c->upload_offset >= 0 &&
	    c->upload_offset != sent_from) {
		free(*cause);
		*cause = NULL;
		*offset = c->upload_offset;
		how = SYNC_DONE;
	}
	return how;
}

int
syncd_photo_conn_open(const struct sync_options *o, struct sync_photo_transport **out, char **cause)
{
	struct photo_conn *c;

	*out = NULL;
	syncd_curl_init();
	if (o->server == NULL || o->server[0] == '\0')
		return fc_fail(cause, "no depot server");
	c = xcalloc(1, sizeof *c);
	c->t.offset = photo_offset;
	c->t.send = photo_send;
	c->t.stopped = photo_stopped;
	c->o = o;
	if (syncd_base_url(o->server, c->base, sizeof c->base, 96, cause) != 0) {
		free(c);
		return -1;
	}
	if (sync_read_token(o->token_file, &c->token, cause) != 0) {
		free(c);
		return -1;
	}
	if ((c->curl = curl_easy_init()) == NULL) {
		syncd_photo_conn_close(&c->t);
		return fc_fail(cause, "libcurl failed to start");
	}
	*out = &c->t;
	return 0;
}

void
syncd_photo_conn_close(struct sync_photo_transport *t)
{
	struct photo_conn *c = (struct photo_conn *)t;

	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	if (c->token != NULL) {
		sodium_memzero(c->token, strlen(c->token));
		free(c->token);
	}
	free(c);
}
