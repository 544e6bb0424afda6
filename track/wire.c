/*
 * track — the wire form of a day's track (track.h): delta-encoded integer
 * columns in one JSON line.  The decoder takes untrusted input (a bundle
 * from a device): every member is checked and bounded.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "track/track.h"

static void
put_name(struct fc_buf *b, const char *key, const char *s)
{
	json_t *j = json_string(s);
	char *txt = json_dumps(j, JSON_ENCODE_ANY);

	fc_buf_append(b, ",\"", 2);
	fc_buf_append(b, key, strlen(key));
	fc_buf_append(b, "\":", 2);
	fc_buf_append(b, txt, strlen(txt));
	free(txt);
	json_decref(j);
}

static void
put_num(struct fc_buf *b, bool first, int64_t v)
{
	char num[32];
	int k = snprintf(num, sizeof num, first ? "%" PRId64 : ",%" PRId64, v);

	fc_buf_append(b, num, (size_t)k);
}

char *
track_wire_encode(const char *device, const char *inspector, const char *day,
    const struct store_track_point *pts, size_t n, size_t *len)
{
	struct fc_buf b = { 0 };
	static const char *const cols[] = { "t", "lat", "lon", "acc" };
	bool any_gap = false;

	fc_buf_append(&b, "{\"track\":1", 10);
	put_name(&b, "device", device);
	put_name(&b, "inspector", inspector);
	put_name(&b, "day", day);
	for (size_t c = 0; c < 4; c++) {
		fc_buf_append(&b, ",\"", 2);
		fc_buf_append(&b, cols[c], strlen(cols[c]));
		fc_buf_append(&b, "\":[", 3);
		for (size_t i = 0; i < n; i++) {
			int64_t v = c == 0 ? pts[i].t : c == 1 ? pts[i].lat : c == 2 ? pts[i].lon : pts[i].acc;
			int64_t was = i == 0 || c == 3 ? 0 :
			    c == 0 ? pts[i - 1].t : c == 1 ? pts[i - 1].lat : pts[i - 1].lon;

			put_num(&b, i == 0, v - was);
		}
		fc_buf_append(&b, "]", 1);
	}
	fc_buf_append(&b, ",\"gaps\":[", 9);
	for (size_t i = 0; i < n; i++) {
		char g[64];
		int k;

		if (pts[i].gap == STORE_GAP_NONE)
			continue;
		k = snprintf(g, sizeof g, "%s[%zu,\"%s\"]", any_gap ? "," : "", i,
		    store_track_gap_name(pts[i].gap));
		fc_buf_append(&b, g, (size_t)k);
		any_gap = true;
	}
	fc_buf_append(&b, "]}", 2);
	*len = b.len;
	return b.data;
}

bool
track_wire_is_track(const char *line, size_t len)
{
	return len > 10 && memcmp(line, "{\"track\":", 9) == 0;
}

void
track_wire_free(struct track_wire *w)
{
	free(w->pts);
	w->pts = NULL;
	w->n = 0;
}

static int
get_id(json_t *o, const char *key, char *dst, size_t size, char **cause)
{
	json_t *v = json_object_get(o, key);
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;

	if (s == NULL || s[0] == '\0' || strlen(s) >= size)
		return fc_fail(cause, "track: \"%s\" must be a non-empty string under %zu bytes", key, size);
	fc_strlcpy(dst, s, size);
	return 0;
}

/* The column key: n integers, each (after summing deltas) within lo..hi. */
static int
get_column(json_t *o, const char *key, size_t n, bool delta, int64_t lo, int64_t hi,
    int64_t *out, char **cause)
{
	json_t *a = json_object_get(o, key);
	int64_t acc = 0;

	if (!json_is_array(a) || json_array_size(a) != n)
		return fc_fail(cause, "track: \"%s\" must be an array of %zu integers", key, n);
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(a, i);
		json_int_t x;

		if (!json_is_integer(v))
			return fc_fail(cause, "track: %s[%zu] is not an integer", key, i);
		x = json_integer_value(v);
		if (x < -((int64_t)1 << 40) || x > (int64_t)1 << 40)
			return fc_fail(cause, "track: %s[%zu] is out of range", key, i);
		acc = delta && i > 0 ? acc + x : x;
		if (acc < lo || acc > hi)
			return fc_fail(cause, "track: %s[%zu] gives %" PRId64 ", outside %" PRId64 "..%" PRId64,
			    key, i, acc, lo, hi);
		out[i] = acc;
	}
	return 0;
}

int
track_wire_decode(const char *line, size_t len, struct track_wire *out, char **cause)
{
	json_error_t err;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err), *a, *gaps;
	int64_t *col = NULL;
	size_t n;

	memset(out, 0, sizeof *out);
	if (o == NULL)
		return fc_fail(cause, "track: not JSON (column %d): %s", err.column, err.text);
	if (!json_is_object(o) || !json_is_integer(json_object_get(o, "track")) ||
	    json_integer_value(json_object_get(o, "track")) != TRACK_WIRE_FORMAT) {
		fc_fail(cause, "track: \"track\" must be %d", TRACK_WIRE_FORMAT);
		goto fail;
	}
	if (get_id(o, "device", out->device, sizeof out->device, cause) != 0 ||
	    get_id(o, "inspector", out->inspector, sizeof out->inspector, cause) != 0 ||
	    get_id(o, "day", out->day, sizeof out->day, cause) != 0)
		goto fail;
	if (!fc_valid_day(out->day)) {
		fc_fail(cause, "track: day \"%s\" is not YYYY-MM-DD", out->day);
		goto fail;
	}
	a = json_object_get(o, "t");
	if (!json_is_array(a) || json_array_size(a) > TRACK_WIRE_MAX_POINTS) {
		fc_fail(cause, "track: \"t\" must be an array of at most %u points", TRACK_WIRE_MAX_POINTS);
		goto fail;
	}
	n = json_array_size(a);
	out->pts = xcalloc(n > 0 ? n : 1, sizeof *out->pts);
	col = xcalloc(n > 0 ? n : 1, sizeof *col);
	out->n = n;
	/* 1970 .. 2200: a time the day's local calendar can name. */
	if (get_column(o, "t", n, true, 0, 7258118400, col, cause) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		out->pts[i].t = col[i];
	if (get_column(o, "lat", n, true, -90000000, 90000000, col, cause) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		out->pts[i].lat = (int32_t)col[i];
	if (get_column(o, "lon", n, true, -180000000, 180000000, col, cause) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		out->pts[i].lon = (int32_t)col[i];
	if (get_column(o, "acc", n, false, -1, 100000, col, cause) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		out->pts[i].acc = (int32_t)col[i];
	gaps = json_object_get(o, "gaps");
	if (!json_is_array(gaps) || json_array_size(gaps) > n) {
		fc_fail(cause, "track: \"gaps\" must be an array of at most %zu [index, why] pairs", n);
		goto fail;
	}
	for (size_t i = 0; i < json_array_size(gaps); i++) {
		json_t *g = json_array_get(gaps, i);
		json_t *idx = json_array_get(g, 0), *why = json_array_get(g, 1);
		int kind = -1;

		if (json_is_string(why))
			for (int k = 1; k < STORE_GAP_COUNT; k++)
				if (strcmp(json_string_value(why), store_track_gap_name(k)) == 0)
					kind = k;
		if (!json_is_array(g) || json_array_size(g) != 2 || !json_is_integer(idx) ||
		    json_integer_value(idx) < 0 || (size_t)json_integer_value(idx) >= n || kind < 0) {
			fc_fail(cause, "track: gaps[%zu] must be [index of a point, \"duty\"|\"closed\"|\"no-fix\"]",
			    i);
			goto fail;
		}
		out->pts[json_integer_value(idx)].gap = (enum store_track_gap)kind;
	}
	free(col);
	json_decref(o);
	return 0;
fail:
	free(col);
	json_decref(o);
	track_wire_free(out);
	return -1;
}
