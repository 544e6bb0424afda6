/*
 * coverage — the zones file and the calendar (coverage.h).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage/coverage.h"
#include "geo/geo.h"

static const char *const zone_props[] = { "name_zh", "name_en", "kind" };

struct coverage_zones {
	struct geo_layer *layer;
	struct coverage_zone *zones;
	size_t n;
};

static int
plan_number(const struct geo_layer *l, const char *name, size_t i, const char *key, double lo,
    double hi, bool integer, double *out, char **cause)
{
	if (geo_layer_number(l, i, key, out) != 0 || isnan(*out) || *out < lo || *out > hi ||
	    (integer && *out != floor(*out)))
		return fc_fail(cause, "%s: features[%zu] (%s): property '%s' must be %s from %g to %g",
		    name, i, geo_layer_string(l, i, "name_en"), key, integer ? "a whole number" : "a number",
		    lo, hi);
	return 0;
}

int
coverage_zones_load_buffer(const char *name, const char *data, size_t len,
    struct coverage_zones **out, char **cause)
{
	struct coverage_zones *z;
	struct geo_layer *l;

	*out = NULL;
	if (geo_layer_load_buffer(name, data, len, zone_props, 3, &l, cause) != 0)
		return -1;
	z = xcalloc(1, sizeof *z);
	z->layer = l;
	z->n = geo_layer_count(l);
	z->zones = xcalloc(z->n > 0 ? z->n : 1, sizeof *z->zones);
	for (size_t i = 0; i < z->n; i++) {
		struct coverage_zone *c = &z->zones[i];
		double p, ph, m;

		if (plan_number(l, name, i, "patrols", 0, 1000, true, &p, cause) != 0 ||
		    plan_number(l, name, i, "patrols_holiday", 0, 1000, true, &ph, cause) != 0 ||
		    plan_number(l, name, i, "min_minutes", 0.1, 1440, false, &m, cause) != 0) {
			coverage_zones_free(z);
			return -1;
		}
		c->name_zh = geo_layer_string(l, i, "name_zh");
		c->name_en = geo_layer_string(l, i, "name_en");
		c->kind = geo_layer_string(l, i, "kind");
		c->patrols = (int)p;
		c->patrols_holiday = (int)ph;
		c->min_minutes = m;
		geo_layer_bbox(l, i, c->bbox);
	}
	*out = z;
	return 0;
}

int
coverage_zones_load(const char *path, struct coverage_zones **out, char **cause)
{
	char *data = NULL;
	size_t len;
	int rc;

	*out = NULL;
	if (fc_read_file(path, GEO_MAX_FILE, &data, &len, cause) != 0)
		return -1;
	rc = coverage_zones_load_buffer(path, data, len, out, cause);
	free(data);
	return rc;
}

void
coverage_zones_free(struct coverage_zones *z)
{
	if (z == NULL)
		return;
	geo_layer_free(z->layer);
	free(z->zones);
	free(z);
}

size_t
coverage_zones_count(const struct coverage_zones *z)
{
	return z->n;
}

void
coverage_zone_get(const struct coverage_zones *z, size_t i, struct coverage_zone *out)
{
	*out = z->zones[i];
}

size_t
coverage_zones_at(const struct coverage_zones *z, double lon, double lat, size_t *out, size_t max)
{
	return geo_layer_locate_all(z->layer, lon, lat, out, max);
}

size_t
coverage_zones_at_scan(const struct coverage_zones *z, double lon, double lat, size_t *out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < z->n; i++)
		if (geo_layer_contains(z->layer, i, lon, lat)) {
			if (k < max)
				out[k] = i;
			k++;
		}
	return k;
}

size_t
coverage_zone_ring_count(const struct coverage_zones *z, size_t i)
{
	return geo_layer_ring_count(z->layer, i);
}

void
coverage_zone_ring(const struct coverage_zones *z, size_t i, size_t r, unsigned *poly,
    unsigned *index, const double **lon, const double **lat, size_t *n)
{
	geo_layer_ring(z->layer, i, r, poly, index, lon, lat, n);
}

bool
coverage_zone_contains(const struct coverage_zones *z, size_t i, double lon, double lat)
{
	return geo_layer_contains(z->layer, i, lon, lat);
}

/* ---- The calendar ---- */

struct cal_day {
	char day[FC_DAY_LEN];
	char *label;
};
struct coverage_calendar {
	struct cal_day *days;
	size_t n;
};

/* Days from 1970-01-01 of a valid YYYY-MM-DD (civil calendar, proleptic Gregorian). */
static long
day_number(const char *s)
{
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);

	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static void
day_text(long n, char out[FC_DAY_LEN])
{
	time_t t = (time_t)n * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, FC_DAY_LEN, "%Y-%m-%d", &tm);
}

static int
cal_by_day(const void *a, const void *b)
{
	return strcmp(((const struct cal_day *)a)->day, ((const struct cal_day *)b)->day);
}

static int
cal_date(const char *name, unsigned line, unsigned col, const char *s, size_t len, char **cause)
{
	char d[FC_DAY_LEN];

	if (len != 10) {
		fc_strlcpy(d, s, len + 1 < sizeof d ? len + 1 : sizeof d);
		return fc_fail(cause, "%s:%u:%u: '%.*s' is not a date (YYYY-MM-DD)", name, line, col,
		    (int)(len > 40 ? 40 : len), s);
	}
	memcpy(d, s, 10);
	d[10] = '\0';
	if (!fc_valid_day(d))
		return fc_fail(cause, "%s:%u:%u: '%s' is not a date (YYYY-MM-DD)", name, line, col, d);
	return 0;
}

int
coverage_calendar_load_buffer(const char *name, const char *data, size_t len,
    struct coverage_calendar **out, char **cause)
{
	struct coverage_calendar *c = xcalloc(1, sizeof *c);
	size_t cap = 0;
	unsigned line = 0;
	const char *p = data, *end = data + len;

	*out = NULL;
	if (!fc_utf8_valid(data, len)) {
		fc_fail(cause, "%s: not UTF-8 text", name);
		goto fail;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl != NULL ? nl : end, *q = p;
		const char *from, *to, *label;
		size_t flen, tlen;
		long a, b;

		line++;
		if (line > COVERAGE_MAX_CALENDAR_LINES) {
			fc_fail(cause, "%s: more than %d lines", name, COVERAGE_MAX_CALENDAR_LINES);
			goto fail;
		}
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if (q == e || *q == '#' || *q == '\r') {
			p = nl != NULL ? nl + 1 : end;
			continue;
		}
		from = q;
		while (q < e && *q != ' ' && *q != '\t' && *q != '.' && *q != '\r')
			q++;
		flen = (size_t)(q - from);
		to = from;
		tlen = flen;
		if (cal_date(name, line, (unsigned)(from - p) + 1, from, flen, cause) != 0)
			goto fail;
		if (e - q >= 2 && q[0] == '.' && q[1] == '.') {
			to = q + 2;
			q = to;
			while (q < e && *q != ' ' && *q != '\t' && *q != '\r')
				q++;
			tlen = (size_t)(q - to);
			if (cal_date(name, line, (unsigned)(to - p) + 1, to, tlen, cause) != 0)
				goto fail;
		} else if (q < e && *q == '.') {
			fc_fail(cause, "%s:%u:%u: a range is FROM..TO", name, line, (unsigned)(q - p) + 1);
			goto fail;
		}
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		label = q;
		while (e > label && (e[-1] == '\r' || e[-1] == ' '))
			e--;
		if (e == label) {
			fc_fail(cause, "%s:%u:%u: a day needs its label (春节, National Day, a marathon)", name,
			    line, (unsigned)(label - p) + 1);
			goto fail;
		}
		a = day_number(from);
		b = day_number(to);
		if (b < a || b - a > 366) {
			fc_fail(cause, "%s:%u:%u: the range ends before it starts or spans more than a year",
			    name, line, (unsigned)(to - p) + 1);
			goto fail;
		}
		for (long d = a; d <= b; d++) {
			if (c->n == cap) {
				cap = cap == 0 ? 32 : cap * 2;
				c->days = xreallocarray(c->days, cap, sizeof *c->days);
			}
			day_text(d, c->days[c->n].day);
			c->days[c->n].label = xstrndup(label, (size_t)(e - label));
			c->n++;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (c->n > 0)   /* a calendar of comments only: no array to sort */
		qsort(c->days, c->n, sizeof *c->days, cal_by_day);
	*out = c;
	return 0;
fail:
	coverage_calendar_free(c);
	return -1;
}

int
coverage_calendar_load(const char *path, struct coverage_calendar **out, char **cause)
{
	char *data = NULL;
	size_t len;
	int rc;

	*out = NULL;
	if (fc_read_file(path, 1024 * 1024, &data, &len, cause) != 0)
		return -1;
	rc = coverage_calendar_load_buffer(path, data, len, out, cause);
	free(data);
	return rc;
}

void
coverage_calendar_free(struct coverage_calendar *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->days[i].label);
	free(c->days);
	free(c);
}

const char *
coverage_calendar_label(const struct coverage_calendar *c, const char *day)
{
	struct cal_day key;
	const struct cal_day *hit;

	if (c == NULL || c->n == 0)
		return NULL;
	fc_strlcpy(key.day, day, sizeof key.day);
	hit = bsearch(&key, c->days, c->n, sizeof *c->days, cal_by_day);
	return hit != NULL ? hit->label : NULL;
}
