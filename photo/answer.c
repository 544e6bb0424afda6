/*
 * photo/answer.c — a photo question's answer: the photos it names.
 *
 * One photo is "sha256:<64 hex> <W>x<H> <BYTES> <CAPTURED>", CAPTURED the
 * camera's time as YYYY-MM-DDTHH:MM:SS or "-" when it had none; several
 * are joined by ";".  Plain words and fixed fields, so a person reading a
 * bundle, the CSV or `list --json` sees what the record holds, and the
 * depot, the export and the upload find the hashes without the form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "photo/photo.h"
#include "util/util.h"

#define PREFIX "sha256:"

char *
photo_answer_format(const struct photo_info *photos, size_t n)
{
	struct fc_buf b = { 0 };

	for (size_t i = 0; i < n; i++) {
		char one[160];
		int len = snprintf(one, sizeof one, "%s" PREFIX "%s %ux%u %zu %s", i > 0 ? ";" : "",
		    photos[i].sha256, photos[i].width, photos[i].height, photos[i].bytes,
		    photos[i].captured_at[0] != '\0' ? photos[i].captured_at : "-");

		fc_buf_append(&b, one, (size_t)len);
	}
	return b.data != NULL ? b.data : xstrdup("");
}

static bool
digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* YYYY-MM-DDTHH:MM:SS, the form photo_info.captured_at has. */
static bool
valid_time(const char *s, size_t n)
{
	return n == PHOTO_TIME_LEN - 1 && digits(s, 4) && s[4] == '-' && digits(s + 5, 2) &&
	    s[7] == '-' && digits(s + 8, 2) && s[10] == 'T' && digits(s + 11, 2) && s[13] == ':' &&
	    digits(s + 14, 2) && s[16] == ':' && digits(s + 17, 2);
}

/* A decimal of at most 9 digits (no sign, no leading zero): 0 and *v, else -1. */
static int
small_number(const char *s, size_t n, unsigned long *v)
{
	if (!digits(s, n) || n > 9 || (n > 1 && s[0] == '0'))
		return -1;
	*v = strtoul(s, NULL, 10);
	return 0;
}

static int
parse_one(const char *s, size_t n, struct photo_info *out)
{
	char buf[160], *field[4], *p, *x;
	unsigned long w, h, bytes;

	memset(out, 0, sizeof *out);
	if (n >= sizeof buf || n < sizeof PREFIX - 1 || memcmp(s, PREFIX, sizeof PREFIX - 1) != 0)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	p = buf + sizeof PREFIX - 1;
	for (int k = 0; k < 4; k++) {
		char *sp = strchr(p, ' ');

		field[k] = p;
		if ((k < 3) != (sp != NULL))
			return -1;
		if (sp != NULL) {
			*sp = '\0';
			p = sp + 1;
		}
	}
	if (strlen(field[0]) != PHOTO_HASH_LEN - 1 || !photo_valid_sha256(field[0]) ||
	    (x = strchr(field[1], 'x')) == NULL ||
	    small_number(field[1], (size_t)(x - field[1]), &w) != 0 ||
	    small_number(x + 1, strlen(x + 1), &h) != 0 ||
	    w == 0 || h == 0 || w > PHOTO_MAX_SOURCE_SIDE || h > PHOTO_MAX_SOURCE_SIDE ||
	    small_number(field[2], strlen(field[2]), &bytes) != 0 || bytes == 0)
		return -1;
	if (strcmp(field[3], "-") != 0 && !valid_time(field[3], strlen(field[3])))
		return -1;
	memcpy(out->sha256, field[0], PHOTO_HASH_LEN);
	out->width = (unsigned)w;
	out->height = (unsigned)h;
	out->bytes = bytes;
	if (strcmp(field[3], "-") != 0)
		memcpy(out->captured_at, field[3], PHOTO_TIME_LEN);
	return 0;
}

bool
photo_answer_is(const char *value)
{
	return value != NULL && strncmp(value, PREFIX, sizeof PREFIX - 1) == 0;
}

int
photo_answer_parse(const char *value, struct photo_info *out, size_t max, size_t *n)
{
	size_t count = 0;

	*n = 0;
	if (!photo_answer_is(value))
		return -1;
	for (const char *p = value;;) {
		size_t len = strcspn(p, ";");
		struct photo_info one;

		if (count >= PHOTO_MAX_PER_ANSWER || parse_one(p, len, &one) != 0)
			return -1;
		if (count < max)
			out[count] = one;
		count++;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	*n = count;
	return 0;
}

char *
photo_store_dir_beside(const char *db_path)
{
	return xasprintf("%s.photos", db_path);
}
