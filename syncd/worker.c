/*
 * fieldcheck-sync --tui-worker: the screen's background sync, in a process
 * of its own so that libcurl's libraries never load into the screen.
 *
 * One thread, one loop.  Between drains it sleeps in poll() on stdin; during
 * a drain the HTTP connection waits on libcurl's sockets and on stdin
 * together (syncd_conn_watch), so the screen is heard mid-transfer.  Each new
 * status goes straight to stdout as one struct sync_status (the sync_proc_*
 * protocol in sync/sync.h).  A byte on stdin means "try now"; end of file
 * means the screen is gone (closed, or dead and the kernel closed it): stop,
 * abandoning a transfer in flight.  SIGINT and SIGHUP from the terminal are
 * the screen's to handle, so they are ignored here.
 *
 * Schedule: with records queued it drains, asking the depot's health first
 * when it has not answered since the start or the last failure (a depot
 * away then costs no freezing); after a failure it waits
 * sync_backoff_ms() (5 s doubling to 5 min, with jitter) but probes the
 * depot's health every 30 s meanwhile, so a link that comes back is used at
 * once.  With nothing queued it asks the depot's change feed (after a
 * drain, at the start, on a nudge, at most once a minute otherwise) and
 * sleeps until nudged (looking at the queue every minute in case a record
 * was saved by another process).  A bundle
 * the depot refuses for its content (400, 409, 413) is set aside by
 * sync_drain and no longer counts as queued, so it neither blocks the queue
 * nor keeps the worker busy; the status counts its records as refused.
 */
#include "syncd/syncd.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORKER_BACKOFF_BASE_MS  5000
#define WORKER_BACKOFF_CAP_MS   300000
#define WORKER_PROBE_MS         30000
#define WORKER_IDLE_MS          60000
#define WORKER_FEED_MS          60000   /* the change feed is asked at most this often when idle */

_Static_assert(sizeof(struct sync_status) <= PIPE_BUF, "a status must be one atomic pipe write");

struct worker {
	const struct sync_options *o;
	struct store *st;
	struct syncd_conn *conn;
	struct sync_status s;       /* the latest */
	struct sync_status said;    /* the latest written to the screen */
	bool said_any;
	bool nudged;                /* a byte came on stdin since the last look */
	bool stop;                  /* stdin ended, or stdout broke: the screen is gone */
	int failures;               /* attempts failed in a row */
	int64_t next_try;           /* fc_monotonic_ms() of the next attempt after a failure */
	int64_t next_probe;         /* and of the next health probe meanwhile */
	bool answered;              /* the depot answered the last time we asked */
	int64_t next_feed;          /* fc_monotonic_ms() from which the change feed is asked again; 0 now */
};

/* stdin is readable: a nudge, or the end. */
static void
worker_input(void *arg)
{
	struct worker *w = arg;
	char buf[64];
	ssize_t n = read(STDIN_FILENO, buf, sizeof buf);

	if (n > 0)
		w->nudged = true;
	else if (n == 0 || (errno != EINTR && errno != EAGAIN))
		w->stop = true;
}

/*
 * Says the status to the screen, unless it is the one said last: each
 * status wakes the screen, and a retry's countdown is the screen's to draw.
 */
static void
worker_say(struct worker *w)
{
	ssize_t n;

	if (w->said_any && memcmp(&w->s, &w->said, sizeof w->s) == 0)
		return;
	w->said = w->s;
	w->said_any = true;
	do
		n = write(STDOUT_FILENO, &w->s, sizeof w->s);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof w->s)
		w->stop = true;
}

/* Waits ms for a nudge or the end; true when nudged or stopped. */
static bool
worker_sleep(struct worker *w, int64_t ms)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	bool woke;

	if (ms < 0)
		ms = 0;
	if (ms > 3600000)
		ms = 3600000;
	/* A nudge heard during the drain counts: its record may have missed that drain. */
	if (!w->nudged && !w->stop && poll(&pfd, 1, (int)ms) > 0)
		worker_input(w);
	woke = w->nudged || w->stop;
	w->nudged = false;
	return woke;
}

static void
worker_progress(void *arg, int64_t total, int64_t done, int64_t bytes)
{
	struct worker *w = arg;

	(void)bytes;
	w->s.sending = true;
	w->s.sending_total = total;
	w->s.sending_done = done;
	w->s.queued = total - done;
	worker_say(w);
}

/* Counts the queue into the status; a store that cannot count says so. */
static int
worker_count(struct worker *w)
{
	char *why = NULL;

	if (sync_queued(w->st, &w->s.queued, &w->s.refused, NULL, &why) == 0)
		return 0;
	w->s.queued = SYNC_QUEUE_UNKNOWN;
	w->s.last_result = SYNC_FAILED;
	snprintf(w->s.message, sizeof w->s.message, "%s", why);
	free(why);
	return -1;
}

/* One drain, unless a dock sync of the same database is draining it. */
static enum sync_outcome
worker_drain(struct worker *w, char **why)
{
	enum sync_outcome how;

	switch (store_drain_lock(w->st, false, why)) {
	case 0:
		how = sync_drain(w->st, syncd_conn_transport(w->conn), w->o, worker_progress, w, why);
		store_drain_unlock(w->st);
		return how;
	case 1:
		*why = xasprintf("another sync of %s is running", w->o->db_path);
		return SYNC_TRANSIENT;
	default:
		return SYNC_LOCAL;
	}
}

/*
 * Backing off after a failure: probe the depot every WORKER_PROBE_MS and go
 * at once when it answers or the screen nudges.  True while the attempt
 * waits (the caller loops), false to attempt now.
 */
static bool
worker_backoff(struct worker *w, int64_t now)
{
	int64_t until = w->next_try < w->next_probe ? w->next_try : w->next_probe;
	enum sync_outcome how;
	char *why = NULL;

	if (now >= w->next_try)
		return false;
	if (now < w->next_probe) {
		worker_say(w);
		if (worker_sleep(w, until - now))
			w->next_try = 0;  /* nudged: try now */
		return true;
	}
	how = syncd_conn_health(w->conn, &why);
	free(why);
	w->next_probe = fc_monotonic_ms() + WORKER_PROBE_MS;
	if (how == SYNC_ABORTED)
		return true;  /* stopped: the loop ends */
	w->answered = how == SYNC_DONE;
	if (w->answered)
		return false;
	until = w->next_try < w->next_probe ? w->next_try : w->next_probe;
	if (worker_sleep(w, until - fc_monotonic_ms()))
		w->next_try = 0;
	return true;
}

/* What an attempt's outcome (why: its reason) means for the status and the schedule. */
static void
worker_outcome(struct worker *w, enum sync_outcome how, const char *why)
{
	struct sync_status *s = &w->s;

	s->last_sync = time(NULL);
	if (how == SYNC_DONE) {
		w->failures = 0;
		s->offline = false;
		s->last_result = SYNC_OK;
		s->message[0] = '\0';
		s->retry_at_ms = 0;
		w->next_try = 0;
	} else if (how == SYNC_RESIZED) {
		/* Smaller bundles for a slow link: go again at once. */
		w->failures = 0;
		snprintf(s->message, sizeof s->message, "%s", why);
		s->retry_at_ms = 0;
		w->next_try = 0;
	} else {
		w->failures++;
		s->offline = how == SYNC_TRANSIENT;
		s->last_result = SYNC_FAILED;
		snprintf(s->message, sizeof s->message, "%s", why != NULL ? why : "failed");
		w->next_try = fc_monotonic_ms() + sync_backoff_ms(w->failures, WORKER_BACKOFF_BASE_MS,
		    WORKER_BACKOFF_CAP_MS);
		w->next_probe = fc_monotonic_ms() + WORKER_PROBE_MS;
		s->retry_at_ms = w->next_try;
	}
}

static void
worker_loop(struct worker *w)
{
	struct sync_status *s = &w->s;

	while (!w->stop) {
		char *why = NULL;
		enum sync_outcome how = SYNC_DONE;

		if (worker_count(w) != 0 || s->queued == 0) {
			if (s->queued == 0) {
				s->retry_at_ms = 0;
				s->offline = false;
				/* Nothing to send: what the depot has for this device. */
				if (fc_monotonic_ms() >= w->next_feed) {
					sync_feed_poll(w->st, syncd_conn_transport(w->conn), s);
					w->next_feed = fc_monotonic_ms() + WORKER_FEED_MS;
				}
			}
			worker_say(w);
			if (worker_sleep(w, WORKER_IDLE_MS))
				w->next_feed = 0;   /* nudged: ask the depot too */
			continue;
		}
		if (worker_backoff(w, fc_monotonic_ms()))
			continue;
		if (!w->answered) {
			/*
			 * The depot has not answered yet, or not since a failure: ask it
			 * before bundling anything for it, so that a depot away costs a
			 * refused connection, not a freeze of the queue.
			 */
			worker_say(w);
			how = syncd_conn_health(w->conn, &why);
			w->answered = how == SYNC_DONE;
		}
		if (w->answered) {
			free(why);
			why = NULL;
			s->sending = true;
			s->sending_done = 0;
			s->sending_total = s->queued;
			s->retry_at_ms = 0;
			worker_say(w);
			how = worker_drain(w, &why);
			s->sending = false;
			w->answered = how != SYNC_TRANSIENT;
		}
		if (how == SYNC_ABORTED || w->stop) {
			free(why);
			break;
		}
		worker_outcome(w, how, why);
		if (how == SYNC_DONE)
			w->next_feed = 0;   /* uploads done: the feed next */
		free(why);
		worker_count(w);
		worker_say(w);
	}
}

int
syncd_worker(const struct sync_options *o)
{
	struct worker w = { .o = o };
	char *cause = NULL;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (o->db_path == NULL)
		cause = xstrdup("sync: no database");
	else if (syncd_conn_open(o, &w.conn, &cause) == 0 &&
	    store_open(o->db_path, STORE_READ_WRITE, &w.st, &cause) == 0)
		/* Beside the screen: a small page cache, as the screen's own (store_small_cache). */
		store_small_cache(w.st, &cause);
	if (cause != NULL) {
		/* The screen shows why there is no sync, and the worker ends. */
		w.s.last_result = SYNC_FAILED;
		snprintf(w.s.message, sizeof w.s.message, "%s", cause);
		free(cause);
		worker_say(&w);
		store_close(w.st);
		syncd_conn_close(w.conn);
		return 1;
	}
	syncd_conn_watch(w.conn, STDIN_FILENO, worker_input, &w, &w.stop);
	worker_loop(&w);
	store_close(w.st);
	syncd_conn_close(w.conn);
	return 0;
}
