/*
 * The push queue: files in a directory (platform.h).  No SQL, so the queue
 * belongs to no database schema and an operator can read it with ls and
 * jq; every write goes through one durable path (write beside, fsync,
 * rename, fsync the directory), so a crash leaves the old file or the new
 * one, never half of one.
 */
#include "platform/platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

struct platform_queue {
	char *dir;
};

#define MAX_CASE (1024u * 1024)

static void
digest_hex(const char *data, size_t len, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)data, len);
	sodium_bin2hex(hex, 65, h, sizeof h);
}

/*
 * Writes len bytes to path durably: beside it, synced, renamed, directory
 * synced.  The file beside has a name of its own (mkostemp), so two pushers
 * writing one case's file at once each rename a whole file of their own.
 */
static int
write_durable(const char *path, const char *data, size_t len, char **cause)
{
	char *tmp = xasprintf("%s.tmp.XXXXXX", path), *dir = xstrdup(path), *slash;
	int fd = mkostemp(tmp, O_CLOEXEC), rc = -1;
	size_t done = 0;

	if (fd < 0) {
		fc_fail(cause, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fc_fail(cause, "cannot write %s: %s", tmp, strerror(errno));
			close(fd);
			goto out;
		}
		done += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		fc_fail(cause, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	rc = 0;
out:
	if (rc != 0 && fd >= 0)
		unlink(tmp);
	free(tmp);
	free(dir);
	return rc;
}

/* The file's contents, or NULL when it does not exist (or cannot be read). */
static char *
slurp(const char *path, size_t *len)
{
	char *data = NULL, *cause = NULL;

	if (fc_read_file(path, MAX_CASE, &data, len, &cause) != 0)
		free(cause);
	return data;
}

static bool
valid_id(const char *id)
{
	return fc_valid_uuid(id);
}

int
platform_queue_open(const char *dir, struct platform_queue **out, char **cause)
{
	static const char *const subdirs[] = { "", "/queue", "/sent", "/refused" };

	*out = NULL;
	if (sodium_init() < 0)
		return fc_fail(cause, "libsodium failed to start");
	for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
		char *p = xasprintf("%s%s", dir, subdirs[i]);

		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			fc_fail(cause, "cannot create the queue directory %s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}
	*out = xcalloc(1, sizeof **out);
	(*out)->dir = xstrdup(dir);
	return 0;
}

void
platform_queue_close(struct platform_queue *q)
{
	if (q == NULL)
		return;
	free(q->dir);
	free(q);
}

int
platform_queue_put(struct platform_queue *q, const char *case_id, const char *json, size_t len,
    char **cause)
{
	char hex[65], *sent, *queued, *path, *try_path;
	size_t slen = 0, qlen = 0;
	int rc;

	if (!valid_id(case_id))
		return fc_fail(cause, "'%.40s' is not a case id", case_id);
	digest_hex(json, len, hex);
	path = xasprintf("%s/sent/%s", q->dir, case_id);
	sent = slurp(path, &slen);
	free(path);
	rc = sent != NULL && slen == 64 && memcmp(sent, hex, 64) == 0;
	free(sent);
	if (rc)
		return 0;   /* the platform has this very content */
	/* the same content queued already, or refused: an operator's to re-queue */
	for (int where = 0; where < 2; where++) {
		path = xasprintf(where == 0 ? "%s/refused/%s.json" : "%s/queue/%s.json", q->dir,
		    case_id);
		queued = slurp(path, &qlen);
		rc = queued != NULL && qlen == len && memcmp(queued, json, len) == 0;
		free(queued);
		if (rc) {
			free(path);
			return 0;
		}
		if (where == 0)
			free(path);
	}
	rc = write_durable(path, json, len, cause);
	free(path);
	/* changed content starts its attempts afresh */
	try_path = xasprintf("%s/queue/%s.try", q->dir, case_id);
	unlink(try_path);
	free(try_path);
	return rc == 0 ? 1 : -1;
}

static int
by_next_attempt(const void *a, const void *b)
{
	const struct platform_queued *x = a, *y = b;

	if (x->next_at != y->next_at)
		return x->next_at < y->next_at ? -1 : 1;
	return strcmp(x->case_id, y->case_id);
}

int
platform_queue_list(struct platform_queue *q, struct platform_queued **out, size_t *n,
    char **cause)
{
	char *qdir = xasprintf("%s/queue", q->dir);
	DIR *d = opendir(qdir);
	struct dirent *e;

	*out = NULL;
	*n = 0;
	if (d == NULL) {
		fc_fail(cause, "cannot read %s: %s", qdir, strerror(errno));
		free(qdir);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		size_t nl = strlen(e->d_name);
		struct platform_queued it = { 0 };
		char *path, *try_text, hex[65];
		size_t tlen;

		if (nl != 36 + 5 || strcmp(e->d_name + 36, ".json") != 0)
			continue;
		memcpy(it.case_id, e->d_name, 36);
		if (!valid_id(it.case_id))
			continue;
		path = xasprintf("%s/%s", qdir, e->d_name);
		it.body = slurp(path, &it.len);
		free(path);
		if (it.body == NULL)
			continue;
		digest_hex(it.body, it.len, hex);
		snprintf(it.key, sizeof it.key, "%s.%s", it.case_id, hex);
		path = xasprintf("%s/%s.try", qdir, it.case_id);
		if ((try_text = slurp(path, &tlen)) != NULL &&
		    sscanf(try_text, "%u %lld", &it.attempts, &it.next_at) != 2)
			it.attempts = 0, it.next_at = 0;
		free(try_text);
		free(path);
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		(*out)[(*n)++] = it;
	}
	closedir(d);
	free(qdir);
	if (*n > 1)
		qsort(*out, *n, sizeof **out, by_next_attempt);
	return 0;
}

void
platform_queued_free(struct platform_queued *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i].body);
	free(items);
}

/*
 * Takes item's content out of the queue, with its attempts.  Content put
 * while item was being posted (the depot queued the day again) is newer and
 * stays queued: the file is first renamed aside, so a put racing this one
 * lands beside it rather than being unlinked, and one that is not item's
 * is linked back unless a newer put took its place.
 */
static void
unlink_queued(struct platform_queue *q, const struct platform_queued *item)
{
	char *p = xasprintf("%s/queue/%s.json", q->dir, item->case_id);
	char *t = xasprintf("%s/queue/%s.try", q->dir, item->case_id);
	char *aside = xasprintf("%s.%ld", p, (long)getpid());
	char *data;
	size_t len = 0;

	if (rename(p, aside) == 0) {
		data = slurp(aside, &len);
		if (data != NULL && len == item->len && memcmp(data, item->body, len) == 0)
			unlink(t);
		else if (link(aside, p) != 0 && errno != EEXIST)
			rename(aside, p);
		unlink(aside);
		free(data);
	}
	free(p);
	free(t);
	free(aside);
}

int
platform_queue_delivered(struct platform_queue *q, const struct platform_queued *item,
    char **cause)
{
	char *path = xasprintf("%s/sent/%s", q->dir, item->case_id);
	int rc = write_durable(path, item->key + 37, 64, cause);

	free(path);
	if (rc == 0)
		unlink_queued(q, item);
	return rc;
}

int
platform_queue_retry(struct platform_queue *q, const struct platform_queued *item,
    long long next_at, const char *reason, char **cause)
{
	char *path = xasprintf("%s/queue/%s.try", q->dir, item->case_id);
	char *text = xasprintf("%u %lld %s\n", item->attempts + 1, next_at, reason);
	int rc = write_durable(path, text, strlen(text), cause);

	free(path);
	free(text);
	return rc;
}

int
platform_queue_refused(struct platform_queue *q, const struct platform_queued *item,
    const char *reason, char **cause)
{
	char *body = xasprintf("%s/refused/%s.json", q->dir, item->case_id);
	char *why = xasprintf("%s/refused/%s.why", q->dir, item->case_id);
	int rc = write_durable(body, item->body, item->len, cause);

	if (rc == 0)
		rc = write_durable(why, reason, strlen(reason), cause);
	if (rc == 0)
		unlink_queued(q, item);
	free(body);
	free(why);
	return rc;
}
