/*
 * The exports: the day's rows written through a sink (report.h states the
 * contract).  CSV follows RFC 4180 and GeoJSON RFC 7946; both are written
 * by hand rather than through a JSON or CSV library because each row is
 * written once, in order, and the writers must keep up with tens of
 * thousands of records a second.
 *
 * Stored text is never trusted to be valid UTF-8: an invalid byte becomes
 * U+FFFD in both formats, so a GIS tool never meets a broken document.
 */
#include "report/report.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/forms.h"
#include "util/util.h"

static const char replacement[] = "\xEF\xBF\xBD";

/* ---- CSV ---- */

/* The metadata columns, before the questions; docs/review.md describes each. */
static const char *const csv_meta[] = {
	"id", "form_id", "form_version", "inspector", "device", "created_at", "finalized_at",
	"day", "asset", "lat", "lon", "accuracy_m", "position_source", "position_reason",
	"replaces", "hazards_minor", "hazards_moderate", "hazards_severe", "review_state",
	"review_comment", "reviewer", "case_state", "report_to_close_h", "photos", "photos_sha256",
};
#define CSV_META_COUNT (sizeof csv_meta / sizeof csv_meta[0])

struct csv_sink {
	struct export_sink base;
	FILE *out;
	const char *const *questions;
	size_t n;
	bool header_done;
};

/* Writes one field, quoted when RFC 4180 asks for it. */
static void
csv_field(FILE *out, const char *s, bool first)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!first)
		putc(',', out);
	if (s == NULL || s[0] == '\0')
		return;
	if (strpbrk(s, ",\"\r\n") == NULL && fc_utf8_valid(s, strlen(s))) {
		fputs(s, out);
		return;
	}
	putc('"', out);
	for (const unsigned char *end = p + strlen(s); *p != '\0';) {
		size_t len = fc_utf8_len((const char *)p, (size_t)(end - p));

		if (len == 0) {
			fputs(replacement, out);
			p++;
			continue;
		}
		if (*p == '"')
			putc('"', out);
		fwrite(p, 1, len, out);
		p += len;
	}
	putc('"', out);
}

static void
csv_number(FILE *out, double v, const char *fmt)
{
	putc(',', out);
	if (isfinite(v))
		fprintf(out, fmt, v);
}

static void
csv_header(struct csv_sink *cs)
{
	for (size_t i = 0; i < CSV_META_COUNT; i++)
		csv_field(cs->out, csv_meta[i], i == 0);
	for (size_t i = 0; i < cs->n; i++) {
		bool clash = false;

		for (size_t m = 0; m < CSV_META_COUNT && !clash; m++)
			clash = strcmp(cs->questions[i], csv_meta[m]) == 0;
		if (clash) {
			char *name = xasprintf("answer.%s", cs->questions[i]);
			csv_field(cs->out, name, false);
			free(name);
		} else
			csv_field(cs->out, cs->questions[i], false);
	}
	fputs("\r\n", cs->out);
	cs->header_done = true;
}

/* The record's photos' export names, and their hashes in the same order, space-separated. */
struct photo_lists {
	struct fc_buf names, hashes;
};

static void
photo_list_add(void *ctx, const char *question, const char *name, const char *sha256)
{
	struct photo_lists *l = ctx;

	(void)question;
	if (l->names.len > 0) {
		fc_buf_append(&l->names, " ", 1);
		fc_buf_append(&l->hashes, " ", 1);
	}
	fc_buf_append(&l->names, name, strlen(name));
	fc_buf_append(&l->hashes, sha256, strlen(sha256));
}

static int
csv_item(struct export_sink *sink, const struct report_row *row, char **cause)
{
	struct csv_sink *cs = (struct csv_sink *)sink;
	const struct store_record *rec = row->rec;
	FILE *out = cs->out;
	bool has_pos = rec->pos.source != STORE_POS_NONE;

	if (!cs->header_done)
		csv_header(cs);
	csv_field(out, rec->uuid, true);
	csv_field(out, rec->form_id, false);
	csv_field(out, rec->form_version, false);
	csv_field(out, rec->inspector, false);
	csv_field(out, rec->device, false);
	csv_field(out, rec->created_at, false);
	csv_field(out, rec->finalized_at, false);
	csv_field(out, rec->day, false);
	csv_field(out, row->asset, false);
	csv_number(out, has_pos ? rec->pos.lat : NAN, "%.7f");
	csv_number(out, has_pos ? rec->pos.lon : NAN, "%.7f");
	csv_number(out, has_pos ? rec->pos.accuracy_m : NAN, "%.1f");
	csv_field(out, store_pos_source_name(rec->pos.source), false);
	csv_field(out, rec->pos.reason, false);
	csv_field(out, rec->replaces, false);
	fprintf(out, ",%u,%u,%u", row->hazards[REPORT_MINOR], row->hazards[REPORT_MODERATE],
	    row->hazards[REPORT_SEVERE]);
	csv_field(out, store_decision_name(row->review.decision), false);
	csv_field(out, row->review.comment, false);
	csv_field(out, row->review.reviewer, false);
	csv_field(out, row->has_case ? store_task_state_name(row->case_state) : "", false);
	csv_number(out, report_case_hours(row) >= 0 ? report_case_hours(row) : NAN, "%.2f");
	{
		struct photo_lists l = { 0 };

		report_record_photos(rec, photo_list_add, &l);
		fc_buf_append(&l.names, "", 1);
		fc_buf_append(&l.hashes, "", 1);
		csv_field(out, l.names.data, false);
		csv_field(out, l.hashes.data, false);
		free(l.names.data);
		free(l.hashes.data);
	}
	for (size_t i = 0; i < cs->n; i++)
		csv_field(out, store_record_answer(rec, cs->questions[i]), false);
	if (fputs("\r\n", out) == EOF || ferror(out))
		return fc_fail(cause, "cannot write the CSV: output error");
	sink->written++;
	return 0;
}

static int
csv_finish(struct export_sink *sink, char **cause)
{
	struct csv_sink *cs = (struct csv_sink *)sink;

	if (!cs->header_done)
		csv_header(cs);
	if (fflush(cs->out) != 0 || ferror(cs->out))
		return fc_fail(cause, "cannot write the CSV: output error");
	return 0;
}

static void
sink_free(struct export_sink *sink)
{
	free(sink);
}

void
export_csv_field(FILE *out, const char *s, bool first)
{
	csv_field(out, s, first);
}

struct export_sink *
export_csv_new(FILE *out, const char *const *questions, size_t n)
{
	struct csv_sink *cs = xcalloc(1, sizeof *cs);

	cs->base.item = csv_item;
	cs->base.finish = csv_finish;
	cs->base.free = sink_free;
	cs->out = out;
	cs->questions = questions;
	cs->n = n;
	return &cs->base;
}

/* ---- One repeat's CSV table ---- */

struct csv_repeat_sink {
	struct export_sink base;
	FILE *out;
	const char *repeat;
	const char *const *columns;
	size_t n;
	bool header_done;
};

/* The number of entries of repeat in rec: the highest N of its keys. */
static size_t
entry_count(const struct store_record *rec, const char *repeat)
{
	size_t len = strlen(repeat), n = 0;

	for (size_t a = 0; a < rec->answer_count; a++) {
		size_t rl, e;
		const char *rest;

		if (form_key_split(rec->answers[a].name, &rl, &e, &rest) && rl == len &&
		    memcmp(rec->answers[a].name, repeat, len) == 0 && e + 1 > n)
			n = e + 1;
	}
	return n;
}

static void
csv_repeat_header(struct csv_repeat_sink *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		csv_field(cs->out, cs->columns[i], i == 0);
	csv_field(cs->out, "PARENT_KEY", cs->n == 0);
	csv_field(cs->out, "KEY", false);
	fputs("\r\n", cs->out);
	cs->header_done = true;
}

static int
csv_repeat_item(struct export_sink *sink, const struct report_row *row, char **cause)
{
	struct csv_repeat_sink *cs = (struct csv_repeat_sink *)sink;
	const struct store_record *rec = row->rec;
	size_t entries = entry_count(rec, cs->repeat);

	if (!cs->header_done)
		csv_repeat_header(cs);
	for (size_t e = 0; e < entries; e++) {
		char *key;

		for (size_t i = 0; i < cs->n; i++) {
			key = xasprintf("%s[%zu]/%s", cs->repeat, e + 1, cs->columns[i]);
			csv_field(cs->out, store_record_answer(rec, key), i == 0);
			free(key);
		}
		csv_field(cs->out, rec->uuid, cs->n == 0);
		key = xasprintf("%s/%s[%zu]", rec->uuid, cs->repeat, e + 1);
		csv_field(cs->out, key, false);
		free(key);
		if (fputs("\r\n", cs->out) == EOF || ferror(cs->out))
			return fc_fail(cause, "cannot write the CSV: output error");
	}
	sink->written++;
	return 0;
}

static int
csv_repeat_finish(struct export_sink *sink, char **cause)
{
	struct csv_repeat_sink *cs = (struct csv_repeat_sink *)sink;

	if (!cs->header_done)
		csv_repeat_header(cs);
	if (fflush(cs->out) != 0 || ferror(cs->out))
		return fc_fail(cause, "cannot write the CSV: output error");
	return 0;
}

struct export_sink *
export_csv_repeat_new(FILE *out, const char *repeat, const char *const *columns, size_t n)
{
	struct csv_repeat_sink *cs = xcalloc(1, sizeof *cs);

	cs->base.item = csv_repeat_item;
	cs->base.finish = csv_repeat_finish;
	cs->base.free = sink_free;
	cs->out = out;
	cs->repeat = repeat;
	cs->columns = columns;
	cs->n = n;
	return &cs->base;
}

/* ---- GeoJSON ---- */

/*
 * A feature is assembled in memory and written with one fwrite: a few
 * hundred small stdio calls per feature (each taking the stream's lock)
 * cost more than rendering the feature itself.
 */
struct geojson_sink {
	struct export_sink base;
	FILE *out;
	bool started;
	struct fc_buf feature;      /* the feature being rendered */
	size_t photos;              /* in the feature's "photos" so far */
};

static void
put_bytes(struct geojson_sink *gs, const void *bytes, size_t n)
{
	fc_buf_append(&gs->feature, bytes, n);
}

static void
put_str(struct geojson_sink *gs, const char *s)
{
	put_bytes(gs, s, strlen(s));
}

/* Only numbers go through here; 160 bytes hold any of them. */
void
export_buf_printf(struct fc_buf *b, const char *fmt, ...)
{
	char text[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (n > 0)
		fc_buf_append(b, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

#define put_fmt(gs, ...) export_buf_printf(&(gs)->feature, __VA_ARGS__)

/* A JSON string (RFC 8259): quotes, backslash and controls escaped, bad UTF-8 replaced. */
void
export_json_string(struct fc_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	const unsigned char *end = p + strlen((const char *)p);

	fc_buf_append(b, "\"", 1);
	while (*p != '\0') {
		const unsigned char *run = p;
		size_t len;

		/* Copy the longest run that needs no escape at once, valid
		 * UTF-8 included: answers are mostly CJK text. */
		for (;;) {
			if (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
				p++;
			else if (*p >= 0x80 &&
			    (len = fc_utf8_len((const char *)p, (size_t)(end - p))) > 0)
				p += len;
			else
				break;
		}
		if (p > run)
			fc_buf_append(b, run, (size_t)(p - run));
		if (*p == '\0')
			break;
		if (*p == '"' || *p == '\\') {
			char escaped[2] = { '\\', (char)*p };
			fc_buf_append(b, escaped, 2);
		} else if (*p < 0x20) {
			switch (*p) {
			case '\n': fc_buf_append(b, "\\n", 2); break;
			case '\r': fc_buf_append(b, "\\r", 2); break;
			case '\t': fc_buf_append(b, "\\t", 2); break;
			default: {
				char u[8];

				snprintf(u, sizeof u, "\\u%04x", *p);
				fc_buf_append(b, u, 6);
				break;
			}
			}
		} else
			fc_buf_append(b, replacement, strlen(replacement));
		p++;
	}
	fc_buf_append(b, "\"", 1);
}

static void
json_string(struct geojson_sink *gs, const char *s)
{
	export_json_string(&gs->feature, s);
}

static void
json_key_string(struct geojson_sink *gs, const char *key, const char *value)
{
	put_bytes(gs, ",", 1);
	json_string(gs, key);
	put_bytes(gs, ":", 1);
	if (value == NULL || value[0] == '\0')
		put_str(gs, "null");
	else
		json_string(gs, value);
}

/* Does answer a open a repeat's answers ("cracks[..." met for the first time)? */
static bool
first_of_repeat(const struct store_record *rec, size_t a, size_t rl)
{
	for (size_t b = 0; b < a; b++) {
		size_t bl, e;
		const char *rest;

		if (form_key_split(rec->answers[b].name, &bl, &e, &rest) && bl == rl &&
		    memcmp(rec->answers[b].name, rec->answers[a].name, rl) == 0)
			return false;
	}
	return true;
}

/* The answers object's members: plain answers, and each repeat as an array of entries. */
static void
geojson_answers(struct geojson_sink *gs, const struct store_record *rec)
{
	bool first = true;

	for (size_t a = 0; a < rec->answer_count; a++) {
		const char *name = rec->answers[a].name, *rest;
		size_t rl, e, n;
		char *repeat;

		if (!first)
			put_bytes(gs, ",", 1);
		first = false;
		if (!form_key_split(name, &rl, &e, &rest)) {
			json_string(gs, name);
			put_bytes(gs, ":", 1);
			json_string(gs, rec->answers[a].value);
			continue;
		}
		if (!first_of_repeat(rec, a, rl)) {
			gs->feature.len--;  /* the comma just written */
			continue;
		}
		repeat = xstrndup(name, rl);
		json_string(gs, repeat);
		put_bytes(gs, ":[", 2);
		n = entry_count(rec, repeat);
		for (size_t k = 0; k < n; k++) {
			bool first_member = true;

			put_str(gs, k > 0 ? ",{" : "{");
			for (size_t b = a; b < rec->answer_count; b++) {
				size_t bl, be;
				const char *brest;

				if (!form_key_split(rec->answers[b].name, &bl, &be, &brest) ||
				    bl != rl || be != k || memcmp(rec->answers[b].name, name, rl) != 0)
					continue;
				if (!first_member)
					put_bytes(gs, ",", 1);
				first_member = false;
				json_string(gs, brest);
				put_bytes(gs, ":", 1);
				json_string(gs, rec->answers[b].value);
			}
			put_bytes(gs, "}", 1);
		}
		put_bytes(gs, "]", 1);
		free(repeat);
	}
}

static int
geojson_begin(struct geojson_sink *gs)
{
	gs->started = true;
	return fputs("{\"type\":\"FeatureCollection\",\"features\":[", gs->out) == EOF ? -1 : 0;
}

static bool
has_position(const struct store_record *rec)
{
	return rec->pos.source != STORE_POS_NONE && isfinite(rec->pos.lat) &&
	    isfinite(rec->pos.lon) && fabs(rec->pos.lat) <= 90 && fabs(rec->pos.lon) <= 180;
}

/* One element of a feature's "photos": its export name, hash and question. */
static void
geojson_photo(void *ctx, const char *question, const char *name, const char *sha256)
{
	struct geojson_sink *gs = ctx;

	put_str(gs, gs->photos++ > 0 ? ",{\"file\":" : "{\"file\":");
	json_string(gs, name);
	json_key_string(gs, "sha256", sha256);
	json_key_string(gs, "question", question);
	put_str(gs, "}");
}

static int
geojson_item(struct export_sink *sink, const struct report_row *row, char **cause)
{
	struct geojson_sink *gs = (struct geojson_sink *)sink;
	const struct store_record *rec = row->rec;

	if (!gs->started && geojson_begin(gs) != 0)
		return fc_fail(cause, "cannot write the GeoJSON: output error");
	if (!has_position(rec)) {
		sink->skipped++;
		return 0;
	}
	gs->feature.len = 0;
	if (sink->written > 0)
		put_bytes(gs, ",", 1);
	/* RFC 7946 3.1.1: longitude first; 7 decimals is about a centimetre. */
	put_fmt(gs, "\n{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.7f,%.7f]},",
	    rec->pos.lon, rec->pos.lat);
	put_str(gs, "\"properties\":{\"id\":");
	json_string(gs, rec->uuid);
	json_key_string(gs, "form_id", rec->form_id);
	json_key_string(gs, "form_version", rec->form_version);
	json_key_string(gs, "inspector", rec->inspector);
	json_key_string(gs, "device", rec->device);
	json_key_string(gs, "created_at", rec->created_at);
	json_key_string(gs, "finalized_at", rec->finalized_at);
	json_key_string(gs, "day", rec->day);
	json_key_string(gs, "asset", row->asset);
	if (isfinite(rec->pos.accuracy_m))
		put_fmt(gs, ",\"accuracy_m\":%.1f", rec->pos.accuracy_m);
	else
		put_str(gs, ",\"accuracy_m\":null");
	json_key_string(gs, "position_source", store_pos_source_name(rec->pos.source));
	json_key_string(gs, "position_reason", rec->pos.reason);
	json_key_string(gs, "replaces", rec->replaces);
	put_fmt(gs, ",\"hazards_minor\":%u,\"hazards_moderate\":%u,\"hazards_severe\":%u",
	    row->hazards[REPORT_MINOR], row->hazards[REPORT_MODERATE], row->hazards[REPORT_SEVERE]);
	json_key_string(gs, "review_state", store_decision_name(row->review.decision));
	json_key_string(gs, "review_comment", row->review.comment);
	put_str(gs, ",\"photos\":[");
	report_record_photos(rec, geojson_photo, gs);
	put_str(gs, "]");
	gs->photos = 0;
	put_str(gs, ",\"answers\":{");
	geojson_answers(gs, rec);
	put_str(gs, "}}}");
	if (fwrite(gs->feature.data, 1, gs->feature.len, gs->out) != gs->feature.len || ferror(gs->out))
		return fc_fail(cause, "cannot write the GeoJSON: output error");
	sink->written++;
	return 0;
}

int
export_geojson_feature(struct export_sink *sink, const char *json, size_t len, char **cause)
{
	struct geojson_sink *gs = (struct geojson_sink *)sink;

	if (!gs->started && geojson_begin(gs) != 0)
		return fc_fail(cause, "cannot write the GeoJSON: output error");
	if ((sink->written > 0 && fputc(',', gs->out) == EOF) || fputc('\n', gs->out) == EOF ||
	    fwrite(json, 1, len, gs->out) != len || ferror(gs->out))
		return fc_fail(cause, "cannot write the GeoJSON: output error");
	sink->written++;
	return 0;
}

static int
geojson_finish(struct export_sink *sink, char **cause)
{
	struct geojson_sink *gs = (struct geojson_sink *)sink;

	if (!gs->started && geojson_begin(gs) != 0)
		return fc_fail(cause, "cannot write the GeoJSON: output error");
	if (fputs("\n]}\n", gs->out) == EOF || fflush(gs->out) != 0 || ferror(gs->out))
		return fc_fail(cause, "cannot write the GeoJSON: output error");
	return 0;
}

static void
geojson_free(struct export_sink *sink)
{
	struct geojson_sink *gs = (struct geojson_sink *)sink;

	free(gs->feature.data);
	free(gs);
}

struct export_sink *
export_geojson_new(FILE *out)
{
	struct geojson_sink *gs = xcalloc(1, sizeof *gs);

	gs->base.item = geojson_item;
	gs->base.finish = geojson_finish;
	gs->base.free = geojson_free;
	gs->out = out;
	return &gs->base;
}

int
report_day_emit(const struct report_day *day, struct export_sink *sink, char **cause)
{
	for (size_t i = 0; i < report_day_count(day); i++)
		if (sink->item(sink, report_day_row_const(day, i), cause) != 0)
			return -1;
	return sink->finish(sink, cause);
}
