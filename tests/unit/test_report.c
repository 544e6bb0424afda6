/*
 * Unit tests of report/: real SQLite files and real form files in a
 * temporary directory, loaded through the store and the form engine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forms/forms.h"
#include "report/report.h"
#include "store/store.h"
#include "util/util.h"

#define DAY "2026-11-24"

/*
 * A road checklist in XLSForm-as-CSV: two hazards, each a yes/no question
 * plus NAME_severity relevant when found; a select with minor/moderate/major
 * that is not a severity; a select_multiple; labels in two languages.
 */
static const char road_form[] =
    "survey\n"
    ",type,name,label::English (en),label::中文 (zh),relevant\n"
    ",text,asset_id,Asset,资产,\n"
    ",select_one yn,pothole,Pothole,坑洞,\n"
    ",select_one sev,pothole_severity,Pothole severity,坑洞严重程度,${pothole} = 'yes'\n"
    ",select_one yn,crack,Crack,裂缝,\n"
    ",select_one sev,crack_severity,\"Crack, severity\",裂缝严重程度,${crack} = 'yes'\n"
    ",select_one size,size,Size,尺寸,\n"
    ",select_multiple surf,surface,Surface,路面,\n"
    ",note,n1,A note,注,\n"
    ",text,comment,Comment,备注,\n"
    "choices\n"
    ",list_name,name,label::English (en),label::中文 (zh),\n"
    ",yn,yes,Yes,是,\n"
    ",yn,no,No,否,\n"
    ",sev,minor,Minor,轻微,\n"
    ",sev,moderate,Moderate,中等,\n"
    ",sev,severe,Severe,严重,\n"
    ",size,minor,Minor,小,\n"
    ",size,moderate,Moderate,中,\n"
    ",size,major,Major,大,\n"
    ",surf,asphalt,Asphalt,沥青,\n"
    ",surf,gravel,Gravel,碎石,\n"
    "settings\n"
    ",form_id,version,title,,\n"
    ",road,3,Road,,\n";

struct fixture {
	char dir[64];
	struct store *st;
	struct depot_store *ds;   /* st, borrowed: what report/ reads through */
	struct form_library *lib;
	const struct form *road;
};

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
diag_fail(void *ctx, const char *file, unsigned line, unsigned col, const char *message)
{
	(void)ctx;
	fail_msg("%s:%u:%u: %s", file, line, col, message);
}

static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	char *cause = NULL, *path, *forms;

	strcpy(fx->dir, "/tmp/fieldcheck-report-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	path = xasprintf("%s/test.db", fx->dir);
	assert_int_equal(store_open(path, STORE_READ_WRITE, &fx->st, &cause), 0);
	fx->ds = depot_store_borrow(fx->st);
	free(path);
	forms = xasprintf("%s/forms", fx->dir);
	assert_int_equal(mkdir(forms, 0700), 0);
	path = xasprintf("%s/road.csv", forms);
	write_file(path, road_form);
	free(path);
	fx->lib = form_library_load(forms, diag_fail, NULL);
	assert_non_null(fx->lib);
	fx->road = form_library_find(fx->lib, "road", NULL);
	assert_non_null(fx->road);
	free(forms);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char *cmd;

	depot_store_close(fx->ds);
	store_close(fx->st);
	form_library_free(fx->lib);
	cmd = xasprintf("rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", fx->dir);
	free(cmd);
	free(fx);
	return 0;
}

/* A final road record; position NAN means none. */
static struct store_record *
add_road(struct fixture *fx, const char *inspector, const char *created, double lat, double lon,
    const char *const *answers)
{
	struct store_record *rec = store_record_new();
	char *cause = NULL;

	fc_strlcpy(rec->form_id, "road", sizeof rec->form_id);
	fc_strlcpy(rec->form_version, form_version(fx->road), sizeof rec->form_version);
	fc_strlcpy(rec->form_hash, form_hash(fx->road), sizeof rec->form_hash);
	fc_strlcpy(rec->inspector, inspector, sizeof rec->inspector);
	fc_strlcpy(rec->device, "hh-1", sizeof rec->device);
	/* The local day (UTC+8) of these morning UTC times is their UTC date. */
	fc_strlcpy(rec->day, created, sizeof rec->day);
	fc_strlcpy(rec->created_at, created, sizeof rec->created_at);
	if (isfinite(lat)) {
		rec->pos.source = STORE_POS_GPSD;
		rec->pos.lat = lat;
		rec->pos.lon = lon;
		rec->pos.accuracy_m = 4.5;
	} else
		fc_strlcpy(rec->pos.reason, "indoors, no sky", sizeof rec->pos.reason);
	for (size_t i = 0; answers != NULL && answers[i] != NULL; i += 2)
		store_record_set_answer(rec, answers[i], answers[i + 1]);
	if (store_finalize(fx->st, rec, &cause) != 0)
		fail_msg("finalize: %s", cause);
	return rec;
}

static struct report_day *
load(struct fixture *fx, const char *day)
{
	struct report_query q = { .day = day };
	struct report_day *d = NULL;
	char *cause = NULL;

	if (report_day_load(fx->ds, fx->lib, &q, &d, &cause) != 0)
		fail_msg("load: %s", cause);
	return d;
}

/* Three inspectors; hazards of each severity; a draft and another day that must not show. */
static void
fill_day(struct fixture *fx)
{
	static const char *const a1[] = { "asset_id", "R-1", "pothole", "yes", "pothole_severity",
		"severe", "crack", "yes", "crack_severity", "minor", "size", "major", NULL };
	static const char *const a2[] = { "asset_id", "R-2", "pothole", "no", "crack", "yes",
		"crack_severity", "moderate", "surface", "asphalt gravel", NULL };
	static const char *const a3[] = { "asset_id", "路灯-17", "pothole", "yes",
		"pothole_severity", "severe", "comment", "裂缝很大，需要修理", NULL };
	static const char *const a4[] = { "asset_id", "R-4", "comment",
		"a \"quoted\", comma\nand newline", NULL };
	struct store_record *recs[4], *draft, *other;
	char *cause = NULL;

	recs[0] = add_road(fx, "alice", "2026-11-24T01:00:00.000Z", 31.23, 121.47, a1);
	recs[1] = add_road(fx, "bob", "2026-11-24T02:00:00.000Z", 31.24, 121.48, a2);
	recs[2] = add_road(fx, "chen", "2026-11-24T03:00:00.000Z", 31.25, 121.49, a3);
	recs[3] = add_road(fx, "alice", "2026-11-24T04:00:00.000Z", NAN, NAN, a4);
	for (int i = 0; i < 4; i++)
		store_record_free(recs[i]);
	draft = store_record_new();
	fc_strlcpy(draft->form_id, "road", sizeof draft->form_id);
	fc_strlcpy(draft->form_version, "3", sizeof draft->form_version);
	fc_strlcpy(draft->form_hash, form_hash(fx->road), sizeof draft->form_hash);
	fc_strlcpy(draft->inspector, "alice", sizeof draft->inspector);
	fc_strlcpy(draft->device, "hh-1", sizeof draft->device);
	fc_strlcpy(draft->day, DAY, sizeof draft->day);
	if (store_save_draft(fx->st, draft, &cause) != 0)
		fail_msg("draft: %s", cause);
	store_record_free(draft);
	other = add_road(fx, "alice", "2026-11-23T04:00:00.000Z", 1, 2, a1);
	store_record_free(other);
}

static void
test_severity_model(void **state)
{
	struct fixture *fx = *state;
	const struct form *f = fx->road;

	assert_true(report_is_severity_question(f, (size_t)form_question_index(f, "pothole_severity")));
	assert_true(report_is_severity_question(f, (size_t)form_question_index(f, "crack_severity")));
	/* minor/moderate/major is a size, not a severity. */
	assert_false(report_is_severity_question(f, (size_t)form_question_index(f, "size")));
	assert_false(report_is_severity_question(f, (size_t)form_question_index(f, "pothole")));
}

struct seen {
	char labels[4][64];
	int n;
};

static void
collect(void *ctx, const char *name, const char *label, enum report_severity s)
{
	struct seen *seen = ctx;

	(void)s;
	assert_true(seen->n < 4);
	snprintf(seen->labels[seen->n++], sizeof seen->labels[0], "%s=%s", name, label);
}

static void
test_hazard_labels(void **state)
{
	struct fixture *fx = *state;
	struct store_record *rec = store_record_new();
	struct seen seen = { 0 };
	unsigned counts[REPORT_SEVERITY_COUNT];

	store_record_set_answer(rec, "pothole", "yes");
	store_record_set_answer(rec, "pothole_severity", "severe");
	store_record_set_answer(rec, "crack", "yes");
	store_record_set_answer(rec, "crack_severity", "severe");
	store_record_set_answer(rec, "size", "minor");
	report_count_hazards(fx->road, rec, counts);
	assert_int_equal(counts[REPORT_SEVERE], 2);
	assert_int_equal(counts[REPORT_MINOR], 0);
	report_hazards(fx->road, rec, "zh", collect, &seen);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.labels[0], "pothole=坑洞");
	assert_string_equal(seen.labels[1], "crack=裂缝");
	store_record_free(rec);
}

static void
test_asset_and_answer_text(void **state)
{
	struct fixture *fx = *state;
	struct store_record *rec = store_record_new();
	size_t q = (size_t)form_question_index(fx->road, "surface");
	char *text;

	assert_string_equal(report_asset(fx->road, rec), "");
	store_record_set_answer(rec, "asset_id", "R-9");
	assert_string_equal(report_asset(fx->road, rec), "R-9");
	text = report_answer_text(fx->road, q, "asphalt gravel", "zh");
	assert_string_equal(text, "沥青, 碎石");
	free(text);
	text = report_answer_text(fx->road, q, "asphalt unknown", "en");
	assert_string_equal(text, "Asphalt, unknown");
	free(text);
	store_record_free(rec);
}

static void
test_day_counts(void **state)
{
	struct fixture *fx = *state;
	struct report_day *day;
	struct report_count *groups, total;
	size_t n;

	fill_day(fx);
	day = load(fx, DAY);
	assert_int_equal(report_day_count(day), 4);   /* no draft, no other day */
	report_day_summary(day, NULL, REPORT_BY_INSPECTOR, &groups, &n, &total);
	assert_int_equal(n, 3);
	assert_string_equal(groups[0].key, "alice");
	assert_int_equal(groups[0].records, 2);
	assert_int_equal(groups[0].hazards[REPORT_SEVERE], 1);
	assert_int_equal(groups[0].hazards[REPORT_MINOR], 1);
	assert_string_equal(groups[2].key, "chen");
	assert_int_equal(total.hazards[REPORT_SEVERE], 2);
	assert_int_equal(total.hazards[REPORT_MODERATE], 1);
	assert_int_equal(total.severe_open, 2);
	assert_int_equal(total.decisions[STORE_UNREVIEWED], 4);
	free(groups);
	report_day_summary(day, NULL, REPORT_BY_FORM, &groups, &n, NULL);
	assert_int_equal(n, 1);
	assert_string_equal(groups[0].key, "road");
	assert_int_equal(groups[0].records, 4);
	free(groups);
	report_day_free(day);
}

static void
test_decisions_close_severe(void **state)
{
	struct fixture *fx = *state;
	struct report_day *day;
	struct report_count *groups, total;
	struct report_match m = REPORT_MATCH_ALL;
	const char *uuid;
	char *cause = NULL;
	size_t n;

	fill_day(fx);
	day = load(fx, DAY);
	uuid = report_day_row(day, 0)->rec->uuid;   /* alice's severe pothole */
	assert_int_equal(store_review_add_many(fx->st, &uuid, 1, STORE_APPROVED, "fixed", "sup",
	    &cause), 0);
	assert_int_equal(report_day_refresh_reviews(day, fx->ds, &cause), 0);
	assert_int_equal(report_day_row(day, 0)->review.decision, STORE_APPROVED);
	report_day_summary(day, NULL, REPORT_BY_INSPECTOR, &groups, &n, &total);
	assert_int_equal(total.severe_open, 1);
	assert_int_equal(total.decisions[STORE_APPROVED], 1);
	free(groups);
	m.decision = STORE_APPROVED;
	report_day_summary(day, &m, REPORT_BY_INSPECTOR, &groups, &n, &total);
	assert_int_equal(n, 1);
	assert_int_equal(total.records, 1);
	free(groups);
	report_day_free(day);
}

static void
test_sort_and_filter(void **state)
{
	struct fixture *fx = *state;
	struct report_day *day;
	struct report_match m = REPORT_MATCH_ALL;
	size_t hits = 0;

	fill_day(fx);
	day = load(fx, DAY);
	report_day_sort(day, REPORT_SORT_SEVERITY);
	assert_int_equal(report_day_row(day, 0)->hazards[REPORT_SEVERE], 1);
	assert_string_equal(report_day_row(day, 0)->rec->inspector, "alice");  /* earlier of two */
	assert_string_equal(report_day_row(day, 1)->rec->inspector, "chen");
	assert_string_equal(report_day_row(day, 2)->rec->inspector, "bob");    /* moderate */
	report_day_sort(day, REPORT_SORT_TIME);
	assert_string_equal(report_day_row(day, 3)->asset, "R-4");
	m.search = "修理";
	for (size_t i = 0; i < report_day_count(day); i++)
		hits += report_row_matches(report_day_row(day, i), &m);
	assert_int_equal(hits, 1);
	m = REPORT_MATCH_ALL;
	m.min_severity = REPORT_MODERATE;
	hits = 0;
	for (size_t i = 0; i < report_day_count(day); i++)
		hits += report_row_matches(report_day_row(day, i), &m);
	assert_int_equal(hits, 3);
	m = REPORT_MATCH_ALL;
	m.inspector = "alice";
	m.search = "r-4";
	hits = 0;
	for (size_t i = 0; i < report_day_count(day); i++)
		hits += report_row_matches(report_day_row(day, i), &m);
	assert_int_equal(hits, 1);
	report_day_free(day);
}

/* Splits one RFC 4180 record at p; returns the fields (caller frees), advances p. */
static char **
csv_record(const char **p, size_t *n)
{
	char **fields = NULL;
	size_t count = 0;
	const char *s = *p;

	for (;;) {
		char *buf = xmalloc(strlen(s) + 1);
		size_t len = 0;

		if (*s == '"') {
			s++;
			for (;;) {
				assert_true(*s != '\0');
				if (*s == '"' && s[1] == '"') {
					buf[len++] = '"';
					s += 2;
				} else if (*s == '"') {
					s++;
					break;
				} else
					buf[len++] = *s++;
			}
		} else
			while (*s != ',' && *s != '\r' && *s != '\0') {
				assert_true(*s != '\n' && *s != '"');
				buf[len++] = *s++;
			}
		buf[len] = '\0';
		fields = xreallocarray(fields, count + 1, sizeof *fields);
		fields[count++] = buf;
		if (*s == ',') {
			s++;
			continue;
		}
		assert_true(s[0] == '\r' && s[1] == '\n');
		s += 2;
		break;
	}
	*p = s;
	*n = count;
	return fields;
}

static void
free_fields(char **f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i]);
	free(f);
}

static long
column(char **header, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(header[i], name) == 0)
			return (long)i;
	fail_msg("no column %s", name);
	return -1;
}

static char *
export_day(struct report_day *day, bool csv, size_t *skipped)
{
	char *buf = NULL, *cause = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);
	const char **cols = NULL;
	size_t ncols = 0;
	struct export_sink *sink;

	assert_non_null(out);
	if (csv) {
		report_day_columns(day, &cols, &ncols);
		sink = export_csv_new(out, cols, ncols);
	} else
		sink = export_geojson_new(out);
	if (report_day_emit(day, sink, &cause) != 0)
		fail_msg("emit: %s", cause);
	if (skipped != NULL)
		*skipped = sink->skipped;
	sink->free(sink);
	free(cols);
	assert_int_equal(fclose(out), 0);
	return buf;
}

static void
test_csv_export(void **state)
{
	struct fixture *fx = *state;
	struct report_day *day;
	char *csv, **header, **row;
	const char *p;
	size_t nh, nr;

	fill_day(fx);
	day = load(fx, DAY);
	csv = export_day(day, true, NULL);
	p = csv;
	header = csv_record(&p, &nh);
	assert_string_equal(header[0], "id");
	/* Every answerable question, notes left out. */
	column(header, nh, "pothole_severity");
	column(header, nh, "surface");
	for (size_t i = 0; i < nh; i++)
		assert_string_not_equal(header[i], "n1");
	for (int r = 0; r < 4; r++) {
		row = csv_record(&p, &nr);
		assert_int_equal(nr, nh);
		if (r == 1)
			assert_string_equal(row[column(header, nh, "surface")], "asphalt gravel");
		if (r == 2) {
			assert_string_equal(row[column(header, nh, "asset")], "路灯-17");
			assert_string_equal(row[column(header, nh, "comment")], "裂缝很大，需要修理");
			assert_string_equal(row[column(header, nh, "hazards_severe")], "1");
		}
		if (r == 3) {
			assert_string_equal(row[column(header, nh, "comment")],
			    "a \"quoted\", comma\nand newline");
			assert_string_equal(row[column(header, nh, "lat")], "");
			assert_string_equal(row[column(header, nh, "position_source")], "none");
			assert_string_equal(row[column(header, nh, "position_reason")], "indoors, no sky");
			assert_string_equal(row[column(header, nh, "review_state")], "unreviewed");
		}
		free_fields(row, nr);
	}
	assert_string_equal(p, "");
	free_fields(header, nh);
	free(csv);
	report_day_free(day);
}

static void
test_geojson_export(void **state)
{
	struct fixture *fx = *state;
	struct report_day *day;
	json_error_t err;
	json_t *doc, *features, *f0;
	size_t skipped;
	char *text;

	fill_day(fx);
	day = load(fx, DAY);
	text = export_day(day, false, &skipped);
	doc = json_loads(text, 0, &err);
	if (doc == NULL)
		fail_msg("GeoJSON does not parse: %s at %d:%d", err.text, err.line, err.column);
	assert_string_equal(json_string_value(json_object_get(doc, "type")), "FeatureCollection");
	features = json_object_get(doc, "features");
	assert_int_equal(json_array_size(features), 3);
	assert_int_equal(skipped, 1);
	f0 = json_array_get(features, 0);
	/* [lon, lat] */
	assert_true(fabs(json_real_value(json_array_get(json_object_get(json_object_get(f0,
	    "geometry"), "coordinates"), 0)) - 121.47) < 1e-9);
	assert_true(fabs(json_real_value(json_array_get(json_object_get(json_object_get(f0,
	    "geometry"), "coordinates"), 1)) - 31.23) < 1e-9);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(
	    json_array_get(features, 2), "properties"), "answers"), "comment")), "裂缝很大，需要修理");
	json_decref(doc);
	{
		/* Streaming straight from the store writes the very same document. */
		struct report_query q = { .day = DAY };
		char *streamed = NULL, *cause = NULL;
		size_t size = 0;
		FILE *out = open_memstream(&streamed, &size);
		struct export_sink *sink = export_geojson_new(out);

		if (report_stream(fx->ds, fx->lib, &q, sink, &cause) != 0)
			fail_msg("stream: %s", cause);
		assert_int_equal(sink->skipped, 1);
		sink->free(sink);
		fclose(out);
		assert_string_equal(streamed, text);
		free(streamed);
	}
	free(text);
	report_day_free(day);
}

/* Any answer text becomes a valid JSON string: escapes, controls, and bad UTF-8 replaced. */
static void
test_geojson_strings(void **state)
{
	struct store_record *rec = store_record_new();
	struct report_row row = { .rec = rec, .asset = "" };
	char *text = NULL, *cause = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	struct export_sink *sink = export_geojson_new(out);
	json_error_t err;
	json_t *doc, *answers;

	(void)state;
	rec->pos.source = STORE_POS_GPSD;
	rec->pos.lat = 31.23;
	rec->pos.lon = 121.47;
	row.review.decision = STORE_UNREVIEWED;
	store_record_set_answer(rec, "mixed", "a\xff中\x01\"\\\n\xe4\xb8 end\xf0\x9f\x9a\xa7");
	assert_int_equal(sink->item(sink, &row, &cause), 0);
	assert_int_equal(sink->finish(sink, &cause), 0);
	sink->free(sink);
	assert_int_equal(fclose(out), 0);
	doc = json_loads(text, 0, &err);
	if (doc == NULL)
		fail_msg("GeoJSON does not parse: %s at %d:%d", err.text, err.line, err.column);
	answers = json_object_get(json_object_get(json_array_get(json_object_get(doc, "features"), 0),
	    "properties"), "answers");
	assert_string_equal(json_string_value(json_object_get(answers, "mixed")),
	    "a\uFFFD中\x01\"\\\n\uFFFD\uFFFD end\U0001F6A7");
	json_decref(doc);
	free(text);
	store_record_free(rec);
}

static void
test_empty_day(void **state)
{
	struct fixture *fx = *state;
	struct report_day *day = load(fx, "2020-01-01");
	char *text, *report = NULL, *cause = NULL;
	size_t size = 0, skipped;
	FILE *out;

	assert_int_equal(report_day_count(day), 0);
	text = export_day(day, true, NULL);
	assert_true(strncmp(text, "id,form_id,", 11) == 0);
	assert_non_null(strstr(text, "\r\n"));
	assert_string_equal(strstr(text, "\r\n"), "\r\n");   /* the header only */
	free(text);
	text = export_day(day, false, &skipped);
	assert_non_null(strstr(text, "\"features\":["));
	json_t *doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_array_size(json_object_get(doc, "features")), 0);
	json_decref(doc);
	free(text);
	out = open_memstream(&report, &size);
	assert_int_equal(report_write_text(day, NULL, out, &cause), 0);
	fclose(out);
	assert_non_null(strstr(report, "Records: 0"));
	free(report);
	report_day_free(day);
}

static void
test_text_report(void **state)
{
	struct fixture *fx = *state;
	struct report_day *day;
	char *report = NULL, *cause = NULL;
	size_t size = 0;
	FILE *out;

	fill_day(fx);
	day = load(fx, DAY);
	out = open_memstream(&report, &size);
	assert_int_equal(report_write_text(day, "en", out, &cause), 0);
	fclose(out);
	assert_non_null(strstr(report, "Records: 4"));
	assert_non_null(strstr(report, "路灯-17: Pothole"));
	assert_non_null(strstr(report, "R-1: Pothole"));
	assert_null(strstr(report, "Crack"));   /* the crack was minor */
	assert_non_null(strstr(report, "Records without a position: 1"));
	free(report);
	report_day_free(day);
}

static void
test_revision_chain(void **state)
{
	struct fixture *fx = *state;
	static const char *const a[] = { "asset_id", "R-7", NULL };
	struct store_record *first, *second, **chain;
	struct report_day *day;
	char *cause = NULL;
	size_t n;

	first = add_road(fx, "alice", "2026-11-24T05:00:00.000Z", 1, 1, a);
	second = store_record_new();
	fc_strlcpy(second->form_id, "road", sizeof second->form_id);
	fc_strlcpy(second->form_version, "3", sizeof second->form_version);
	fc_strlcpy(second->form_hash, form_hash(fx->road), sizeof second->form_hash);
	fc_strlcpy(second->inspector, "alice", sizeof second->inspector);
	fc_strlcpy(second->device, "hh-1", sizeof second->device);
	fc_strlcpy(second->day, DAY, sizeof second->day);
	fc_strlcpy(second->replaces, first->uuid, sizeof second->replaces);
	assert_int_equal(store_finalize(fx->st, second, &cause), 0);
	assert_int_equal(report_revision_chain(fx->ds, second->uuid, &chain, &n, &cause), 0);
	assert_int_equal(n, 2);
	assert_string_equal(chain[1]->uuid, first->uuid);
	report_chain_free(chain, n);
	day = load(fx, DAY);
	assert_true(report_day_find(day, first->uuid)->replaced);
	assert_false(report_day_find(day, second->uuid)->replaced);
	report_day_free(day);
	store_record_free(first);
	store_record_free(second);
}

/* A form with 60 questions: 60 question columns, in form order. */
static void
test_sixty_questions(void **state)
{
	struct fixture *fx = *state;
	char *path = xasprintf("%s/forms/wide.csv", fx->dir), *cause = NULL, *csv, **header;
	char *text = xstrdup("survey\n,type,name,label\n");
	struct form_library *lib;
	const struct form *wide;
	struct store_record *rec = store_record_new();
	struct report_query q = { .day = DAY, .form_id = "wide" };
	struct report_day *day;
	const char *p;
	size_t nh;

	for (int i = 1; i <= 60; i++) {
		char *more = xasprintf("%s,text,q%02d,\"Question %d, \"\"quoted\"\"\nsecond line\"\n", text,
		    i, i);
		free(text);
		text = more;
	}
	char *more = xasprintf("%ssettings\n,form_id,version\n,wide,1\n", text);
	free(text);
	write_file(path, more);
	free(more);
	*strrchr(path, '/') = '\0';
	lib = form_library_load(path, diag_fail, NULL);
	assert_non_null(lib);
	wide = form_library_find(lib, "wide", NULL);
	assert_non_null(wide);
	assert_string_equal(form_question_label(wide, 0, NULL),
	    "Question 1, \"quoted\"\nsecond line");
	fc_strlcpy(rec->form_id, "wide", sizeof rec->form_id);
	fc_strlcpy(rec->form_version, "1", sizeof rec->form_version);
	fc_strlcpy(rec->form_hash, form_hash(wide), sizeof rec->form_hash);
	fc_strlcpy(rec->inspector, "alice", sizeof rec->inspector);
	fc_strlcpy(rec->device, "hh-1", sizeof rec->device);
	fc_strlcpy(rec->day, DAY, sizeof rec->day);
	store_record_set_answer(rec, "q60", "last, \"one\"");
	assert_int_equal(store_finalize(fx->st, rec, &cause), 0);
	assert_int_equal(report_day_load(fx->ds, lib, &q, &day, &cause), 0);
	csv = export_day(day, true, NULL);
	p = csv;
	header = csv_record(&p, &nh);
	assert_int_equal(nh, 25 + 60);   /* 25 metadata columns, cases and photos included */
	assert_string_equal(header[25], "q01");
	assert_string_equal(header[nh - 1], "q60");
	{
		size_t nr;
		char **row = csv_record(&p, &nr);
		assert_int_equal(nr, nh);
		assert_string_equal(row[nh - 1], "last, \"one\"");
		free_fields(row, nr);
	}
	free_fields(header, nh);
	free(csv);
	report_day_free(day);
	form_library_free(lib);
	store_record_free(rec);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_severity_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hazard_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_asset_and_answer_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_day_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decisions_close_severe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_and_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_geojson_export, setup, teardown),
		cmocka_unit_test(test_geojson_strings),
		cmocka_unit_test_setup_teardown(test_empty_day, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revision_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sixty_questions, setup, teardown),
	};

	setenv("TZ", "Asia/Shanghai", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
