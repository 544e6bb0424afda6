/*
 * sync — the background worker the TUI runs.
 *
 * A thread with its own store connection (SQLite handles are not shared
 * between threads here) and its own libcurl handle.  It talks to the TUI
 * through two pipes: the TUI's end of `news` polls readable when the status
 * changed (the status itself sits behind a mutex, so a slow reader only
 * ever sees the latest), and `wake` lets the TUI say "try now" or "stop".
 *
 * Schedule: with records queued it drains; after a failure it waits
 * sync_backoff_ms() (5 s doubling to 5 min, with jitter) but probes the
 * depot's health every 30 s meanwhile, so a link that comes back is used
 * at once.  With nothing queued it sleeps until nudged (and looks at the
 * queue every minute in case a record was saved by another process).  A
 * bundle the depot refuses for its content (400, 409, 413) is set aside by
 * sync_drain and no longer counts as queued, so it neither blocks the queue
 * nor keeps the worker busy; the status counts its records as refused.
 */
#include "sync/sync_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORKER_BACKOFF_BASE_MS  5000
#define WORKER_BACKOFF_CAP_MS   300000
#define WORKER_PROBE_MS         30000
#define WORKER_IDLE_MS          60000
#define WORKER_FEED_MS          60000   /* the change feed is asked at most this often when idle */

struct sync_worker {
	struct sync_options o;      /* strings below are owned copies */
	char *db_path, *server, *device, *token_file, *cacert;

	struct store *st;
	struct sync_conn *conn;
	pthread_t thread;
	atomic_bool stop;

	int news[2];                /* worker writes, TUI reads */
	int wake[2];                /* TUI writes, worker reads */

	pthread_mutex_t lock;
	struct sync_status status;  /* under lock */
	unsigned generation;        /* under lock: bumped on each change */
	unsigned seen;              /* the TUI's: generation it last read */
};

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static int
set_nonblock_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	return 0;
}

/* Publishes a status change; called by the worker with a function that edits it. */
static void
publish(struct sync_worker *w, const struct sync_status *s)
{
	char byte = 'n';

	pthread_mutex_lock(&w->lock);
	w->status = *s;
	w->generation++;
	pthread_mutex_unlock(&w->lock);
	/* A full pipe already says "there is news". */
	if (write(w->news[1], &byte, 1) == -1 && errno != EAGAIN)
		return;
}

struct drain_ctx {
	struct sync_worker *w;
	struct sync_status *s;
};

static void
worker_progress(void *arg, int64_t total, int64_t done, int64_t bytes)
{
	struct drain_ctx *d = arg;

	(void)bytes;
	d->s->sending = true;
	d->s->sending_total = total;
	d->s->sending_done = done;
	d->s->queued = total - done;
	publish(d->w, d->s);
}

/* Waits for a nudge, stop or timeout; true when nudged or stopped. */
static bool
worker_sleep(struct sync_worker *w, int64_t ms)
{
	struct pollfd pfd = { .fd = w->wake[0], .events = POLLIN };
	char buf[64];
	int rc;

	if (ms < 0)
		ms = 0;
	if (ms > 3600000)
		ms = 3600000;
	rc = poll(&pfd, 1, (int)ms);
	if (rc > 0) {
		while (read(w->wake[0], buf, sizeof buf) > 0)
			;
		return true;
	}
	return atomic_load(&w->stop);
}

static void *
worker_main(void *arg)
{
	struct sync_worker *w = arg;
	struct sync_status s;
	int failures = 0;
	int64_t next_try = 0, next_probe = 0, next_feed = 0;

	memset(&s, 0, sizeof s);
	while (!atomic_load(&w->stop)) {
		char *why = NULL;
		int64_t now = fc_monotonic_ms(), until;
		enum sync_outcome how;

		if (sync_queued(w->st, &s.queued, &s.refused, NULL, &why) != 0) {
			s.queued = SYNC_QUEUE_UNKNOWN;
			s.last_result = SYNC_FAILED;
			snprintf(s.message, sizeof s.message, "%s", why);
			free(why);
			publish(w, &s);
			worker_sleep(w, WORKER_IDLE_MS);
			continue;
		}
		if (s.queued == 0) {
			if (now >= next_feed) {
				sync_feed_poll(w->st, w->conn, &s);
				next_feed = fc_monotonic_ms() + WORKER_FEED_MS;
			}
			s.retry_at_ms = 0;
			s.offline = false;
			publish(w, &s);
			if (worker_sleep(w, WORKER_IDLE_MS))
				next_feed = 0;   /* nudged: ask the depot too */
			continue;
		}
		if (now < next_try) {
			/* Backing off: probe the depot meanwhile, and go at once when it answers. */
			if (now >= next_probe) {
				how = sync_conn_health(w->conn, &why);
				free(why);
				why = NULL;
				next_probe = fc_monotonic_ms() + WORKER_PROBE_MS;
				if (how == SYNC_ABORTED)
					break;
				if (how != SYNC_DONE) {
					until = next_try < next_probe ? next_try : next_probe;
					if (worker_sleep(w, until - fc_monotonic_ms()))
						next_try = 0;  /* nudged: try now */
					continue;
				}
			} else {
				until = next_try < next_probe ? next_try : next_probe;
				publish(w, &s);
				if (worker_sleep(w, until - now))
					next_try = 0;
				continue;
			}
		}
		s.sending = true;
		s.sending_done = 0;
		s.sending_total = s.queued;
		s.retry_at_ms = 0;
		publish(w, &s);
		{
			struct drain_ctx d = { w, &s };

			/* A dock sync of the same database drains it meanwhile: try later. */
			switch (store_drain_lock(w->st, false, &why)) {
			case 0:
				how = sync_drain(w->st, sync_conn_transport(w->conn), &w->o, worker_progress, &d, &why);
				store_drain_unlock(w->st);
				break;
			case 1:
				why = xasprintf("another sync of %s is running", w->db_path);
				how = SYNC_TRANSIENT;
				break;
			default:
				how = SYNC_LOCAL;
				break;
			}
		}
		s.sending = false;
		if (how == SYNC_ABORTED) {
			free(why);
			break;
		}
		s.last_sync = time(NULL);
		if (how == SYNC_DONE) {
			failures = 0;
			s.offline = false;
			s.last_result = SYNC_OK;
			s.message[0] = '\0';
			s.retry_at_ms = 0;
			next_try = 0;
			next_feed = 0;   /* uploads done: the feed next */
		} else if (how == SYNC_RESIZED) {
			/* Smaller bundles for a slow link: go again at once. */
			failures = 0;
			snprintf(s.message, sizeof s.message, "%s", why);
			s.retry_at_ms = 0;
			next_try = 0;
		} else {
			failures++;
			s.offline = how == SYNC_TRANSIENT;
			s.last_result = SYNC_FAILED;
			snprintf(s.message, sizeof s.message, "%s", why != NULL ? why : "failed");
			next_try = fc_monotonic_ms() + sync_backoff_ms(failures, WORKER_BACKOFF_BASE_MS,
			    WORKER_BACKOFF_CAP_MS);
			next_probe = fc_monotonic_ms() + WORKER_PROBE_MS;
			s.retry_at_ms = next_try;
		}
		free(why);
		why = NULL;
		if (sync_queued(w->st, &s.queued, &s.refused, NULL, &why) != 0) {
			s.queued = SYNC_QUEUE_UNKNOWN;
			s.last_result = SYNC_FAILED;
			snprintf(s.message, sizeof s.message, "%s", why);
			free(why);
		}
		publish(w, &s);
	}
	return NULL;
}

static void
worker_free(struct sync_worker *w)
{
	if (w == NULL)
		return;
	sync_conn_close(w->conn);
	store_close(w->st);
	for (int i = 0; i < 2; i++) {
		if (w->news[i] != -1)
			close(w->news[i]);
		if (w->wake[i] != -1)
			close(w->wake[i]);
	}
	pthread_mutex_destroy(&w->lock);
	free(w->db_path);
	free(w->server);
	free(w->device);
	free(w->token_file);
	free(w->cacert);
	free(w);
}

int
sync_worker_start(const struct sync_options *o, struct sync_worker **out, char **cause)
{
	struct sync_worker *w = xcalloc(1, sizeof *w);

	*out = NULL;
	w->news[0] = w->news[1] = w->wake[0] = w->wake[1] = -1;
	pthread_mutex_init(&w->lock, NULL);
	atomic_init(&w->stop, false);
	w->o = *o;
	w->o.db_path = w->db_path = dup_or_null(o->db_path);
	w->o.server = w->server = dup_or_null(o->server);
	w->o.device = w->device = dup_or_null(o->device);
	w->o.token_file = w->token_file = dup_or_null(o->token_file);
	w->o.cacert = w->cacert = dup_or_null(o->cacert);
	if (w->db_path == NULL) {
		fc_fail(cause, "sync: no database");
		goto fail;
	}
	if (sync_conn_open(&w->o, &w->conn, cause) != 0)
		goto fail;
	sync_conn_set_stop(w->conn, &w->stop);
	if (store_open(w->db_path, STORE_READ_WRITE, &w->st, cause) != 0)
		goto fail;
	if (pipe(w->news) != 0 || pipe(w->wake) != 0 || set_nonblock_cloexec(w->news[0]) != 0 ||
	    set_nonblock_cloexec(w->news[1]) != 0 || set_nonblock_cloexec(w->wake[0]) != 0 ||
	    set_nonblock_cloexec(w->wake[1]) != 0) {
		fc_fail(cause, "sync: pipe: %s", strerror(errno));
		goto fail;
	}
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		fc_fail(cause, "sync: cannot start the worker thread");
		goto fail;
	}
	*out = w;
	return 0;
fail:
	worker_free(w);
	return -1;
}

int
sync_worker_fd(const struct sync_worker *w)
{
	return w->news[0];
}

int
sync_worker_read(struct sync_worker *w, struct sync_status *out)
{
	char buf[256];
	int changed;

	while (read(w->news[0], buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&w->lock);
	*out = w->status;
	changed = w->generation != w->seen;
	w->seen = w->generation;
	pthread_mutex_unlock(&w->lock);
	return changed;
}

void
sync_worker_nudge(struct sync_worker *w)
{
	char byte = 'g';

	if (write(w->wake[1], &byte, 1) == -1)
		return;  /* full: a nudge is already pending */
}

void
sync_worker_stop(struct sync_worker *w)
{
	if (w == NULL)
		return;
	atomic_store(&w->stop, true);
	sync_worker_nudge(w);
	pthread_join(w->thread, NULL);
	worker_free(w);
}
