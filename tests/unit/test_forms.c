/*
 * Unit tests of forms/: the built-in checklists, pyxform's own XLSForm
 * fixtures (../shared/fixtures/xlsform-pyxform, skipped when absent),
 * malformed files, sessions and the library, all through forms/forms.h.
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
#include <unistd.h>

#include "forms/forms.h"
#include "util/util.h"

#define CHECKLISTS TOP_DIR "/forms/checklists"
#define FIXTURES TOP_DIR "/../shared/fixtures/xlsform-pyxform"

struct diags {
	char text[16384];
	unsigned count;
};

static void
collect(void *ctx, const char *file, unsigned line, unsigned col, const char *message)
{
	struct diags *d = ctx;
	const char *base = strrchr(file, '/');
	size_t n = strlen(d->text);

	d->count++;
	snprintf(d->text + n, sizeof d->text - n, "%s:%u:%u: %s\n", base ? base + 1 : file,
	    line, col, message);
}

static struct form *
load_text(const char *csv, struct diags *d)
{
	memset(d, 0, sizeof *d);
	return form_load_buffer("t.csv", csv, strlen(csv), collect, d);
}

/* The form must not load, and the diagnostics must contain want. */
static void
expect_fail(const char *csv, const char *want)
{
	struct diags d;
	struct form *f = load_text(csv, &d);

	if (f != NULL) {
		form_free(f);
		fail_msg("loaded, expected \"%s\"", want);
	}
	if (strstr(d.text, want) == NULL)
		fail_msg("got \"%s\", want it to contain \"%s\"", d.text, want);
}

/* ---- Built-in checklists ---- */

static void
test_builtin_checklists(void **state)
{
	static const char *ids[] = { "bridge", "park", "road", "urban_furniture" };
	struct diags d = { .count = 0 };
	struct form_library *lib;

	(void)state;
	memset(&d, 0, sizeof d);
	lib = form_library_load(CHECKLISTS, collect, &d);
	if (d.count != 0)
		fail_msg("%s", d.text);
	/* each checklist's version 1 is kept beside version 2 for the records saved against it */
	assert_int_equal(form_library_count(lib), 8);
	for (size_t i = 0; i < 4; i++) {
		const struct form *f = form_library_find(lib, ids[i], NULL);
		long sev;

		assert_non_null(f);
		assert_non_null(form_library_find(lib, ids[i], "1"));
		assert_string_equal(form_version(f), "2");
		assert_int_equal(strlen(form_hash(f)), 64);
		assert_int_equal(form_language_count(f), 2);
		assert_string_equal(form_default_language(f), "中文 (zh)");
		assert_true(form_accuracy_threshold(f) == 30);   /* docs/gps.md: what receivers meet */
		/* the first question is the asset id, a text question */
		assert_string_equal(form_question_name(f, 0), "asset_id");
		assert_int_equal(form_question_type(f, 0), FORM_TEXT);
		assert_true(form_question_index(f, "condition") > 0);
		assert_true(form_question_index(f, "photo") > 0);
		assert_int_equal(form_question_type(f, (size_t)form_question_index(f, "photo")),
		    FORM_PHOTO);
		assert_int_equal(form_question_type(f, (size_t)form_question_index(f, "location")),
		    FORM_GEOPOINT);
		/* labels in both languages, chosen by name or code */
		assert_string_not_equal(form_question_label(f, 0, "zh"),
		    form_question_label(f, 0, "en"));
		assert_string_equal(form_question_label(f, 0, "English (en)"),
		    form_question_label(f, 0, "en"));
		/* every hazard question offers none / minor / moderate / severe, quick */
		sev = form_question_index(f, "hazard_count");
		assert_true(sev > 0);
		for (size_t q = 0; q < form_question_count(f); q++) {
			if (form_question_role(f, q) != FORM_ROLE_SEVERITY)
				continue;
			assert_int_equal(form_question_type(f, q), FORM_SELECT_ONE);
			assert_int_equal(form_choice_count(f, q), 4);
			assert_string_equal(form_choice_name(f, q, 0), "none");
			assert_string_equal(form_choice_name(f, q, 3), "severe");
			assert_string_equal(form_choice_label(f, q, 3, "zh"), "严重");
			assert_string_equal(form_question_appearance(f, q), "quick");
		}
	}
	/* names other engineers' tests rely on */
	{
		const struct form *road = form_library_find(lib, "road", NULL);

		assert_non_null(road);
		assert_true(form_question_index(road, "subsidence") > 0);
		assert_true(form_question_index(road, "subsidence_area_m2") > 0);
		assert_true(form_question_index(road, "pothole_count") > 0);
		assert_ptr_equal(form_library_find_hash(lib, form_hash(road)), road);
	}
	form_library_free(lib);
}

static void
test_hash_is_sha256_of_file(void **state)
{
	char line[128];
	FILE *p;
	struct form *f;

	(void)state;
	f = form_load(CHECKLISTS "/road.csv", NULL, NULL);
	assert_non_null(f);
	p = popen("sha256sum '" CHECKLISTS "/road.csv'", "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof line, p));
	pclose(p);
	line[64] = '\0';
	assert_string_equal(form_hash(f), line);
	form_free(f);
}

/* ---- pyxform's fixtures: the expectation for each ---- */

struct fixture_case {
	const char *file;
	int questions;         /* -1: must fail */
	const char *names;     /* space-separated question names, in order, when it loads */
	const char *errors[6]; /* when it fails: each must appear */
};

static const struct fixture_case fixture_cases[] = {
	{ "case_insensitivity.csv", -1, NULL, {
	    "case_insensitivity.csv:17:1: unsupported sheet 'entities'" } },
	{ "fruits.csv", -1, NULL, {
	    "fruits.csv:1:1: unsupported sheet 'name_key'",
	    "fruits.csv:1:0: no survey sheet" } },
	{ "gps.csv", 1, "location", { NULL } },
	{ "group.csv", 5, "family_name father phone_number age ", { NULL } },
	/* a loop is a group per choice of its list, as pyxform expands it */
	{ "loop.csv", 13, "available_toilet_types available_toilet_types_other loop_toilet_types "
	    "pit_latrine_with_slab number  open_pit_latrine number  bucket_system number  ",
	    { NULL } },
	{ "simple_loop.csv", 8, "my_table col1 count  col2 count  ", { NULL } },
	{ "specify_other.csv", 2, "sex sex_other", { NULL } },
	{ "text_and_integer.csv", 2, "your_name your_age", { NULL } },
	{ "utf_csv.csv", 1, "burger_toppings", { NULL } },
	{ "yes_or_no_question.csv", 1, "good_day", { NULL } },
};

static void
test_pyxform_fixtures(void **state)
{
	struct stat sb;

	(void)state;
	if (stat(FIXTURES, &sb) != 0) {
		print_message("# SKIP %s is absent\n", FIXTURES);
		skip();
	}
	for (size_t i = 0; i < sizeof fixture_cases / sizeof fixture_cases[0]; i++) {
		const struct fixture_case *c = &fixture_cases[i];
		char *path = xasprintf("%s/%s", FIXTURES, c->file);
		struct diags d;
		struct form *f;

		memset(&d, 0, sizeof d);
		f = form_load(path, collect, &d);
		free(path);
		if (c->questions < 0) {
			if (f != NULL)
				fail_msg("%s loaded; expected it to fail", c->file);
			for (size_t k = 0; k < 6 && c->errors[k] != NULL; k++)
				if (strstr(d.text, c->errors[k]) == NULL)
					fail_msg("%s: missing \"%s\" in:\n%s", c->file, c->errors[k],
					    d.text);
			continue;
		}
		if (f == NULL)
			fail_msg("%s did not load:\n%s", c->file, d.text);
		{
			char names[256] = "";

			for (size_t q = 0; q < form_question_count(f); q++)
				snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
				    q ? " " : "", form_question_name(f, q));
			assert_string_equal(names, c->names);
			assert_int_equal(form_question_count(f), (size_t)c->questions);
		}
		form_free(f);
	}
}

static void
test_fixture_details(void **state)
{
	struct stat sb;
	struct form *f;

	(void)state;
	if (stat(FIXTURES, &sb) != 0) {
		print_message("# SKIP %s is absent\n", FIXTURES);
		skip();
	}
	/* gps is the deprecated alias of geopoint; the form id is the file's name */
	f = form_load(FIXTURES "/gps.csv", NULL, NULL);
	assert_non_null(f);
	assert_int_equal(form_question_type(f, 0), FORM_GEOPOINT);
	assert_string_equal(form_id(f), "gps");
	form_free(f);
	/* int and string aliases, label:english */
	f = form_load(FIXTURES "/text_and_integer.csv", NULL, NULL);
	assert_non_null(f);
	assert_int_equal(form_question_type(f, 0), FORM_TEXT);
	assert_int_equal(form_question_type(f, 1), FORM_INTEGER);
	assert_string_equal(form_language(f, 0), "english");
	assert_string_equal(form_question_label(f, 1, NULL), "How many years old are you?");
	form_free(f);
	/* columns in another order, an emoji, no final newline */
	f = form_load(FIXTURES "/utf_csv.csv", NULL, NULL);
	assert_non_null(f);
	assert_string_equal(form_question_label(f, 0, NULL),
	    "\xe2\x80\xa6what toppings do you prefer on your \xf0\x9f\x8d\x94s?");
	form_free(f);
	/* select one from L */
	f = form_load(FIXTURES "/yes_or_no_question.csv", NULL, NULL);
	assert_non_null(f);
	assert_int_equal(form_question_type(f, 0), FORM_SELECT_ONE);
	assert_int_equal(form_choice_count(f, 0), 2);
	assert_string_equal(form_choice_label(f, 0, 1, "english"), "no");
	form_free(f);
}

/* ---- Malformed files ---- */

static void
test_malformed(void **state)
{
	(void)state;
	expect_fail("survey\n,type,name,label\n,text,a,\"never closed\n,text,b,x\n",
	    "t.csv:3:9: quoted cell is never closed");
	expect_fail("survey\n,type,name\n,text,\"a\"x,\n", "t.csv:3:10: unexpected text after a quoted cell");
	expect_fail("survey\n", "t.csv:1:0: sheet 'survey' has no header row");
	expect_fail("survey\nchoices\n,list_name,name\n", "t.csv:1:0: sheet 'survey' has no header row");
	expect_fail(",type,name\n,text,a\n", "t.csv:1:1: row before any sheet name");
	expect_fail("survey\n,type,label\n,text,A\n", "survey header needs 'type' and 'name'");
	expect_fail("survey\n,type,name\n,text,a\n,integer,a\n",
	    "t.csv:4:10: duplicate name 'a' (first at line 3)");
	expect_fail("survey\n,type,name\n,select_one nowhere,a\n",
	    "t.csv:3:2: unknown choice list 'nowhere'");
	expect_fail("survey\n,type,name\n,begin_group,g\n,text,a\n",
	    "t.csv:3:0: group 'g' is never closed by end_group");
	expect_fail("survey\n,type,name\n,text,a\n,end_group,\n",
	    "t.csv:4:2: end_group without a begin_group");
	expect_fail("survey\n,type,name,label\n,text,a,caf\xc3\n",
	    "t.csv:3:12: invalid UTF-8 (byte 0xc3)");
	expect_fail("survey\n,type,name,label\n,text,a,\xed\xa0\x80\n", "t.csv:3:9: invalid UTF-8 (byte 0xed)");
	expect_fail("survey\n,type,name\n,rank,code\n",
	    "t.csv:3:2: unsupported question type 'rank'");
	expect_fail("survey\n,type,name\n,begin_repeat,r\n,begin repeat,s\n,end_repeat,\n"
	    ",end_repeat,\n", "t.csv:4:2: a repeat inside a repeat ('s' in 'r') is not supported");
	expect_fail("survey\n,type,name,calculation\n,begin_repeat,r,\n,text,x,\n,end_repeat,,\n"
	    ",calculate,c,count(${x} + 1)\n",
	    "t.csv:6:14: calculation of 'c': count() takes ${name} of a repeat or of a question");
	expect_fail("survey\n,type,name,calculation\n,text,x,\n,calculate,c,sum(${x})\n",
	    "t.csv:4:14: calculation of 'c': sum() takes ${name} of a question in a repeat");
	expect_fail("survey\n,type,name,calculation\n,begin_repeat,r,\n,text,x,\n,end_repeat,,\n"
	    ",calculate,c,\"indexed-repeat(${x}, ${x}, 1)\"\n",
	    "t.csv:6:15: calculation of 'c': indexed-repeat(${q}, ${repeat}, n): the second");
	expect_fail("survey\n,type,name\n,text,1bad\n", "t.csv:3:7: invalid name '1bad'");
	expect_fail("survey\n,type,name\n,text,\n", "t.csv:3:2: question has no name");
	expect_fail("survey\n,type,name,relevant\n,text,a,${b} = 1\n",
	    "t.csv:3:9: relevant of 'a': unknown question '${b}'");
	expect_fail("survey\n,type,name,constraint\n,integer,a,\". > \"\n",
	    "t.csv:3:17: constraint of 'a': expected a value");
	expect_fail("survey\n,type,name\n,calculate,c\n", "calculate 'c' has no calculation");
	expect_fail("survey\n,type,name,default\n,integer,a,abc\n",
	    "t.csv:3:12: default: 'a' needs a whole number");
}

static void
test_malformed_more(void **state)
{
	char *big;
	size_t n;
	struct diags d;
	struct form *f;

	(void)state;
	/* a default_language that no column uses leaves the first, as pyxform does */
	memset(&d, 0, sizeof d);
	f = load_text("survey\n,type,name,label::English (en),label::中文 (zh)\n,text,a,A,甲\n"
	    "settings\n,default_language\n,Klingon\n", &d);
	assert_non_null(f);
	assert_string_equal(form_default_language(f), "English (en)");
	form_free(f);
	expect_fail("survey\n,type,name\n,select_one l,a\nchoices\n,list_name,name\n,l,x\n,l,x\n",
	    "t.csv:7:4: choice 'x' appears twice in list 'l'");
	expect_fail("survey\n,type,name\nsurvey\n,type,name\n", "sheet 'survey' appears twice");
	expect_fail("survey\n,type,name\n,text,a\nsettings\n,accuracy_threshold\n,-3\n",
	    "accuracy_threshold must be a number of metres above 0");
	memset(&d, 0, sizeof d);
	f = form_load_buffer("nul.csv", "survey\n,type,name\n,text,a\0b\n", 29, collect, &d);
	assert_null(f);
	assert_non_null(strstr(d.text, "nul.csv:3:8: NUL byte"));

	/* a 10 MB cell: the file bound refuses it before anything is copied */
	n = 10u * 1024 * 1024;
	big = xmalloc(n + 64);
	strcpy(big, "survey\n,type,name,label\n,text,a,\"");
	memset(big + strlen(big), 'x', n);
	strcpy(big + 33 + n, "\"\n");
	memset(&d, 0, sizeof d);
	f = form_load_buffer("big.csv", big, strlen(big), collect, &d);
	assert_null(f);
	assert_non_null(strstr(d.text, "big.csv:1:0: file too large"));
	/* a 70 KB cell in a small file: the cell bound */
	strcpy(big, "survey\n,type,name,label\n,text,a,");
	memset(big + strlen(big), 'y', 70000);
	strcpy(big + 32 + 70000, "\n");
	memset(&d, 0, sizeof d);
	f = form_load_buffer("cell.csv", big, strlen(big), collect, &d);
	assert_null(f);
	if (strstr(d.text, "cell.csv:3:9: cell too long") == NULL)
		fail_msg("%s", d.text);
	/* too many cells in a row */
	memset(big, ',', 1000);
	strcpy(big + 1000, "\n");
	memset(&d, 0, sizeof d);
	f = form_load_buffer("wide.csv", big, strlen(big), collect, &d);
	assert_null(f);
	assert_non_null(strstr(d.text, "too many cells in one row"));
	free(big);

	/* every problem is reported, not just the first */
	memset(&d, 0, sizeof d);
	f = load_text("survey\n,type,name\n,rank,a\n,xml-external,b\n,text,c\n,text,c\n", &d);
	assert_null(f);
	assert_int_equal(d.count, 3);
}

/* Truncations and bit flips of a real checklist: errors or forms, never a crash. */
static void
test_truncated_and_flipped(void **state)
{
	FILE *fp = fopen(CHECKLISTS "/road.csv", "rb");
	char *buf;
	long len;
	unsigned loaded = 0, failed = 0;

	(void)state;
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = xmalloc((size_t)len + 1);
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	for (long cut = 0; cut < len; cut += 37) {
		struct form *f = form_load_buffer("cut.csv", buf, (size_t)cut, NULL, NULL);

		f != NULL ? loaded++ : failed++;
		form_free(f);
	}
	srand(7);
	for (int i = 0; i < 400; i++) {
		char *copy = xmalloc((size_t)len);
		struct form *f;

		memcpy(copy, buf, (size_t)len);
		for (int k = 0; k < 3; k++)
			copy[rand() % len] ^= (char)(1 << (rand() % 8));
		f = form_load_buffer("flip.csv", copy, (size_t)len, NULL, NULL);
		if (f != NULL) {
			struct form_session *s = form_session_new(f, NULL);
			char *msg = NULL;
			size_t bad;

			(void)form_session_set(s, "subsidence", "severe", &msg);
			free(msg);
			msg = NULL;
			(void)form_session_check_all(s, &bad, &msg);
			free(msg);
			form_session_free(s);
			loaded++;
		} else
			failed++;
		form_free(f);
		free(copy);
	}
	free(buf);
	assert_true(failed > 0);
	assert_true(loaded > 0);
}

/* ---- Sessions ---- */

static const char session_form[] =
    "survey,,,,,,,,,,\n"
    ",type,name,label::中文 (zh),label::English (en),required,relevant,constraint,"
    "constraint_message::中文 (zh),constraint_message::English (en),calculation\n"
    ",text,asset_id,编号,Asset,yes,,,,,\n"
    ",select_one yn,hazard,隐患,Hazard,,,,,,\n"
    ",begin_group,details,详情,Details,,${hazard} = 'yes',,,,\n"
    ",select_one sev,severity,严重程度,Severity,yes,,,,,\n"
    ",integer,count,数量,Count,,,. >= 1 and . <= 10,数量应在 1 到 10 之间,Count must be 1 to 10,\n"
    ",end_group,,,,,,,,,\n"
    ",select_multiple parts,parts,部件,Parts,,,,,,\n"
    ",geopoint,where,位置,Where,,,,,,\n"
    ",date,seen,日期,Date,,,. <= today(),,,\n"
    ",acknowledge,ok,确认,OK,,,,,,\n"
    ",note,n,说明,Note,,,,,,\n"
    ",calculate,score,,,,,,,,\"if(${severity} = 'severe', 3, 1) * coalesce(${count}, 1)\"\n"
    "choices,,,,\n"
    ",list_name,name,label::中文 (zh),label::English (en)\n"
    ",yn,yes,是,Yes\n,yn,no,否,No\n"
    ",sev,minor,轻微,Minor\n,sev,severe,严重,Severe\n"
    ",parts,lamp,灯,Lamp\n,parts,pole,杆,Pole\n,parts,base,基座,Base\n"
    "settings\n,form_id,version,default_language\n,demo,3,English (en)\n";

struct answers {
	char text[1024];
};

static void
collect_answer(void *ctx, const char *name, const char *value)
{
	struct answers *a = ctx;
	size_t n = strlen(a->text);

	snprintf(a->text + n, sizeof a->text - n, "%s=%s;", name, value);
}

#define SET_OK(s, name, value) do { \
	char *m_ = NULL; \
	if (form_session_set(s, name, value, &m_) != 0) \
		fail_msg("set %s=%s refused: %s", name, value, m_); \
} while (0)

static char *
set_fails(struct form_session *s, const char *name, const char *value)
{
	char *m = NULL;

	if (form_session_set(s, name, value, &m) == 0)
		fail_msg("set %s=%s accepted", name, value);
	return m;
}

static void
test_session(void **state)
{
	struct diags d;
	struct form *f = load_text(session_form, &d);
	struct form_session *s;
	struct answers a;
	char *m;
	size_t bad;
	long sev, cnt, score, details;

	(void)state;
	if (f == NULL)
		fail_msg("%s", d.text);
	assert_string_equal(form_default_language(f), "English (en)");
	assert_string_equal(form_version(f), "3");
	sev = form_question_index(f, "severity");
	cnt = form_question_index(f, "count");
	score = form_question_index(f, "score");
	details = form_question_index(f, "details");
	assert_int_equal(form_question_depth(f, (size_t)sev), 1);
	s = form_session_new(f, NULL);
	assert_string_equal(form_session_language(s), "English (en)");

	/* the group and what is in it apply only when a hazard is found */
	assert_false(form_session_relevant(s, (size_t)details));
	assert_false(form_session_relevant(s, (size_t)sev));
	m = set_fails(s, "severity", "minor");
	assert_non_null(strstr(m, "does not apply"));
	free(m);
	SET_OK(s, "hazard", "yes");
	assert_true(form_session_relevant(s, (size_t)sev));
	assert_true(form_session_required(s, (size_t)sev));
	SET_OK(s, "severity", "severe");
	assert_string_equal(form_session_get(s, (size_t)score), "3");
	SET_OK(s, "count", "4");
	assert_string_equal(form_session_get(s, (size_t)score), "12");

	/* constraint messages in the session's language */
	m = set_fails(s, "count", "11");
	assert_string_equal(m, "Count must be 1 to 10");
	free(m);
	form_session_set_language(s, "zh");
	m = set_fails(s, "count", "0");
	assert_string_equal(m, "数量应在 1 到 10 之间");
	free(m);
	assert_string_equal(form_session_get(s, (size_t)cnt), "4");  /* unchanged */
	form_session_set_language(s, "en");

	/* type errors name the question */
	m = set_fails(s, "count", "four");
	assert_string_equal(m, "'count' needs a whole number, not 'four'");
	free(m);
	m = set_fails(s, "severity", "catastrophic");
	assert_non_null(strstr(m, "'severity': 'catastrophic' is not one of its choices"));
	free(m);
	m = set_fails(s, "seen", "2026-02-30");
	assert_non_null(strstr(m, "'seen' needs a date"));
	free(m);
	m = set_fails(s, "seen", "2026-2-3");
	free(m);
	SET_OK(s, "seen", "2024-02-29");
	m = set_fails(s, "seen", "2999-01-01");  /* constraint . <= today(), no message given */
	assert_non_null(strstr(m, "not allowed"));
	free(m);
	SET_OK(s, "seen", "2020-05-01");
	m = set_fails(s, "where", "91 10");
	assert_non_null(strstr(m, "'where' needs a position"));
	free(m);
	SET_OK(s, "where", "31.2 121.5 4 5.5");
	m = set_fails(s, "ok", "yes");
	free(m);
	SET_OK(s, "ok", "ok");
	assert_string_equal(form_session_get(s, (size_t)form_question_index(f, "ok")), "OK");
	m = set_fails(s, "n", "x");
	assert_non_null(strstr(m, "is a note"));
	free(m);
	m = set_fails(s, "nothere", "x");
	assert_non_null(strstr(m, "no question 'nothere'"));
	free(m);

	/* select_multiple: names separated by spaces, kept with single spaces */
	SET_OK(s, "parts", "  lamp   base ");
	assert_string_equal(form_session_get(s, (size_t)form_question_index(f, "parts")),
	    "lamp base");
	m = set_fails(s, "parts", "lamp lamp");
	free(m);
	m = set_fails(s, "parts", "lamp roof");
	assert_non_null(strstr(m, "'roof' is not one of its choices"));
	free(m);

	/* required: the asset id is missing */
	assert_int_equal(form_session_check_all(s, &bad, &m), -1);
	assert_int_equal(bad, 0);
	assert_string_equal(m, "an answer is required");
	free(m);
	SET_OK(s, "asset_id", "灯杆-17");
	assert_int_equal(form_session_check_all(s, &bad, &m), 0);

	/* the answers kept, in form order, calculations included, notes not */
	memset(&a, 0, sizeof a);
	form_session_answers(s, collect_answer, &a);
	assert_string_equal(a.text, "asset_id=灯杆-17;hazard=yes;severity=severe;count=4;"
	    "parts=lamp base;where=31.2 121.5 4 5.5;seen=2020-05-01;ok=OK;score=12;");

	/* no hazard any more: the group's answers are cleared, as in ODK */
	SET_OK(s, "hazard", "no");
	assert_false(form_session_relevant(s, (size_t)sev));
	assert_string_equal(form_session_get(s, (size_t)sev), "");
	assert_string_equal(form_session_get(s, (size_t)cnt), "");
	assert_string_equal(form_session_get(s, (size_t)score), "1");
	SET_OK(s, "hazard", "yes");
	assert_string_equal(form_session_get(s, (size_t)sev), "");  /* stays cleared */
	assert_int_equal(form_session_check_all(s, &bad, &m), -1);
	assert_int_equal(bad, (size_t)sev);
	free(m);
	/* clearing an answer is always accepted */
	SET_OK(s, "hazard", "");
	assert_int_equal(form_session_check_all(s, &bad, &m), 0);
	form_session_free(s);
	form_free(f);
}

static void
test_required_and_defaults(void **state)
{
	struct diags d;
	struct form *f = load_text("survey\n,type,name,required,default,required_message\n"
	    ",integer,n,,5,\n"
	    ",text,t,${n} > 3,,Say why (n > 3)\n"
	    ",text,u,true(),,\n"
	    ",text,v,no,,\n", &d);
	struct form_session *s;
	size_t bad;
	char *m;

	(void)state;
	if (f == NULL)
		fail_msg("%s", d.text);
	s = form_session_new(f, "en");
	assert_string_equal(form_session_get(s, 0), "5");   /* the default */
	assert_true(form_session_required(s, 1));
	assert_true(form_session_required(s, 2));
	assert_false(form_session_required(s, 3));
	assert_int_equal(form_session_check_all(s, &bad, &m), -1);
	assert_int_equal(bad, 1);
	assert_string_equal(m, "Say why (n > 3)");
	free(m);
	SET_OK(s, "n", "2");
	assert_false(form_session_required(s, 1));
	assert_int_equal(form_session_check(s, 1, &m), 0);
	form_session_free(s);
	form_free(f);
}

/* ---- Library: versions ---- */

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
test_library_versions(void **state)
{
	char dir[] = "/tmp/fieldcheck-forms-XXXXXX", *p, *cmd, *dd;
	struct form_library *lib;
	const struct form *v2, *v10;
	struct diags d;

	(void)state;
	assert_non_null(mkdtemp(dir));
	p = xasprintf("%s/a-v2.csv", dir);
	write_file(p, "survey\n,type,name\n,text,a\nsettings\n,form_id,version\n,demo,2\n");
	free(p);
	p = xasprintf("%s/a-v10.csv", dir);
	write_file(p, "survey\n,type,name\n,text,a\n,text,b\nsettings\n,form_id,version\n,demo,10\n");
	free(p);
	p = xasprintf("%s/b-v10-again.csv", dir);  /* same version, different content */
	write_file(p, "survey\n,type,name\n,text,z\nsettings\n,form_id,version\n,demo,10\n");
	free(p);
	p = xasprintf("%s/broken.csv", dir);
	write_file(p, "survey\n,type,name\n,rank,x\n");
	free(p);
	p = xasprintf("%s/notes.txt", dir);
	write_file(p, "not a form");
	free(p);

	memset(&d, 0, sizeof d);
	lib = form_library_load(dir, collect, &d);
	assert_int_equal(form_library_count(lib), 2);
	v2 = form_library_find(lib, "demo", "2");
	v10 = form_library_find(lib, "demo", "10");
	assert_non_null(v2);
	assert_non_null(v10);
	assert_ptr_equal(form_library_find(lib, "demo", NULL), v10);  /* 10 is newer than 2 */
	assert_ptr_equal(form_library_get(lib, 1), v10);
	assert_int_equal(form_question_count(v10), 2);
	assert_ptr_equal(form_library_find_hash(lib, form_hash(v2)), v2);
	assert_null(form_library_find(lib, "demo", "3"));
	assert_null(form_library_find(lib, "other", NULL));
	assert_non_null(strstr(d.text, "broken.csv:3:2: unsupported question type 'rank'"));
	assert_non_null(strstr(d.text, "b-v10-again.csv:0:0: form 'demo' version '10' is also "
	    "defined, differently"));
	form_library_free(lib);

	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);

	dd = form_default_dir("/x/y");
	assert_string_equal(dd, "/x/y");
	free(dd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_checklists),
		cmocka_unit_test(test_hash_is_sha256_of_file),
		cmocka_unit_test(test_pyxform_fixtures),
		cmocka_unit_test(test_fixture_details),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_malformed_more),
		cmocka_unit_test(test_truncated_and_flipped),
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_required_and_defaults),
		cmocka_unit_test(test_library_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
