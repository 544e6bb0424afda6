/*
 * Unit tests of meaning/: the record model against a third-party checklist
 * (tests/data/thirdparty/street_audit.csv) whose asset and hazard questions
 * are named unlike ours, against the built-in checklists, and against forms
 * that declare nothing, so that the fallbacks are exercised too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "forms/forms.h"
#include "meaning/meaning.h"
#include "store/store.h"
#include "util/util.h"

#define THIRDPARTY TOP_DIR "/tests/data/thirdparty"
#define CHECKLISTS TOP_DIR "/forms/checklists"

struct diags {
	char text[2048];
	unsigned count;
};

static void
collect_diag(void *ctx, const char *file, unsigned line, unsigned col, const char *message)
{
	struct diags *d = ctx;
	size_t len = strlen(d->text);

	(void)file;
	d->count++;
	snprintf(d->text + len, sizeof d->text - len, "%u:%u: %s\n", line, col, message);
}

static struct form_library *
street_library(void)
{
	struct diags d = { "", 0 };
	struct form_library *lib = form_library_load(THIRDPARTY, collect_diag, &d);

	if (d.count != 0)
		fail_msg("%s", d.text);
	assert_non_null(lib);
	return lib;
}

static size_t
qi(const struct form *f, const char *name)
{
	long q = form_question_index(f, name);

	assert_true(q >= 0);
	return (size_t)q;
}

static struct store_record *
street_record(const struct form *f)
{
	struct store_record *rec = store_record_new();

	fc_strlcpy(rec->form_id, form_id(f), sizeof rec->form_id);
	fc_strlcpy(rec->form_version, form_version(f), sizeof rec->form_version);
	fc_strlcpy(rec->form_hash, form_hash(f), sizeof rec->form_hash);
	store_record_set_answer(rec, "surveyor", "Ann");
	store_record_set_answer(rec, "assets_nearby", "lamp post");
	store_record_set_answer(rec, "segment_ref", "S-17");
	store_record_set_answer(rec, "weather", "severe_storm");
	store_record_set_answer(rec, "defect_type", "pothole");
	store_record_set_answer(rec, "defect_level", "high");
	store_record_set_answer(rec, "trip_rating", "r1");
	store_record_set_answer(rec, "size", "minor");
	return rec;
}

static void
test_thirdparty_severity(void **state)
{
	struct form_library *lib = street_library();
	const struct form *f = form_library_find(lib, "street_audit", NULL);
	size_t *qs, n;

	(void)state;
	assert_non_null(f);
	/* A graded choice list makes a severity without a role; a role makes one too. */
	assert_true(meaning_is_severity(f, qi(f, "defect_level")));
	assert_true(meaning_is_severity(f, qi(f, "trip_rating")));
	/* "severe_storm" is weather, and minor/moderate/major a size. */
	assert_false(meaning_is_severity(f, qi(f, "weather")));
	assert_false(meaning_is_severity(f, qi(f, "size")));
	assert_false(meaning_is_severity(f, qi(f, "segment_ref")));
	n = meaning_severity_questions(f, &qs);
	assert_int_equal(n, 2);
	assert_int_equal(qs[0], qi(f, "defect_level"));
	assert_int_equal(qs[1], qi(f, "trip_rating"));
	free(qs);

	assert_int_equal(meaning_choice_severity(f, qi(f, "defect_level"), 0), MEANING_NO_HAZARD);
	assert_int_equal(meaning_choice_severity(f, qi(f, "defect_level"), 1), MEANING_MINOR);
	assert_int_equal(meaning_choice_severity(f, qi(f, "defect_level"), 3), MEANING_SEVERE);
	assert_int_equal(meaning_choice_severity(f, qi(f, "weather"), 1), MEANING_NO_HAZARD);
	assert_int_equal(meaning_answer_severity(f, qi(f, "trip_rating"), "r2"), MEANING_MODERATE);
	assert_int_equal(meaning_answer_severity(f, qi(f, "defect_level"), "none"), MEANING_NO_HAZARD);
	assert_int_equal(meaning_answer_severity(f, qi(f, "weather"), "severe_storm"),
	    MEANING_NO_HAZARD);
	assert_int_equal(meaning_answer_severity(f, qi(f, "size"), "minor"), MEANING_NO_HAZARD);
	form_library_free(lib);
}

struct seen {
	char text[4][96];
	int n;
};

static void
collect_hazard(void *ctx, const char *name, const char *label, enum meaning_severity s)
{
	struct seen *seen = ctx;

	assert_true(seen->n < 4);
	snprintf(seen->text[seen->n++], sizeof seen->text[0], "%s=%s=%s", name, label,
	    meaning_severity_name(s));
}

static void
test_thirdparty_hazards_and_asset(void **state)
{
	struct form_library *lib = street_library();
	const struct form *f = form_library_find(lib, "street_audit", NULL);
	struct store_record *rec = street_record(f);
	unsigned counts[MEANING_SEVERITY_COUNT];
	struct seen seen = { .n = 0 };

	(void)state;
	meaning_count_hazards(f, rec, counts);
	assert_int_equal(counts[MEANING_MINOR], 1);
	assert_int_equal(counts[MEANING_MODERATE], 0);
	assert_int_equal(counts[MEANING_SEVERE], 1);
	meaning_hazards(f, rec, "zh", collect_hazard, &seen);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.text[0], "defect_level=缺陷程度=severe");
	assert_string_equal(seen.text[1], "trip_rating=绊倒风险等级=minor");

	/* The declared asset, not the first text question nor a name starting "asset". */
	assert_string_equal(meaning_asset(f, rec), "S-17");
	store_record_set_answer(rec, "segment_ref", "");
	assert_string_equal(meaning_asset(f, rec), "");
	/* Without the form only the conventional name is known. */
	assert_string_equal(meaning_asset(NULL, rec), "");
	store_record_free(rec);
	form_library_free(lib);
}

static void
test_answer_text(void **state)
{
	struct form_library *lib = street_library();
	const struct form *f = form_library_find(lib, "street_audit", NULL);
	char *t;

	(void)state;
	t = meaning_answer_text(f, qi(f, "trip_rating"), "r3", "zh");
	assert_string_equal(t, "3（危险）");
	free(t);
	t = meaning_answer_text(f, qi(f, "trip_rating"), "r3", "en");
	assert_string_equal(t, "3 (dangerous)");
	free(t);
	/* A name the form does not know shows as itself. */
	t = meaning_answer_text(f, qi(f, "weather"), "hail", "en");
	assert_string_equal(t, "hail");
	free(t);
	t = meaning_answer_text(f, qi(f, "notes"), "as typed", "zh");
	assert_string_equal(t, "as typed");
	free(t);
	t = meaning_answer_text(NULL, 0, "r3", "zh");
	assert_string_equal(t, "r3");
	free(t);
	form_library_free(lib);
}

/* A record of lib's form id (newest version unless version) with answers name=value... */
static struct store_record *
builtin_record(const struct form *f, ...)
{
	struct store_record *rec = store_record_new();
	const char *name;
	va_list ap;

	fc_strlcpy(rec->form_id, form_id(f), sizeof rec->form_id);
	fc_strlcpy(rec->form_version, form_version(f), sizeof rec->form_version);
	fc_strlcpy(rec->form_hash, form_hash(f), sizeof rec->form_hash);
	va_start(ap, f);
	while ((name = va_arg(ap, const char *)) != NULL)
		store_record_set_answer(rec, name, va_arg(ap, const char *));
	va_end(ap);
	return rec;
}

/*
 * The built-in checklists since version 2: one none/minor/moderate/severe
 * question per hazard.  Version 1 (a yes/no question, then NAME_severity)
 * stays beside it, so that records saved against it read as they did.
 */
static void
test_builtin_checklists(void **state)
{
	struct form_library *lib = form_library_load(CHECKLISTS, NULL, NULL);
	const struct form *f = form_library_find(lib, "road", NULL);
	const struct form *v1 = form_library_find(lib, "road", "1");
	struct store_record *rec, *old;
	unsigned counts[MEANING_SEVERITY_COUNT];
	struct seen h = { .n = 0 };

	(void)state;
	assert_non_null(f);
	assert_non_null(v1);
	assert_string_equal(form_version(f), "2");
	assert_int_equal(form_question_role(f, qi(f, "asset_id")), FORM_ROLE_ASSET);
	assert_int_equal(form_question_role(f, qi(f, "pothole")), FORM_ROLE_SEVERITY);
	assert_false(meaning_is_severity(f, qi(f, "condition")));
	assert_int_equal(meaning_answer_severity(f, qi(f, "pothole"), "none"), MEANING_NO_HAZARD);
	assert_string_equal(meaning_none_found(f, qi(f, "pothole")), "none");
	assert_null(meaning_none_found(f, qi(f, "condition")));
	assert_null(meaning_none_found(f, qi(f, "manhole_cover_owner")));
	rec = builtin_record(f, "asset_id", "解放路-120", "condition", "critical", "pothole", "moderate",
	    "subsidence", "none", (char *)NULL);
	assert_ptr_equal(meaning_record_form(lib, rec), f);
	meaning_count_hazards(f, rec, counts);
	assert_int_equal(counts[MEANING_MODERATE], 1);
	assert_int_equal(counts[MEANING_SEVERE] + counts[MEANING_MINOR], 0);
	assert_string_equal(meaning_asset(f, rec), "解放路-120");
	meaning_hazards(f, rec, "English (en)", collect_hazard, &h);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.text[0], "pothole=Potholes=moderate");

	/* Version 1's record: found by its hash, its hazard named after the yes/no question. */
	assert_false(meaning_is_severity(v1, qi(v1, "pothole")));
	assert_string_equal(meaning_none_found(v1, qi(v1, "pothole")), "no");
	assert_null(meaning_none_found(v1, qi(v1, "pothole_severity")));
	old = builtin_record(v1, "asset_id", "R-1", "pothole", "yes", "pothole_severity", "severe",
	    "subsidence", "no", (char *)NULL);
	assert_ptr_equal(meaning_record_form(lib, old), v1);
	h.n = 0;
	meaning_hazards(meaning_record_form(lib, old), old, "English (en)", collect_hazard, &h);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.text[0], "pothole=Potholes=severe");
	store_record_free(old);
	store_record_free(rec);
	form_library_free(lib);
}

/* A plain form, no fieldcheck columns at all: the fallbacks decide. */
static const char plain_form[] =
    "survey\n"
    ",type,name,label\n"
    ",select_one sev,how_bad,How bad\n"
    ",select_one yn,ok,OK?\n"
    ",text,street,Street\n"
    ",text,asset_id,Asset\n"
    "choices\n"
    ",list_name,name,label\n"
    ",sev,severe,Severe\n"
    ",sev,minor,Minor\n"
    ",sev,moderate,Moderate\n"
    ",yn,yes,Yes\n"
    ",yn,no,No\n"
    "settings\n"
    ",form_id\n"
    ",plain\n";

/* The same with role none on both: nothing is a severity; the asset falls back past street. */
static const char opted_out_form[] =
    "survey\n"
    ",type,name,label,fieldcheck::role\n"
    ",select_one sev,how_bad,How bad,none\n"
    ",text,street,Street,none\n"
    ",text,remarks,Remarks,\n"
    "choices\n"
    ",list_name,name,label\n"
    ",sev,minor,Minor\n"
    ",sev,moderate,Moderate\n"
    ",sev,severe,Severe\n"
    "settings\n"
    ",form_id\n"
    ",opted\n";

static void
test_fallbacks(void **state)
{
	struct form *f = form_load_buffer("plain.csv", plain_form, sizeof plain_form - 1, NULL, NULL);
	struct form *g = form_load_buffer("opted.csv", opted_out_form, sizeof opted_out_form - 1,
	    NULL, NULL);
	struct store_record *rec = store_record_new();

	(void)state;
	assert_non_null(f);
	assert_non_null(g);
	assert_true(meaning_is_severity(f, qi(f, "how_bad")));   /* choices in any order */
	assert_false(meaning_is_severity(f, qi(f, "ok")));
	assert_false(meaning_is_severity(g, qi(g, "how_bad")));
	store_record_set_answer(rec, "street", "Elm St");
	/* asset_id is unanswered: the first text question. */
	assert_string_equal(meaning_asset(f, rec), "Elm St");
	store_record_set_answer(rec, "asset_id", "A-1");
	assert_string_equal(meaning_asset(f, rec), "A-1");
	store_record_set_answer(rec, "asset_id", "");
	store_record_set_answer(rec, "remarks", "by the bridge");
	assert_string_equal(meaning_asset(g, rec), "by the bridge");
	store_record_free(rec);
	form_free(f);
	form_free(g);
}

static void
expect_load_error(const char *csv, const char *want)
{
	struct diags d = { "", 0 };
	struct form *f = form_load_buffer("bad.csv", csv, strlen(csv), collect_diag, &d);

	assert_null(f);
	if (strstr(d.text, want) == NULL)
		fail_msg("wanted '%s' in:\n%s", want, d.text);
}

static void
test_bad_declarations(void **state)
{
	(void)state;
	expect_load_error("survey\n,type,name,fieldcheck::role\n,text,a,assett\n",
	    "3:9: fieldcheck::role of 'a' is 'assett', not asset, severity or none");
	expect_load_error("survey\n,type,name,fieldcheck::role\n,text,a,severity\n",
	    "3:9: fieldcheck::role severity needs a select question, and 'a' is not one");
	expect_load_error("survey\n,type,name,fieldcheck::role\n,note,n,asset\n",
	    "fieldcheck::role asset needs a question with an answer");
	expect_load_error("survey\n,type,name\n,select_one l,a\nchoices\n"
	    ",list_name,name,fieldcheck::severity\n,l,x,high\n",
	    "6:6: fieldcheck::severity 'high' is not minor, moderate, severe or none");
	expect_load_error("survey\n,type,name,fieldcheck::colour\n,text,a,red\n",
	    "fieldcheck::colour");
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

static void
test_record_form(void **state)
{
	char dir[] = "/tmp/fieldcheck-meaning-XXXXXX", *p, *cmd;
	struct form_library *lib;
	const struct form *v1, *v2;
	struct store_record *rec = store_record_new();

	(void)state;
	assert_non_null(mkdtemp(dir));
	p = xasprintf("%s/a1.csv", dir);
	write_file(p, "survey\n,type,name\n,text,x\nsettings\n,form_id,version\n,a,1\n");
	free(p);
	p = xasprintf("%s/a2.csv", dir);
	write_file(p, "survey\n,type,name\n,text,x\n,text,y\nsettings\n,form_id,version\n,a,2\n");
	free(p);
	lib = form_library_load(dir, NULL, NULL);
	v1 = form_library_find(lib, "a", "1");
	v2 = form_library_find(lib, "a", "2");
	assert_non_null(v1);
	assert_non_null(v2);
	fc_strlcpy(rec->form_id, "a", sizeof rec->form_id);
	/* By hash, even when the version says otherwise. */
	fc_strlcpy(rec->form_version, "2", sizeof rec->form_version);
	fc_strlcpy(rec->form_hash, form_hash(v1), sizeof rec->form_hash);
	assert_ptr_equal(meaning_record_form(lib, rec), v1);
	/* An unknown hash: by id and version. */
	fc_strlcpy(rec->form_hash, "00", sizeof rec->form_hash);
	assert_ptr_equal(meaning_record_form(lib, rec), v2);
	fc_strlcpy(rec->form_version, "1", sizeof rec->form_version);
	assert_ptr_equal(meaning_record_form(lib, rec), v1);
	/* An unknown version: the newest of the id. */
	fc_strlcpy(rec->form_version, "9", sizeof rec->form_version);
	assert_ptr_equal(meaning_record_form(lib, rec), v2);
	fc_strlcpy(rec->form_id, "b", sizeof rec->form_id);
	assert_null(meaning_record_form(lib, rec));
	assert_null(meaning_record_form(NULL, rec));
	store_record_free(rec);
	form_library_free(lib);
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void
test_geopoint_text(void **state)
{
	char buf[128];

	(void)state;
	meaning_geopoint_text(31.23, 121.47, NAN, NAN, buf, sizeof buf);
	assert_string_equal(buf, "31.23000000 121.47000000");
	meaning_geopoint_text(31.23, 121.47, NAN, 4.5, buf, sizeof buf);
	assert_string_equal(buf, "31.23000000 121.47000000 0 4.5");
	meaning_geopoint_text(31.23, 121.47, 12.25, NAN, buf, sizeof buf);
	assert_string_equal(buf, "31.23000000 121.47000000 12.2");
	meaning_geopoint_text(-33.5, -70.25, 500, 3, buf, sizeof buf);
	assert_string_equal(buf, "-33.50000000 -70.25000000 500.0 3.0");
}

static void
test_parse_position(void **state)
{
	static const char *const good[] = {
		"31.2304,121.4737", "31.2304, 121.4737", "31.2304 121.4737 5", " -90,180,0 ",
		"31.2304,121.4737,", "1e1,2e1",
	};
	static const char *const bad[] = {
		"", "31.2", "95,10", "10,181", "31,121,-1", "31,121,5,6", "a,b", "31;121", "nan,1",
		"inf,1", "31,121 m",
	};
	struct store_position pos;

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (meaning_parse_position(good[i], &pos) != 0)
			fail_msg("refused '%s'", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (meaning_parse_position(bad[i], &pos) == 0)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(meaning_parse_position("31.5 121.25, 4", &pos), 0);
	assert_int_equal(pos.source, STORE_POS_MANUAL);
	assert_true(pos.lat == 31.5 && pos.lon == 121.25 && pos.accuracy_m == 4);
	assert_int_equal(meaning_parse_position("31.5,121.25", &pos), 0);
	assert_true(isnan(pos.accuracy_m));
}

/* A severity inside a repeat: each entry is a hazard of its own, named by its key. */
static void
test_repeat_hazards(void **state)
{
	static const char csv[] =
	    "survey\n,type,name,label,fieldcheck::code\n"
	    ",text,bridge,Bridge,\n"
	    ",begin_repeat,cracks,Cracks,\n"
	    ",decimal,length,Length,\n"
	    ",select_one sev,crack_severity,Crack,部件:0101\n"
	    ",end_repeat,,,\n"
	    "choices\n,list_name,name,label,fieldcheck::severity\n"
	    ",sev,none,None,none\n,sev,minor,Minor,minor\n,sev,severe,Severe,severe\n";
	struct form *f = form_load_buffer("bridge.csv", csv, strlen(csv), NULL, NULL);
	struct store_record *rec = store_record_new();
	unsigned counts[MEANING_SEVERITY_COUNT];
	struct seen seen = { .n = 0 };
	enum form_code_kind kind;
	char code[5];

	(void)state;
	assert_non_null(f);
	store_record_set_answer(rec, "bridge", "Nanpu");
	store_record_set_answer(rec, "cracks[1]/crack_severity", "severe");
	store_record_set_answer(rec, "cracks[2]/crack_severity", "none");
	store_record_set_answer(rec, "cracks[3]/crack_severity", "minor");
	meaning_count_hazards(f, rec, counts);
	assert_int_equal(counts[MEANING_MINOR], 1);
	assert_int_equal(counts[MEANING_SEVERE], 1);
	meaning_hazards(f, rec, "en", collect_hazard, &seen);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.text[0], "cracks[1]/crack_severity=Crack (1)=severe");
	assert_string_equal(seen.text[1], "cracks[3]/crack_severity=Crack (3)=minor");
	assert_int_equal(meaning_hazard_code(f, rec, "cracks[3]/crack_severity", &kind, code), 0);
	assert_string_equal(code, "0101");
	store_record_free(rec);
	form_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thirdparty_severity),
		cmocka_unit_test(test_thirdparty_hazards_and_asset),
		cmocka_unit_test(test_answer_text),
		cmocka_unit_test(test_builtin_checklists),
		cmocka_unit_test(test_fallbacks),
		cmocka_unit_test(test_bad_declarations),
		cmocka_unit_test(test_record_form),
		cmocka_unit_test(test_geopoint_text),
		cmocka_unit_test(test_parse_position),
		cmocka_unit_test(test_repeat_hazards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
