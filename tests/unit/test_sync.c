/*
 * Unit tests of the sync client pieces that need no depot: the status bar
 * text, the backoff schedule, the token file rules, the options from the
 * configuration, the drain through a fake transport (a link too slow for its
 * bundles), and the background worker (fieldcheck-sync --tui-worker,
 * through sync_proc_*) against a port where nothing listens (it must say
 * offline and keep every record) and against one that never answers (the
 * screen's leaving ends the upload in flight).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include "photo/photo.h"
#include "store/store.h"
#include "sync/sync.h"
#include "sync/sync_internal.h"
#include "util/util.h"

static void
test_describe(void **state)
{
	struct sync_status s = { 0 };
	char buf[160];

	(void)state;
	sync_status_describe(&s, buf, sizeof buf);
	assert_string_equal(buf, "queued 0");
	s.queued = 3;
	s.sending = true;
	s.sending_done = 1;
	s.sending_total = 3;
	s.offline = true;
	s.retry_at_ms = fc_monotonic_ms() + 40000;
	s.last_sync = time(NULL);
	s.last_result = SYNC_OK;
	sync_status_describe(&s, buf, sizeof buf);
	assert_non_null(strstr(buf, "queued 3 · sending 1/3 · offline, retry in 40 s · last sync "));
	assert_non_null(strstr(buf, "✓"));
	s.last_result = SYNC_FAILED;
	s.sending = false;
	sync_status_describe(&s, buf, sizeof buf);
	assert_non_null(strstr(buf, "✗"));
	assert_null(strstr(buf, "sending"));
	/* Records the depot refused are counted apart, whatever the last attempt did. */
	s.offline = false;
	s.refused = 2;
	sync_status_describe(&s, buf, sizeof buf);
	assert_non_null(strstr(buf, "queued 3 · refused 2 · last sync "));
	s.last_result = SYNC_OK;
	s.queued = 0;
	sync_status_describe(&s, buf, sizeof buf);
	assert_non_null(strstr(buf, "queued 0 · refused 2 · last sync "));
	s.refused = 0;
	s.last_result = SYNC_FAILED;
	sync_status_describe(&s, buf, sizeof buf);
	assert_non_null(strstr(buf, "queued 0 · refused · last sync "));
	s.offline = true;
	/* Cut short, it never ends inside a multi-byte character. */
	for (size_t n = 1; n < strlen(buf); n++) {
		char small[160];

		sync_status_describe(&s, small, n);
		assert_true(fc_utf8_valid(small, strlen(small)));
		assert_true(strlen(small) < n);
	}
}

/* A queue the store could not count is said so, never read as "queued 0" (all sent). */
static void
test_describe_unreadable_queue(void **state)
{
	struct sync_status s = { 0 };
	char buf[160];

	(void)state;
	s.queued = SYNC_QUEUE_UNKNOWN;
	s.last_result = SYNC_FAILED;
	snprintf(s.message, sizeof s.message, "disk I/O error");
	sync_status_describe(&s, buf, sizeof buf);
	assert_string_equal(buf, "queue unreadable: disk I/O error");
}

/* A drain's bundle caps: an eighth of the maximum (at least 16 KiB), growing 1.5 times, to the maximum. */
static void
test_ramp(void **state)
{
	static const size_t default_caps[] = { 32768, 49152, 73728, 110592, 165888, 248832, 262144, 262144 };

	(void)state;
	for (unsigned i = 0; i < sizeof default_caps / sizeof default_caps[0]; i++) {
		assert_int_equal(bundle_ramp_cap(0, i), default_caps[i]);
		assert_int_equal(bundle_ramp_cap(BUNDLE_DEFAULT_MAX_COMPRESSED, i), default_caps[i]);
	}
	assert_int_equal(bundle_ramp_cap(32768, 0), 16384);
	assert_int_equal(bundle_ramp_cap(32768, 1), 24576);
	assert_int_equal(bundle_ramp_cap(32768, 2), 32768);
	/* A cap below the floor is kept as given, from the first bundle on. */
	assert_int_equal(bundle_ramp_cap(1024, 0), 1024);
	assert_int_equal(bundle_ramp_cap(1024, 40), 1024);
	assert_int_equal(bundle_ramp_cap(0, 4000000000u), BUNDLE_DEFAULT_MAX_COMPRESSED);
}

/* A drain ends on a small bundle, never on a split that leaves two small ones. */
static void
test_drain_ends_small(void **state)
{
	(void)state;
	/* The first bundle has no estimate; neither has a queue that fits no cap. */
	assert_int_equal(bundle_drain_limit(5000, 32768, 0), 0);
	assert_int_equal(bundle_drain_limit(5000, 32768, 50), 0);
	/* Everything left fits this bundle: it leaves the tail for one more. */
	assert_int_equal(bundle_drain_limit(1965, 262144, 50), 1965 - BUNDLE_DRAIN_TAIL);
	assert_int_equal(bundle_drain_limit(2 * BUNDLE_DRAIN_TAIL + 1, 262144, 50), BUNDLE_DRAIN_TAIL + 1);
	/* A small rest goes whole, the tail itself included. */
	assert_int_equal(bundle_drain_limit(2 * BUNDLE_DRAIN_TAIL, 262144, 50), 0);
	assert_int_equal(bundle_drain_limit(BUNDLE_DRAIN_TAIL, 262144, 50), 0);
	assert_int_equal(bundle_drain_limit(0, 262144, 50), 0);
}

static void
test_backoff(void **state)
{
	(void)state;
	for (int i = 0; i < 200; i++) {
		int64_t d1 = sync_backoff_ms(1, 5000, 300000);
		int64_t d3 = sync_backoff_ms(3, 5000, 300000);
		int64_t d20 = sync_backoff_ms(20, 5000, 300000);

		assert_true(d1 >= 2500 && d1 <= 5000);
		assert_true(d3 >= 10000 && d3 <= 20000);
		assert_true(d20 >= 150000 && d20 <= 300000);
	}
}

static void
test_token_file(void **state)
{
	char dir[] = "/tmp/fieldcheck-sync-XXXXXX", *path, *token = NULL, *cause = NULL;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/token", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("abc-DEF_123\n", f);
	fclose(f);
	chmod(path, 0644);
	assert_int_equal(sync_read_token(path, &token, &cause), -1);
	assert_non_null(strstr(cause, "readable by others"));
	free(cause);
	cause = NULL;
	chmod(path, 0600);
	assert_int_equal(sync_read_token(path, &token, &cause), 0);
	assert_string_equal(token, "abc-DEF_123");
	free(token);
	/* A token that could split an HTTP header is refused. */
	f = fopen(path, "w");
	fputs("abc\r\nX-Evil: 1\n", f);
	fclose(f);
	assert_int_equal(sync_read_token(path, &token, &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(sync_read_token("/nonexistent/token", &token, &cause), -1);
	free(cause);
	unlink(path);
	rmdir(dir);
	free(path);
}

static void
test_options_from_config(void **state)
{
	char dir[] = "/tmp/fieldcheck-sync-XXXXXX", *path, *cause = NULL;
	struct fc_config *cfg = NULL;
	struct sync_options o = { .server = "https://flag.example" };
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/config", dir);
	f = fopen(path, "w");
	fputs("server = https://config.example\ndevice = hh7\ntoken_file = /etc/t\n", f);
	fclose(f);
	assert_int_equal(fc_config_load(path, &cfg, &cause), 0);
	sync_options_fill(&o, cfg);
	assert_string_equal(o.server, "https://flag.example");  /* the flag wins */
	assert_string_equal(o.device, "hh7");
	assert_string_equal(o.token_file, "/etc/t");
	assert_null(o.cacert);
	fc_config_free(cfg);
	unlink(path);
	rmdir(dir);
	free(path);
}

/* A port nothing listens on (bound, then closed). */
static int
dead_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/*
 * The drain through a fake transport: a link on which an upload of more
 * than max_body bytes times out with max_body delivered.  The drain must
 * re-freeze what does not fit until every record is sent, none twice in
 * one bundle, none marked sent without a receipt.
 */
struct fake_link {
	struct sync_transport t;
	size_t max_body;
	int uploads, timeouts;
	size_t largest_sent;
	char (*seen)[FC_UUID_LEN];
	size_t nseen, dups;
	int last;                   /* the highest R-N received */
	size_t order_breaks;        /* records received after one finalized later */
};

static void
fake_send(struct sync_transport *t, const struct store_bundle *b)
{
	struct fake_link *f = (struct fake_link *)t;

	(void)b;
	f->uploads++;
}

static enum sync_outcome
fake_receipt(struct sync_transport *t, const struct store_bundle *b, struct sync_upload_info *u,
    char **cause)
{
	struct fake_link *f = (struct fake_link *)t;
	struct bundle *dec = NULL;

	if (b->size > f->max_body) {
		f->timeouts++;
		u->delivered = (int64_t)f->max_body;
		u->elapsed_ms = t->timeout_ms;
		u->timed_out = true;
		fc_fail(cause, "upload: timed out");
		return SYNC_TRANSIENT;
	}
	assert_int_equal(bundle_decode(b->bytes, b->size, NULL, &dec, NULL), 0);
	assert_int_equal(dec->record_count, b->record_count);
	for (size_t i = 0; i < dec->record_count; i++) {
		bool again = false;

		for (size_t j = 0; j < f->nseen && !again; j++)
			again = strcmp(f->seen[j], dec->records[i]->uuid) == 0;
		if (again)
			f->dups++;
		else
			fc_strlcpy(f->seen[f->nseen++], dec->records[i]->uuid, FC_UUID_LEN);
		if (!again) {
			int index = atoi(store_record_answer(dec->records[i], "asset_id") + 2);

			if (index < f->last)
				f->order_breaks++;
			else
				f->last = index;
		}
	}
	bundle_free(dec);
	if (b->size > f->largest_sent)
		f->largest_sent = b->size;
	u->status = 201;
	u->delivered = (int64_t)b->size;
	u->elapsed_ms = (int64_t)b->size / 2;  /* 2,000 B/s */
	return SYNC_DONE;
}

static bool
fake_stopped(struct sync_transport *t)
{
	(void)t;
	return false;
}

/* A new road record of alice's on hh1, without answers.  Caller frees. */
static struct store_record *
road_record(void)
{
	struct store_record *rec = store_record_new();

	fc_strlcpy(rec->form_id, "road", sizeof rec->form_id);
	fc_strlcpy(rec->form_version, "1", sizeof rec->form_version);
	fc_strlcpy(rec->form_hash, "00", sizeof rec->form_hash);
	fc_strlcpy(rec->inspector, "alice", sizeof rec->inspector);
	fc_strlcpy(rec->device, "hh1", sizeof rec->device);
	fc_strlcpy(rec->day, "2026-11-24", sizeof rec->day);
	fc_strlcpy(rec->pos.reason, "test", sizeof rec->pos.reason);
	return rec;
}

/* n final records in a new store at path; the store stays open. */
static struct store *
queue_of(const char *path, int n)
{
	struct store *st;
	char *cause = NULL, note[96];

	assert_int_equal(store_open(path, STORE_READ_WRITE, &st, &cause), 0);
	for (int i = 0; i < n; i++) {
		struct store_record *rec = road_record();

		snprintf(note, sizeof note, "R-%d: 坑槽 %d, 深约 %d cm", i, i * 7 % 13, i % 9);
		store_record_set_answer(rec, "asset_id", note);
		assert_int_equal(store_finalize(st, rec, &cause), 0);
		store_record_free(rec);
	}
	return st;
}

static void
test_drain_refreezes_for_a_slow_link(void **state)
{
	char dir[] = "/tmp/fieldcheck-drain-XXXXXX", *db, *cause = NULL;
	struct fake_link f = { .t = { .send = fake_send, .receipt = fake_receipt, .stopped = fake_stopped,
	    .timeout_ms = 5000 }, .max_body = 3000 };
	struct sync_options o = { .device = "hh1" };
	struct store_outbox_counts oc;
	enum sync_outcome how = SYNC_TRANSIENT;
	int64_t counts[4];
	struct store *st;
	int drains = 0, resized = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	db = xasprintf("%s/hh.db", dir);
	st = queue_of(db, 300);
	f.seen = xcalloc(300, sizeof *f.seen);
	while (how != SYNC_DONE && drains < 60) {
		how = sync_drain(st, &f.t, &o, NULL, NULL, &cause);
		drains++;
		if (how == SYNC_RESIZED) {
			resized++;
			assert_non_null(strstr(cause, "re-froze its"));
		} else if (how != SYNC_DONE) {
			/* The first timeout of a bundle is retried as it is only when delivered whole. */
			assert_int_equal(how, SYNC_TRANSIENT);
		}
		free(cause);
		cause = NULL;
	}
	assert_int_equal(how, SYNC_DONE);
	assert_true(resized > 0);
	assert_true(f.timeouts > 0);
	assert_true(f.largest_sent <= f.max_body);
	assert_int_equal(f.nseen, 300);
	assert_int_equal(f.dups, 0);
	assert_true(f.t.bytes_per_s > 0);
	assert_int_equal(store_count_by_status(st, counts, &cause), 0);
	assert_int_equal(counts[STORE_SENT], 300);
	assert_int_equal(counts[STORE_BUNDLED] + counts[STORE_FINAL], 0);
	assert_int_equal(store_outbox_counts(st, &oc, &cause), 0);
	assert_int_equal(oc.bundles, 0);
	store_close(st);
	free(f.seen);
	{
		char *cmd = xasprintf("rm -rf '%s'", dir);

		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
	free(db);
}

/*
 * A bundle re-frozen while the next one was frozen beside its upload: its
 * records still reach the depot before the later ones, which the depot
 * needs (a correction is refused before its original, "send the original
 * first", and its bundle set aside).
 */
static void
test_drain_refreeze_keeps_the_order(void **state)
{
	char dir[] = "/tmp/fieldcheck-drain-XXXXXX", *db, *cause = NULL, *cmd;
	struct fake_link f = { .t = { .send = fake_send, .receipt = fake_receipt, .stopped = fake_stopped,
	    .timeout_ms = 5000 }, .max_body = 3000 };
	struct sync_options o = { .device = "hh1", .max_bundle_bytes = 6000 };
	enum sync_outcome how = SYNC_TRANSIENT;
	struct store *st;
	int drains = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	db = xasprintf("%s/hh.db", dir);
	st = queue_of(db, 600);
	f.seen = xcalloc(600, sizeof *f.seen);
	while (how != SYNC_DONE && drains++ < 100) {
		how = sync_drain(st, &f.t, &o, NULL, NULL, &cause);
		free(cause);
		cause = NULL;
	}
	assert_int_equal(how, SYNC_DONE);
	assert_true(f.timeouts > 0);
	assert_int_equal(f.nseen, 600);
	assert_int_equal(f.order_breaks, 0);
	store_close(st);
	free(f.seen);
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(db);
}

/*
 * The screen's side of the worker against the real fieldcheck-sync (found
 * beside this test's build directory): the configuration of a private
 * XDG_CONFIG_HOME names server (http://127.0.0.1:PORT), a token file and
 * the device; the store at db holds one final record.
 */
struct worker_env {
	char dir[40];
	char *db, *cfgdir;
};

static void
worker_env_make(struct worker_env *e, const char *server)
{
	char exe[4096], *slash, *path, *cfg, *tok;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	FILE *f;

	assert_true(n > 0);
	exe[n] = '\0';
	for (int i = 0; i < 2; i++) {
		slash = strrchr(exe, '/');
		assert_non_null(slash);
		*slash = '\0';
	}
	path = xasprintf("%s:%s", exe, getenv("PATH") != NULL ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	free(path);
	fc_strlcpy(e->dir, "/tmp/fieldcheck-sync-XXXXXX", sizeof e->dir);
	assert_non_null(mkdtemp(e->dir));
	e->db = xasprintf("%s/hh.db", e->dir);
	e->cfgdir = xasprintf("%s/fieldcheck", e->dir);
	assert_int_equal(mkdir(e->cfgdir, 0700), 0);
	tok = xasprintf("%s/token", e->dir);
	f = fopen(tok, "w");
	fputs("tok\n", f);
	fclose(f);
	chmod(tok, 0600);
	cfg = xasprintf("%s/config", e->cfgdir);
	f = fopen(cfg, "w");
	fprintf(f, "server = %s\ntoken_file = %s\ndevice = hh1\n", server, tok);
	fclose(f);
	setenv("XDG_CONFIG_HOME", e->dir, 1);
	free(cfg);
	free(tok);
	store_close(queue_of(e->db, 1));
}

static void
worker_env_free(struct worker_env *e)
{
	char *cmd = xasprintf("rm -rf '%s'", e->dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(e->db);
	free(e->cfgdir);
	unsetenv("XDG_CONFIG_HOME");
}

/* Reads statuses until want(s) or 20 s; true when want(s). */
static bool
worker_until(struct sync_proc *p, bool (*want)(const struct sync_status *), struct sync_status *s)
{
	int64_t deadline = fc_monotonic_ms() + 20000;

	while (fc_monotonic_ms() < deadline && sync_proc_fd(p) >= 0) {
		struct pollfd pfd = { .fd = sync_proc_fd(p), .events = POLLIN };

		if (poll(&pfd, 1, 1000) > 0 && sync_proc_read(p, s) == 1 && want(s))
			return true;
	}
	return false;
}

static bool
is_offline(const struct sync_status *s)
{
	return s->offline;
}

static bool
is_queued(const struct sync_status *s)
{
	return s->queued > 0;
}

/* A depot that is not there: the worker says offline and keeps every record. */
static void
test_worker_offline(void **state)
{
	struct worker_env e;
	struct sync_proc *p = NULL;
	struct sync_status s;
	struct store *st;
	char *url, *cause = NULL, text[160];
	int64_t counts[4];

	(void)state;
	url = xasprintf("http://127.0.0.1:%d", dead_port());
	worker_env_make(&e, url);
	assert_int_equal(sync_proc_start(e.db, NULL, &p, &cause), 0);
	assert_true(worker_until(p, is_offline, &s));
	assert_int_equal(s.queued, 1);
	assert_int_equal(s.last_result, SYNC_FAILED);
	assert_true(s.retry_at_ms > fc_monotonic_ms());
	sync_status_describe(&s, text, sizeof text);
	assert_non_null(strstr(text, "queued 1 · offline, retry in "));
	sync_proc_nudge(p);
	sync_proc_stop(p);

	/* Nothing was lost or marked sent. */
	assert_int_equal(store_open(e.db, STORE_READ_WRITE, &st, &cause), 0);
	assert_int_equal(store_count_by_status(st, counts, &cause), 0);
	assert_int_equal(counts[STORE_FINAL] + counts[STORE_BUNDLED], 1);
	assert_int_equal(counts[STORE_SENT], 0);
	store_close(st);
	worker_env_free(&e);
	free(url);
}

/*
 * A depot that takes the request and never answers: the screen's going
 * away (end of file on the worker's stdin) ends the upload in flight at
 * once, well before sync_proc_stop's 3 s would kill the worker.
 */
static void
test_worker_stops_mid_upload(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int mute = socket(AF_INET, SOCK_STREAM, 0);
	struct worker_env e;
	struct sync_proc *p = NULL;
	struct sync_status s;
	char *url, *cause = NULL;
	int64_t t0;

	(void)state;
	assert_int_equal(bind(mute, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(mute, 4), 0);  /* never accepted: the kernel completes connects */
	assert_int_equal(getsockname(mute, (struct sockaddr *)&sa, &len), 0);
	url = xasprintf("http://127.0.0.1:%d", ntohs(sa.sin_port));
	worker_env_make(&e, url);
	assert_int_equal(sync_proc_start(e.db, NULL, &p, &cause), 0);
	assert_true(worker_until(p, is_queued, &s));
	{
		/* The worker's request is in flight once its connection waits to be accepted. */
		struct pollfd pfd = { .fd = mute, .events = POLLIN };

		assert_int_equal(poll(&pfd, 1, 20000), 1);
	}
	t0 = fc_monotonic_ms();
	sync_proc_stop(p);
	assert_true(fc_monotonic_ms() - t0 < 2500);
	close(mute);
	worker_env_free(&e);
	free(url);
}

/*
 * The photo drain through a fake depot that keeps every byte it is sent
 * (as the real one keeps a cut upload's bytes): each PATCH is cut after
 * `cut` bytes the first `cuts` times; `status` (when not 0) answers every
 * HEAD with that refusal.
 */
struct fake_photos {
	struct sync_photo_transport t;
	unsigned char held[65536];
	int64_t have, sent;
	int64_t cut;
	int cuts;
	long status;
};

static enum sync_outcome
fake_offset(struct sync_photo_transport *t, const char *sha256, int64_t length, int64_t *offset,
    struct sync_upload_info *u, char **cause)
{
	struct fake_photos *f = (struct fake_photos *)t;

	(void)sha256;
	(void)length;
	if (f->status != 0) {
		u->status = f->status;
		fc_fail(cause, "the depot answered %ld", f->status);
		return SYNC_REFUSED;
	}
	*offset = f->have;
	return SYNC_DONE;
}

static enum sync_outcome
fake_photo_send(struct sync_photo_transport *t, const char *sha256, const unsigned char *bytes,
    int64_t length, int64_t *offset, struct sync_upload_info *u, char **cause)
{
	struct fake_photos *f = (struct fake_photos *)t;
	int64_t n = length - *offset;

	(void)sha256;
	assert_int_equal(*offset, f->have);      /* always from what the depot holds */
	if (f->cuts > 0 && n > f->cut) {
		n = f->cut;
		f->cuts--;
	}
	memcpy(f->held + f->have, bytes + *offset, (size_t)n);
	f->have += n;
	f->sent += n;
	*offset = f->have;
	if (f->have < length) {
		u->status = 0;
		fc_fail(cause, "connection reset");
		return SYNC_TRANSIENT;
	}
	return SYNC_DONE;
}

static bool
fake_photos_stopped(struct sync_photo_transport *t)
{
	(void)t;
	return false;
}

/* A store at dir/hh.db with one sent record naming one stored photo; *len its bytes. */
static struct store *
sent_with_photo(const char *dir, char **db, size_t *len, char sha[PHOTO_HASH_LEN])
{
	struct fake_link f = { .t = { .send = fake_send, .receipt = fake_receipt,
	    .stopped = fake_stopped, .timeout_ms = 5000 }, .max_body = 1 << 20 };
	struct sync_options o = { .device = "hh1" };
	struct photo_store *ps;
	struct photo_info info = { 0 };
	unsigned char bytes[20000];
	char *pdir, *answer, *cause = NULL;
	struct store *st;
	struct store_record *rec = road_record();

	*db = xasprintf("%s/hh.db", dir);
	pdir = photo_store_dir_beside(*db);
	for (size_t i = 0; i < sizeof bytes; i++)
		bytes[i] = (unsigned char)(i * 7 + i / 251);
	assert_int_equal(photo_store_open(pdir, &ps, &cause), 0);
	assert_int_equal(photo_store_put(ps, bytes, sizeof bytes, sha, &cause), 0);
	photo_store_close(ps);
	free(pdir);
	memcpy(info.sha256, sha, PHOTO_HASH_LEN);
	info.width = info.height = 100;
	info.bytes = *len = sizeof bytes;
	answer = photo_answer_format(&info, 1);
	assert_int_equal(store_open(*db, STORE_READ_WRITE, &st, &cause), 0);
	store_record_set_answer(rec, "asset_id", "R-0");
	store_record_set_answer(rec, "photo", answer);
	assert_int_equal(store_finalize(st, rec, &cause), 0);
	store_record_free(rec);
	free(answer);
	f.seen = xcalloc(4, sizeof *f.seen);
	assert_int_equal(sync_drain(st, &f.t, &o, NULL, NULL, &cause), SYNC_DONE);
	free(f.seen);
	return st;
}

/* Cut three times, the photo still goes whole, each byte sent once; then it counts as delivered. */
static void
test_photo_drain_resumes(void **state)
{
	char dir[] = "/tmp/fieldcheck-photos-XXXXXX", *db, *cause = NULL, sha[PHOTO_HASH_LEN];
	char hex[STORE_HASH_LEN];
	struct fake_photos f = { .t = { .offset = fake_offset, .send = fake_photo_send,
	    .stopped = fake_photos_stopped }, .cut = 3000, .cuts = 3 };
	int64_t pending, refused;
	enum sync_outcome how = SYNC_TRANSIENT;
	struct store *st;
	size_t len;
	int rounds = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	st = sent_with_photo(dir, &db, &len, sha);
	assert_int_equal(store_photo_counts(st, &pending, &refused, &cause), 0);
	assert_int_equal(pending, 1);
	while (how != SYNC_DONE && rounds++ < 10) {
		how = sync_photo_drain(st, &f.t, db, &cause);
		if (how != SYNC_DONE) {
			assert_int_equal(how, SYNC_TRANSIENT);
			assert_non_null(strstr(cause, "connection reset"));
		}
		free(cause);
		cause = NULL;
	}
	assert_int_equal(how, SYNC_DONE);
	assert_int_equal(rounds, 4);                 /* three cuts, then the rest */
	assert_int_equal(f.sent, (int64_t)len);       /* nothing sent twice */
	bundle_sha256_hex(f.held, len, hex);
	assert_string_equal(hex, sha);
	assert_int_equal(store_photo_counts(st, &pending, &refused, &cause), 0);
	assert_int_equal(pending, 0);
	assert_int_equal(refused, 0);
	f.sent = 0;
	assert_int_equal(sync_photo_drain(st, &f.t, db, &cause), SYNC_DONE);
	assert_int_equal(f.sent, 0);                  /* delivered: never again */
	store_close(st);
	free(db);
}

/* A refusal about the photo sets it aside; a depot without photos (404) leaves it pending. */
static void
test_photo_drain_refusals(void **state)
{
	char dir[] = "/tmp/fieldcheck-photos-XXXXXX", *db, *cause = NULL, sha[PHOTO_HASH_LEN];
	char why[256], got[STORE_HASH_LEN];
	struct fake_photos f = { .t = { .offset = fake_offset, .send = fake_photo_send,
	    .stopped = fake_photos_stopped }, .status = 404 };
	int64_t pending, refused;
	long status;
	struct store *st;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	st = sent_with_photo(dir, &db, &len, sha);
	assert_int_equal(sync_photo_drain(st, &f.t, db, &cause), SYNC_DONE);
	assert_int_equal(store_photo_counts(st, &pending, &refused, &cause), 0);
	assert_int_equal(pending, 1);                 /* an older depot: still to send */
	f.status = 413;
	assert_int_equal(sync_photo_drain(st, &f.t, db, &cause), SYNC_DONE);
	assert_int_equal(store_photo_counts(st, &pending, &refused, &cause), 0);
	assert_int_equal(pending, 0);
	assert_int_equal(refused, 1);
	assert_int_equal(store_photo_last_refusal(st, got, &status, why, sizeof why, &cause), 0);
	assert_string_equal(got, sha);
	assert_int_equal(status, 413);
	assert_string_equal(why, "the depot answered 413");
	store_close(st);
	free(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_describe_unreadable_queue),
		cmocka_unit_test(test_drain_ends_small),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_ramp),
		cmocka_unit_test(test_token_file),
		cmocka_unit_test(test_options_from_config),
		cmocka_unit_test(test_drain_refreezes_for_a_slow_link),
		cmocka_unit_test(test_drain_refreeze_keeps_the_order),
		cmocka_unit_test(test_worker_offline),
		cmocka_unit_test(test_worker_stops_mid_upload),
		cmocka_unit_test(test_photo_drain_resumes),
		cmocka_unit_test(test_photo_drain_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
