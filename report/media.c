/*
 * report/media.c — a record's photos as an export names them, and the
 * sink that writes them to a directory (`fieldcheck export --media DIR`).
 *
 * One rule for every export: photo i of the n a question's answer names is
 * "<record uuid>_<question>.jpg" when n is 1, else "<record uuid>_<question>_<i+1>.jpg"
 * (a group path's "/" written "-"), so the CSV, the GeoJSON and the files
 * agree without the form.
 */
#include "report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "photo/photo.h"
#include "util/util.h"

void
report_media_name(const char *uuid, const char *question, size_t i, size_t n, char *buf,
    size_t size)
{
	char q[160];
	size_t k;

	fc_strlcpy(q, question, sizeof q);
	for (k = 0; q[k] != '\0'; k++)
		if (q[k] == '/' || q[k] == '\\' || (unsigned char)q[k] < 0x20)
			q[k] = '-';
	if (n <= 1)
		snprintf(buf, size, "%s_%s.jpg", uuid, q);
	else
		snprintf(buf, size, "%s_%s_%zu.jpg", uuid, q, i + 1);
}

size_t
report_record_photos(const struct store_record *rec, report_photo_fn *fn, void *ctx)
{
	size_t count = 0;

	for (size_t a = 0; a < rec->answer_count; a++) {
		struct photo_info ph[PHOTO_MAX_PER_ANSWER];
		size_t n;

		if (photo_answer_parse(rec->answers[a].value, ph, PHOTO_MAX_PER_ANSWER, &n) != 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			char name[REPORT_MEDIA_NAME_LEN];

			report_media_name(rec->uuid, rec->answers[a].name, i, n, name, sizeof name);
			if (fn != NULL)
				fn(ctx, rec->answers[a].name, name, ph[i].sha256);
			count++;
		}
	}
	return count;
}

/* ---- The media sink ---- */

struct media_sink {
	struct export_sink base;
	char *dir;
	struct photo_store *ps;
	size_t copied, missing;
	char *error;
};

/* Copies src to dir/name through a temporary file renamed into place. */
static int
copy_file(const char *src, const char *dir, const char *name, char **cause)
{
	char *dst = xasprintf("%s/%s", dir, name), *tmp = xasprintf("%s/.%s.tmp", dir, name);
	char *bytes = NULL;
	size_t len = 0;
	int fd = -1, rc = -1;

	if (fc_read_file(src, PHOTO_MAX_SOURCE_BYTES, &bytes, &len, cause) != 0)
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, bytes, len) != (ssize_t)len || fsync(fd) != 0) {
		fc_fail(cause, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0 || rename(tmp, dst) != 0) {
		fd = -1;
		fc_fail(cause, "cannot write %s: %s", dst, strerror(errno));
		goto out;
	}
	fd = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	free(bytes);
	free(tmp);
	free(dst);
	return rc;
}

static void
media_one(void *ctx, const char *question, const char *name, const char *sha256)
{
	struct media_sink *ms = ctx;
	char *src;

	(void)question;
	if (ms->error != NULL)
		return;
	if (!photo_store_has(ms->ps, sha256)) {
		fprintf(stderr, "fieldcheck: %s: not yet received (photo %.12s)\n", name, sha256);
		ms->missing++;
		return;
	}
	src = photo_store_path(ms->ps, sha256);
	if (copy_file(src, ms->dir, name, &ms->error) == 0)
		ms->copied++;
	free(src);
}

static int
media_item(struct export_sink *sink, const struct report_row *row, char **cause)
{
	struct media_sink *ms = (struct media_sink *)sink;

	report_record_photos(row->rec, media_one, ms);
	if (ms->error != NULL) {
		*cause = ms->error;
		ms->error = NULL;
		return -1;
	}
	sink->written++;
	return 0;
}

static int
media_finish(struct export_sink *sink, char **cause)
{
	(void)sink;
	(void)cause;
	return 0;
}

static void
media_free(struct export_sink *sink)
{
	struct media_sink *ms = (struct media_sink *)sink;

	free(ms->error);
	free(ms->dir);
	free(ms);
}

struct export_sink *
export_media_new(const char *dir, struct photo_store *ps)
{
	struct media_sink *ms = xcalloc(1, sizeof *ms);

	ms->base.item = media_item;
	ms->base.finish = media_finish;
	ms->base.free = media_free;
	ms->dir = xstrdup(dir);
	ms->ps = ps;
	return &ms->base;
}

void
export_media_counts(const struct export_sink *sink, size_t *copied, size_t *missing)
{
	const struct media_sink *ms = (const struct media_sink *)sink;

	*copied = ms->copied;
	*missing = ms->missing;
}
