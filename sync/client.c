/*
 * sync — the client: options, the token file, and sync_run, which opens
 * the store and drains it (drain.c) through the caller's transport until
 * nothing is queued, retrying what the network may heal.
 */
#include "sync/sync_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SYNC_MAX_TOKEN  512

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

/*
 * Says (as a progress note) how many photos the depot refused during this
 * run, and why the last one was: the record went, the photo did not.
 */
static void
photo_summary(struct store *st, struct run_ctx *r, int64_t refused_before)
{
	int64_t pending, refused;
	char sha[STORE_HASH_LEN], reason[512], *note;
	long status;

	if (store_photo_counts(st, &pending, &refused, NULL) != 0 || refused <= refused_before ||
	    store_photo_last_refusal(st, sha, &status, reason, sizeof reason, NULL) != 0)
		return;
	note = xasprintf("%lld photo%s not sent, kept on this device (their records were): "
	    "photo %.12s: %s%s", (long long)(refused - refused_before),
	    refused - refused_before == 1 ? "" : "s", sha, status > 0 ? "" : "on this device: ",
	    reason);
	run_report(r, note);
	free(note);
}

int
sync_run(const struct sync_options *o, struct sync_transport *t, struct sync_photo_transport *pt,
    sync_progress_fn *progress, void *ctx, char **cause)
{
	struct run_ctx r = { .progress = progress, .ctx = ctx, .start_ms = fc_monotonic_ms() };
	long retry_for = o->retry_for_ms > 0 ? o->retry_for_ms : 120000L;
	struct store *st = NULL;
	enum sync_outcome how;
	char *why = NULL;
	int failures = 0;
	int64_t last_progress_ms = fc_monotonic_ms(), photos_pending, photos_refused_before = 0;

	if (o->db_path == NULL)
		return fc_fail(cause, "no database");
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
	if (store_photo_counts(st, &photos_pending, &photos_refused_before, NULL) != 0)
		photos_refused_before = 0;
	for (;;) {
		int64_t before = r.last_done, wait;

		free(why);
		why = NULL;
		r.base_done = r.last_done;
		r.base_bytes = r.last_bytes;
		how = sync_drain(st, t, o, run_drained, &r, &why);
		if (how == SYNC_DONE)
			how = sync_photo_drain(st, pt, o->db_path, &why);
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
	why = NULL;
	photo_summary(st, &r, photos_refused_before);
	{
		struct sync_feed_summary sum;
		char note[320];

		if (sync_feed_fetch(st, t, &sum, cause) != SYNC_DONE)
			goto fail;
		sync_feed_describe(&sum, note, sizeof note);
		run_report(&r, note);
	}
	if (refused_summary(st, cause) != 0)
		goto fail;
	store_close(st);
	return 0;
fail:
	free(why);
	store_close(st);
	return -1;
}
