/*
 * Cases for the platform: one per hazard the record model finds in a
 * record, with the hazard's class from the code table, the cell from the
 * grid, and eGova-style field names (docs/platform.md lists them and what
 * each holds).  The case id is derived, never drawn: the same record
 * exports the same case ids every time, so a platform that receives a case
 * twice knows it.
 */
#include "platform/platform.h"

#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "meaning/meaning.h"
#include "photo/photo.h"
#include "report/report.h"
#include "util/util.h"

/* ---- GCJ-02 ---- */

/*
 * The published WGS-84 to GCJ-02 transform (the Krasovsky ellipsoid and
 * the polynomial offsets every open implementation uses), applied inside
 * China's rough bounding box only.
 */
static const double krasovsky_a = 6378245.0, krasovsky_ee = 0.00669342162296594323;

static double
offset_lat(double x, double y)
{
	double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(fabs(x));

	r += (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
	r += (20.0 * sin(y * M_PI) + 40.0 * sin(y / 3.0 * M_PI)) * 2.0 / 3.0;
	r += (160.0 * sin(y / 12.0 * M_PI) + 320.0 * sin(y * M_PI / 30.0)) * 2.0 / 3.0;
	return r;
}

static double
offset_lon(double x, double y)
{
	double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x));

	r += (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
	r += (20.0 * sin(x * M_PI) + 40.0 * sin(x / 3.0 * M_PI)) * 2.0 / 3.0;
	r += (150.0 * sin(x / 12.0 * M_PI) + 300.0 * sin(x / 30.0 * M_PI)) * 2.0 / 3.0;
	return r;
}

void
platform_gcj02(double lon, double lat, double *glon, double *glat)
{
	double dlat, dlon, rad, magic, root;

	if (lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271) {
		*glon = lon;
		*glat = lat;
		return;
	}
	dlat = offset_lat(lon - 105.0, lat - 35.0);
	dlon = offset_lon(lon - 105.0, lat - 35.0);
	rad = lat / 180.0 * M_PI;
	magic = 1 - krasovsky_ee * sin(rad) * sin(rad);
	root = sqrt(magic);
	dlat = (dlat * 180.0) / ((krasovsky_a * (1 - krasovsky_ee)) / (magic * root) * M_PI);
	dlon = (dlon * 180.0) / (krasovsky_a / root * cos(rad) * M_PI);
	*glat = lat + dlat;
	*glon = lon + dlon;
}

/* ---- Case ids ---- */

/* fieldcheck's namespace for case ids; never change it, or every case id changes. */
static const unsigned char case_namespace[16] = {
	0xbd, 0xa4, 0x3e, 0x17, 0x2d, 0x37, 0x4b, 0xc3,
	0x9b, 0x0b, 0x86, 0x29, 0xab, 0xd0, 0x03, 0xad,
};

void
platform_case_uuid(const char *record_uuid, const char *hazard, char out[37])
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	static const unsigned char sep = 0;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, case_namespace, sizeof case_namespace);
	crypto_hash_sha256_update(&st, (const unsigned char *)record_uuid, strlen(record_uuid));
	crypto_hash_sha256_update(&st, &sep, 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)hazard, strlen(hazard));
	crypto_hash_sha256_final(&st, h);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x80);   /* version 8: name-based, SHA-256 */
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);   /* the RFC 9562 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12],
	    h[13], h[14], h[15]);
}

/* ---- The sink ---- */

/* The fields of a case, in the order both formats write them (docs/platform.md). */
#define CASE_FIELDS(X) \
	X(caseId) X(recordId) X(eventTypeId) X(eventTypeName) X(mainTypeId) X(mainTypeName) \
	X(subTypeId) X(subTypeName) X(cellId) X(districtName) X(streetName) X(communityName) \
	X(coordinateX) X(coordinateY) X(coordinateSystem) X(gcj02X) X(gcj02Y) X(address) \
	X(eventDesc) X(hazard) X(severity) X(severityName) X(discoverTime) X(reportPatrolId) \
	X(deviceId) X(photos) X(caseState) X(formId)

enum case_field {
#define AS_ENUM(name) F_##name,
	CASE_FIELDS(AS_ENUM)
#undef AS_ENUM
	F_COUNT
};
static const char *const field_names[F_COUNT] = {
#define AS_NAME(name) #name,
	CASE_FIELDS(AS_NAME)
#undef AS_NAME
};

struct cases_sink {
	struct export_sink base;
	FILE *out;
	struct platform_case_options opt;
	bool header_done;
	size_t uncoded;
	/* the record being written */
	const struct report_row *row;
	char *text[F_COUNT];        /* owned; NULL: the field is absent (JSON null, CSV empty) */
	struct fc_buf line;         /* the JSON line being rendered */
	size_t queued;              /* cases new or changed in the push queue */
	size_t outside;             /* placed records outside every cell of the grid */
	char *queue_error;
	int error;
};

static void
set(struct cases_sink *cs, enum case_field f, char *owned)
{
	free(cs->text[f]);
	cs->text[f] = owned;
}

/* The severity question of the hazard named name, or SIZE_MAX. */
static size_t
severity_question(const struct form *f, const char *name)
{
	for (size_t q = 0; q < form_question_count(f); q++)
		if (meaning_is_severity(f, q) && strcmp(meaning_hazard_name(f, q), name) == 0)
			return q;
	return SIZE_MAX;
}

/*
 * The description, in Chinese: the hazard, its severity, and the answers
 * of the hazard's own questions (NAME_…, as the built-in checklists name
 * them: its numbers and its note), each as "label：answer".
 */
static char *
describe(const struct form *f, const struct store_record *rec, const char *name,
    const char *label, const char *severity_text, size_t sq)
{
	struct fc_buf b = { 0 };
	size_t nlen = strlen(name);

	fc_buf_append(&b, label, strlen(label));
	fc_buf_append(&b, "（", strlen("（"));
	fc_buf_append(&b, severity_text, strlen(severity_text));
	fc_buf_append(&b, "）", strlen("）"));
	for (size_t q = 0; q < form_question_count(f); q++) {
		const char *qn = form_question_name(f, q), *v;
		char *text;

		if (q == sq || strncmp(qn, name, nlen) != 0 || qn[nlen] != '_' ||
		    (v = store_record_answer(rec, qn)) == NULL || v[0] == '\0')
			continue;
		text = meaning_answer_text(f, q, v, "zh");
		fc_buf_append(&b, "；", strlen("；"));
		fc_buf_append(&b, form_question_label(f, q, "zh"), strlen(form_question_label(f, q,
		    "zh")));
		fc_buf_append(&b, "：", strlen("："));
		fc_buf_append(&b, text, strlen(text));
		free(text);
	}
	return b.data;
}

static void
add_photo_name(struct fc_buf *b, const char *name)
{
	if (b->len > 0)
		fc_buf_append(b, ";", 1);
	fc_buf_append(b, name, strlen(name));
}

static void
add_media_name(void *ctx, const char *question, const char *name, const char *sha256)
{
	(void)question;
	(void)sha256;
	add_photo_name(ctx, name);
}

/*
 * The case's photo file names: a photo answer's photos as `export --media`
 * names them (report/media.c), an older record's path by its base name.
 */
static char *
photos_of(const struct form *f, const struct store_record *rec)
{
	struct fc_buf b = { 0 };

	report_record_photos(rec, add_media_name, &b);
	for (size_t q = 0; f != NULL && q < form_question_count(f); q++) {
		const char *v, *base;

		if (form_question_type(f, q) != FORM_PHOTO ||
		    (v = store_record_answer(rec, form_question_name(f, q))) == NULL || v[0] == '\0' ||
		    photo_answer_is(v))
			continue;
		base = strrchr(v, '/') != NULL ? strrchr(v, '/') + 1 : v;
		add_photo_name(&b, base);
	}
	return b.data;
}

/*
 * One case as one JSON line, rendered into a buffer kept from case to case
 * and written with one fwrite.  Coordinates and the type id are numbers
 * (already printed as such), photos an array, an absent field null.
 */
static void
write_json(struct cases_sink *cs)
{
	struct fc_buf *b = &cs->line;

	b->len = 0;
	fc_buf_append(b, "{", 1);
	for (int f = 0; f < F_COUNT; f++) {
		const char *v = cs->text[f];

		if ((f == F_gcj02X || f == F_gcj02Y) && !cs->opt.gcj02)
			continue;
		if (f > 0)
			fc_buf_append(b, ",", 1);
		export_json_string(b, field_names[f]);
		fc_buf_append(b, ":", 1);
		if (v == NULL)
			fc_buf_append(b, "null", 4);
		else if (f == F_coordinateX || f == F_coordinateY || f == F_gcj02X ||
		    f == F_gcj02Y || f == F_eventTypeId)
			fc_buf_append(b, v, strlen(v));
		else if (f == F_photos) {
			fc_buf_append(b, "[", 1);
			for (const char *p = v; *p != '\0';) {
				size_t n = strcspn(p, ";");
				char *one = xstrndup(p, n);

				if (p > v)
					fc_buf_append(b, ",", 1);
				export_json_string(b, one);
				free(one);
				p += n + (p[n] == ';');
			}
			fc_buf_append(b, "]", 1);
		} else
			export_json_string(b, v);
	}
	fc_buf_append(b, "}\n", 2);
	if (cs->opt.queue != NULL) {
		char *cause = NULL;
		int rc = platform_queue_put(cs->opt.queue, cs->text[F_caseId], b->data, b->len - 1,
		    &cause);

		if (rc < 0) {
			free(cs->queue_error);
			cs->queue_error = cause;
			cs->error = 1;
		}
		cs->queued += rc > 0;
	} else if (fwrite(b->data, 1, b->len, cs->out) != b->len)
		cs->error = 1;
}

static void
write_csv_header(struct cases_sink *cs)
{
	for (int f = 0; f < F_COUNT; f++)
		if (cs->opt.gcj02 || (f != F_gcj02X && f != F_gcj02Y))
			export_csv_field(cs->out, field_names[f], f == 0);
	fputs("\r\n", cs->out);
	cs->header_done = true;
}

static void
write_csv(struct cases_sink *cs)
{
	if (!cs->header_done)
		write_csv_header(cs);
	for (int f = 0; f < F_COUNT; f++)
		if (cs->opt.gcj02 || (f != F_gcj02X && f != F_gcj02Y))
			export_csv_field(cs->out, cs->text[f], f == 0);
	fputs("\r\n", cs->out);
}

/* One hazard of the current record: fill the hazard's fields and write the case. */
static void
one_case(void *ctx, const char *name, const char *label, enum meaning_severity severity)
{
	struct cases_sink *cs = ctx;
	const struct report_row *row = cs->row;
	const struct form *f = row->form;
	const struct platform_code *pc = NULL;
	enum form_code_kind kind;
	char code[5], id[37];
	size_t sq = severity_question(f, name);
	char *sev_text = sq != SIZE_MAX ? meaning_answer_text(f, sq, store_record_answer(row->rec,
	    form_question_name(f, sq)), "zh") : xstrdup(meaning_severity_name(severity));

	platform_case_uuid(row->rec->uuid, name, id);
	set(cs, F_caseId, xstrdup(id));
	if (meaning_hazard_code(f, row->rec, name, &kind, code) == 0)
		pc = platform_codes_find(cs->opt.codes, kind, code);
	if (pc == NULL)
		cs->uncoded++;
	set(cs, F_eventTypeId, pc ? xasprintf("%d", pc->kind == FORM_CODE_COMPONENT ? 1 : 2) : NULL);
	set(cs, F_eventTypeName, pc ? xstrdup(form_code_kind_word(pc->kind)) : NULL);
	set(cs, F_mainTypeId, pc ? xstrdup(pc->major) : NULL);
	set(cs, F_mainTypeName, pc ? xstrdup(pc->major_name) : NULL);
	set(cs, F_subTypeId, pc ? xasprintf("%s%s", pc->major, pc->minor) : NULL);
	set(cs, F_subTypeName, pc ? xstrdup(pc->minor_name) : NULL);
	set(cs, F_eventDesc, describe(f, row->rec, name, label, sev_text, sq));
	set(cs, F_hazard, xstrdup(name));
	set(cs, F_severity, xstrdup(meaning_severity_name(severity)));
	set(cs, F_severityName, sev_text);
	if (cs->opt.format == PLATFORM_CASES_JSON || cs->opt.queue != NULL)
		write_json(cs);
	else
		write_csv(cs);
	cs->base.written++;
}

static int
cases_item(struct export_sink *sink, const struct report_row *row, char **cause)
{
	struct cases_sink *cs = (struct cases_sink *)sink;
	const struct store_record *rec = row->rec;
	bool placed = rec->pos.source != STORE_POS_NONE && isfinite(rec->pos.lat) &&
	    isfinite(rec->pos.lon);
	const char *cell = placed && cs->opt.grid != NULL ?
	    platform_grid_cell(cs->opt.grid, rec->pos.lon, rec->pos.lat) : NULL;
	size_t before = sink->written;

	cs->row = row;
	cs->outside += placed && cs->opt.grid != NULL && cell == NULL;
	set(cs, F_recordId, xstrdup(rec->uuid));
	set(cs, F_cellId, cell != NULL ? xstrdup(cell) : NULL);
	set(cs, F_districtName, NULL);
	set(cs, F_streetName, NULL);
	set(cs, F_communityName, NULL);
	if (cell != NULL) {
		const char *d, *s, *c;

		platform_grid_names(cs->opt.grid, cell, &d, &s, &c);
		set(cs, F_districtName, d[0] ? xstrdup(d) : NULL);
		set(cs, F_streetName, s[0] ? xstrdup(s) : NULL);
		set(cs, F_communityName, c[0] ? xstrdup(c) : NULL);
	}
	set(cs, F_coordinateX, placed ? xasprintf("%.8f", rec->pos.lon) : NULL);
	set(cs, F_coordinateY, placed ? xasprintf("%.8f", rec->pos.lat) : NULL);
	set(cs, F_coordinateSystem, placed ? xstrdup("WGS84") : NULL);
	set(cs, F_gcj02X, NULL);
	set(cs, F_gcj02Y, NULL);
	if (placed && cs->opt.gcj02) {
		double glon, glat;

		platform_gcj02(rec->pos.lon, rec->pos.lat, &glon, &glat);
		set(cs, F_gcj02X, xasprintf("%.8f", glon));
		set(cs, F_gcj02Y, xasprintf("%.8f", glat));
	}
	set(cs, F_address, xstrdup(row->asset));
	set(cs, F_discoverTime, xstrdup(rec->created_at));
	set(cs, F_reportPatrolId, xstrdup(rec->inspector));
	set(cs, F_deviceId, xstrdup(rec->device));
	set(cs, F_photos, photos_of(row->form, rec));
	/* Once a verification task follows the record, the case is where that task is. */
	set(cs, F_caseState, xstrdup(row->has_case ? store_task_state_name(row->case_state) :
	    store_decision_name(row->review.decision)));
	set(cs, F_formId, xstrdup(rec->form_id));
	meaning_hazards(row->form, rec, "zh", one_case, cs);
	if (sink->written == before)
		sink->skipped++;
	if (cs->queue_error != NULL)
		return fc_fail(cause, "%s", cs->queue_error);
	if (cs->error || (cs->out != NULL && ferror(cs->out)))
		return fc_fail(cause, "cannot write the cases: %s", strerror(errno));
	return 0;
}

static int
cases_finish(struct export_sink *sink, char **cause)
{
	struct cases_sink *cs = (struct cases_sink *)sink;

	if (cs->opt.format == PLATFORM_CASES_CSV && !cs->header_done)
		write_csv_header(cs);
	if (cs->out != NULL && (fflush(cs->out) != 0 || ferror(cs->out)))
		return fc_fail(cause, "cannot write the cases: %s", strerror(errno));
	return 0;
}

static void
cases_free(struct export_sink *sink)
{
	struct cases_sink *cs = (struct cases_sink *)sink;

	for (int f = 0; f < F_COUNT; f++)
		free(cs->text[f]);
	free(cs->line.data);
	free(cs->queue_error);
	free(cs);
}

struct export_sink *
platform_cases_new(FILE *out, const struct platform_case_options *opt)
{
	struct cases_sink *cs = xcalloc(1, sizeof *cs);

	cs->base.item = cases_item;
	cs->base.finish = cases_finish;
	cs->base.free = cases_free;
	cs->out = out;
	cs->opt = *opt;
	return &cs->base;
}

size_t
platform_cases_outside(const struct export_sink *sink)
{
	return ((const struct cases_sink *)sink)->outside;
}

size_t
platform_cases_queued(const struct export_sink *sink)
{
	return ((const struct cases_sink *)sink)->queued;
}

size_t
platform_cases_uncoded(const struct export_sink *sink)
{
	return ((const struct cases_sink *)sink)->uncoded;
}
