/*
 * fieldcheck-push — sends the push queue's cases to a city's platform.
 *
 *   fieldcheck-push --queue DIR --url URL [--once] [--timeout S]
 *                   [--retry-base S] [--retry-max S] [--cacert FILE]
 *
 * Each case is POSTed alone as JSON with `Idempotency-Key: CASEID.SHA256`
 * (the case and the exact content).  The platform's answer decides:
 *
 *   2xx with a JSON body   delivered: recorded as sent, leaves the queue
 *   409                    the platform already holds this key: delivered
 *   2xx that is not JSON   (a captive portal's HTML page) tried again later
 *   3xx                    (a captive portal's redirect; none is followed) tried again later
 *   5xx, 408, 429, no answer, a timeout, a refused connection
 *                          tried again later, the wait doubling from
 *                          --retry-base (1 s) to --retry-max (300 s), with jitter
 *   other 4xx              refused for its content: set aside in refused/
 *                          with the platform's reason, never retried by itself
 *
 * Without --once it runs until the queue is empty, sleeping until the next
 * attempt is due; with --once it makes one pass over the cases due now.
 * Exit 0 when nothing is left, 1 when cases wait or were refused, 2 for
 * usage.  This is the only program besides fieldcheck-sync linked with
 * libcurl: the depot's server stays without an HTTP client (README,
 * "The platform push").
 */
#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform/platform.h"
#include "util/util.h"

#define MAX_ANSWER (64u * 1024)

struct options {
	const char *queue, *url, *cacert;
	bool once;
	long timeout_s;
	double retry_base_s, retry_max_s;
};

struct answer {
	struct fc_buf body;
	bool too_long;
};

static size_t
take_body(char *data, size_t size, size_t n, void *ctx)
{
	struct answer *a = ctx;
	size_t len = size * n;

	if (a->body.len + len > MAX_ANSWER)
		a->too_long = true;
	else
		fc_buf_append(&a->body, data, len);
	return len;
}

enum outcome { DELIVERED, RETRY, REFUSED };

/* POSTs one case; *reason (caller frees) says what happened. */
static enum outcome
post(CURL *h, const struct options *o, const struct platform_queued *it, char **reason)
{
	struct curl_slist *headers = NULL;
	struct answer a = { { 0 }, false };
	char *key = xasprintf("Idempotency-Key: %s", it->key);
	char *ctype = NULL, error[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode rc;
	enum outcome out;
	json_t *j;

	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, "Accept: application/json");
	headers = curl_slist_append(headers, key);
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, o->url);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, it->body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)it->len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, take_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, o->timeout_s);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, o->timeout_s < 10 ? o->timeout_s : 10L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
	if (o->cacert != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, o->cacert);
	rc = curl_easy_perform(h);
	if (rc == CURLE_PEER_FAILED_VERIFICATION) {
		*reason = xasprintf("the platform's TLS certificate was not accepted (%s)%s",
		    error[0] != '\0' ? error : curl_easy_strerror(rc), o->cacert == NULL ?
		    "; a city CA needs --cacert FILE" : "");
		out = RETRY;
		goto done;
	}
	if (rc != CURLE_OK) {
		*reason = xasprintf("no answer: %s", curl_easy_strerror(rc));
		out = RETRY;
		goto done;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ctype);
	if (status == 409) {
		*reason = xstrdup("409: the platform already holds this case and content");
		out = DELIVERED;
	} else if (status >= 200 && status < 300) {
		j = a.too_long || a.body.data == NULL ? NULL :
		    json_loadb(a.body.data, a.body.len, 0, NULL);
		if (j != NULL && (json_is_object(j) || json_is_array(j))) {
			*reason = xasprintf("%ld", status);
			out = DELIVERED;
		} else {
			*reason = xasprintf("%ld with %s, not JSON (a login page?)", status,
			    ctype != NULL ? ctype : "no content type");
			out = RETRY;
		}
		json_decref(j);
	} else if (status >= 500 || status == 408 || status == 429) {
		*reason = xasprintf("%ld from the platform", status);
		out = RETRY;
	} else if (status < 400) {
		/* A redirect (a captive portal's, as a rule; none is followed) says nothing of the case. */
		*reason = xasprintf("%ld, a redirect, not the platform's answer (a login page?)", status);
		out = RETRY;
	} else {
		*reason = xasprintf("%ld: %.200s", status, a.body.data != NULL ? a.body.data : "");
		out = REFUSED;
	}
	/* The platform's words go to a terminal and into refused/: one line, no control bytes
	 * (an escape sequence could rewrite the screen or the log shown later). */
	fc_text_for_terminal(*reason, ' ');
done:
	curl_slist_free_all(headers);
	free(a.body.data);
	free(key);
	return out;
}

/* The wait after the n-th failed attempt: base doubling to max, jittered to 50-100 %. */
static double
backoff_s(const struct options *o, unsigned n)
{
	double w = o->retry_base_s * pow(2.0, n > 30 ? 30 : (double)n);

	if (w > o->retry_max_s)
		w = o->retry_max_s;
	return w * (0.5 + 0.5 * (double)randombytes_uniform(1001) / 1000.0);
}

/* One pass over the cases due now.  *left: cases still queued; *next_due: the soonest. */
static int
pass(CURL *h, struct platform_queue *q, const struct options *o, size_t *left, size_t *refused,
    long long *next_due)
{
	struct platform_queued *items;
	size_t n;
	char *cause = NULL;
	long long now = (long long)time(NULL);

	*left = 0;
	*next_due = 0;
	if (platform_queue_list(q, &items, &n, &cause) != 0) {
		fprintf(stderr, "fieldcheck-push: %s\n", cause);
		free(cause);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct platform_queued *it = &items[i];
		char *reason = NULL;
		int rc = 0;

		if (it->next_at > now) {
			(*left)++;
			if (*next_due == 0 || it->next_at < *next_due)
				*next_due = it->next_at;
			continue;
		}
		switch (post(h, o, it, &reason)) {
		case DELIVERED:
			rc = platform_queue_delivered(q, it, &cause);
			fprintf(stderr, "fieldcheck-push: %s delivered (%s)\n", it->case_id, reason);
			break;
		case RETRY: {
			double wait = backoff_s(o, it->attempts);
			long long at = now + (long long)ceil(wait);

			rc = platform_queue_retry(q, it, at, reason, &cause);
			fprintf(stderr, "fieldcheck-push: %s: %s; attempt %u, next in %.0f s\n",
			    it->case_id, reason, it->attempts + 1, ceil(wait));
			(*left)++;
			if (*next_due == 0 || at < *next_due)
				*next_due = at;
			break;
		}
		case REFUSED:
			rc = platform_queue_refused(q, it, reason, &cause);
			fprintf(stderr, "fieldcheck-push: %s refused by the platform: %s (kept in "
			    "%s/refused)\n", it->case_id, reason, o->queue);
			(*refused)++;
			break;
		}
		free(reason);
		if (rc != 0) {
			fprintf(stderr, "fieldcheck-push: %s\n", cause);
			free(cause);
			platform_queued_free(items, n);
			return -1;
		}
	}
	platform_queued_free(items, n);
	return 0;
}

/* A CA file that cannot work would fail every attempt forever: refused at the start. */
static bool
readable_ca(const char *path)
{
	char *data = NULL, *cause = NULL;
	size_t len;
	bool ok;

	if (fc_read_file(path, 4u * 1024 * 1024, &data, &len, &cause) != 0) {
		fprintf(stderr, "fieldcheck-push: --cacert %s\n", cause);
		free(cause);
		return false;
	}
	ok = memmem(data, len, "-----BEGIN CERTIFICATE-----", 27) != NULL;
	if (!ok)
		fprintf(stderr, "fieldcheck-push: --cacert %s: not a PEM CA certificate\n", path);
	free(data);
	return ok;
}

static const char usage[] =
    "usage: fieldcheck-push --queue DIR --url URL [--once] [--timeout S]\n"
    "                       [--retry-base S] [--retry-max S] [--cacert FILE]\n";

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "queue", required_argument, NULL, 'q' },
		{ "url", required_argument, NULL, 'u' },
		{ "once", no_argument, NULL, '1' },
		{ "timeout", required_argument, NULL, 't' },
		{ "retry-base", required_argument, NULL, 'b' },
		{ "retry-max", required_argument, NULL, 'm' },
		{ "cacert", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { .timeout_s = 30, .retry_base_s = 1, .retry_max_s = 300 };
	struct platform_queue *q = NULL;
	char *cause = NULL, *end;
	size_t left = 0, refused = 0;
	long long next_due;
	CURL *h;
	int opt, status = 1;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'q': o.queue = optarg; break;
		case 'u': o.url = optarg; break;
		case '1': o.once = true; break;
		case 'c': o.cacert = optarg; break;
		case 't':
			o.timeout_s = strtol(optarg, &end, 10);
			if (*end != '\0' || o.timeout_s < 1 || o.timeout_s > 600) {
				fputs("fieldcheck-push: --timeout: 1 to 600 seconds\n", stderr);
				return 2;
			}
			break;
		case 'b': case 'm': {
			double v = strtod(optarg, &end);

			if (*end != '\0' || !(v >= 0 && v <= 86400)) {
				fputs("fieldcheck-push: --retry-base/--retry-max: 0 to 86400 s\n", stderr);
				return 2;
			}
			*(opt == 'b' ? &o.retry_base_s : &o.retry_max_s) = v;
			break;
		}
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc || o.queue == NULL || o.url == NULL ||
	    (strncmp(o.url, "http://", 7) != 0 && strncmp(o.url, "https://", 8) != 0)) {
		fputs(usage, stderr);
		return 2;
	}
	if (o.cacert != NULL && !readable_ca(o.cacert))
		return 2;
	if (platform_queue_open(o.queue, &q, &cause) != 0) {
		fprintf(stderr, "fieldcheck-push: %s\n", cause);
		free(cause);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	h = curl_easy_init();
	for (;;) {
		long long now;

		if (h == NULL || pass(h, q, &o, &left, &refused, &next_due) != 0)
			break;
		if (left == 0 || o.once) {
			status = left == 0 && refused == 0 ? 0 : 1;
			break;
		}
		now = (long long)time(NULL);
		if (next_due > now)
			sleep((unsigned)(next_due - now));
	}
	if (left > 0)
		fprintf(stderr, "fieldcheck-push: %zu case%s still queued in %s\n", left,
		    left == 1 ? "" : "s", o.queue);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	platform_queue_close(q);
	return status;
}
