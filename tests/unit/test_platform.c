/*
 * Unit tests of platform/: the code table (the shipped one, a city's over
 * it, and bad tables), the GCJ-02 transform against published point pairs,
 * stable case ids, and the hazards' codes the record model reads from the
 * built-in checklists' fieldcheck::code column.
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
#include <sys/wait.h>
#include <unistd.h>

#include "forms/forms.h"
#include "meaning/meaning.h"
#include "platform/platform.h"
#include "store/store.h"
#include "util/util.h"

#define HEADER "kind,major,major_name,minor,minor_name,source\n"

static struct platform_codes *
shipped(void)
{
	struct platform_codes *t = NULL;
	char *cause = NULL;

	if (platform_codes_load(TOP_DIR "/platform/codes.csv", NULL, &t, &cause) != 0)
		fail_msg("%s", cause);
	return t;
}

static void
refused(const char *text, const char *want)
{
	struct platform_codes *t = NULL;
	char *cause = NULL;

	assert_int_equal(platform_codes_load_buffer("city.csv", text, strlen(text), NULL, &t,
	    &cause), -1);
	assert_null(t);
	if (strstr(cause, want) == NULL)
		fail_msg("'%s' does not say '%s'", cause, want);
	free(cause);
}

static void
test_shipped_table(void **state)
{
	struct platform_codes *t = shipped();
	const struct platform_code *c;

	(void)state;
	assert_true(platform_codes_count(t) >= 36);
	c = platform_codes_find(t, FORM_CODE_EVENT, "0401");
	assert_non_null(c);
	assert_string_equal(c->minor_name, "路面塌陷");
	assert_string_equal(c->major_name, "突发事件");
	c = platform_codes_find(t, FORM_CODE_COMPONENT, "0111");
	assert_non_null(c);
	assert_string_equal(c->minor_name, "燃气井盖");
	assert_null(platform_codes_find(t, FORM_CODE_COMPONENT, "0401"));
	assert_null(platform_codes_find(t, FORM_CODE_EVENT, "04"));
	/* every row says where it came from, and rows are sorted */
	for (size_t i = 0; i < platform_codes_count(t); i++) {
		assert_true(platform_codes_get(t, i)->source[0] != '\0');
		if (i > 0) {
			const struct platform_code *a = platform_codes_get(t, i - 1);
			const struct platform_code *b = platform_codes_get(t, i);

			assert_true(a->kind < b->kind || (a->kind == b->kind &&
			    strcmp(a->major, b->major) * 100 + strcmp(a->minor, b->minor) < 0) ||
			    (a->kind == b->kind && strcmp(a->major, b->major) < 0));
		}
	}
	platform_codes_free(t);
}

static void
test_city_table(void **state)
{
	static const char city[] = HEADER
	    "事件,04,突发事件,01,道路塌陷,city\n"
	    "\"部件\",01,公用设施,99,\"消防栓, 地上\",city\n";
	struct platform_codes *base = shipped(), *t = NULL;
	char *cause = NULL;

	(void)state;
	if (platform_codes_load_buffer("city.csv", city, strlen(city), base, &t, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(platform_codes_count(t), platform_codes_count(base) + 1);
	assert_string_equal(platform_codes_find(t, FORM_CODE_EVENT, "0401")->minor_name, "道路塌陷");
	assert_string_equal(platform_codes_find(base, FORM_CODE_EVENT, "0401")->minor_name,
	    "路面塌陷");
	assert_string_equal(platform_codes_find(t, FORM_CODE_COMPONENT, "0199")->minor_name,
	    "消防栓, 地上");
	platform_codes_free(t);
	platform_codes_free(base);
}

static void
test_bad_tables(void **state)
{
	(void)state;
	refused("", "no header");
	refused("kind,major,minor\n", "city.csv:1:1: error: the header needs a 'major_name' column");
	refused(HEADER, "no codes");
	refused(HEADER "事件,04,突发事件,01,a,\n事件,04,突发事件,01,b,\n",
	    "city.csv:3:12: error: 事件 0401 appears twice (first on line 2)");
	refused(HEADER "事件,4,突发事件,01,a,\n", "city.csv:2:4: error: major '4' is not two digits");
	refused(HEADER "事件,04,突发事件,001,a,\n", "minor '001' is not two digits");
	refused(HEADER "事件,00,突发事件,01,a,\n", "major '00' is not two digits");
	refused(HEADER "event,04,突发事件,01,a,\n", "city.csv:2:1: error: kind 'event' is not 部件 or 事件");
	refused(HEADER "事件,04,,01,a,\n", "major_name is empty");
	refused(HEADER "事件,04,突发事件,01,a,\n事件,04,突发,02,b,\n",
	    "city.csv:3:7: error: 事件 major 04 is named '突发' here and '突发事件' on line 2");
	refused(HEADER "事件,04,\"突发事件,01,a,\n", "city.csv:2:");
	refused(HEADER "事件,04,突发事件,01,\xff,\n", "UTF-8");
	/* every problem is listed, not just the first */
	{
		static const char two[] = HEADER "x,04,a,01,a,\n事件,4,a,01,a,\n";
		struct platform_codes *t = NULL;
		char *cause = NULL;

		assert_int_equal(platform_codes_load_buffer("c", two, strlen(two), NULL, &t, &cause), -1);
		assert_non_null(strstr(cause, "c:2:1:"));
		assert_non_null(strstr(cause, "\nc:3:"));
		free(cause);
	}
}

/*
 * Published WGS-84 -> GCJ-02 pairs.  The first is the coordtransform test
 * value that hutool's and coordtransform_rs's tests share, and our formula
 * gives it to the last digit.  The others come from implementations whose
 * constants differ in the last places (a few centimetres), and the last is
 * gcoord's GCJ-02 -> WGS-84 test run backwards (its inverse is iterative),
 * so they are held to 1e-6 degrees (about 10 cm) and 1e-5.
 */
static void
test_gcj02(void **state)
{
	static const struct { double lon, lat, glon, glat, tolerance; } pairs[] = {
		{ 116.404, 39.915, 116.41024449916938, 39.91640428150164, 1e-12 },
		{ 116.0, 40.0, 116.006141221789, 40.001213650174, 1e-6 },
		{ 121.0917077, 30.6107779, 121.09626935575027, 30.608604331756705, 1e-6 },
		{ 122.99395597, 44.99804071, 123.0, 45.0, 1e-5 },
	};
	double glon, glat;

	(void)state;
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		platform_gcj02(pairs[i].lon, pairs[i].lat, &glon, &glat);
		if (fabs(glon - pairs[i].glon) > pairs[i].tolerance ||
		    fabs(glat - pairs[i].glat) > pairs[i].tolerance)
			fail_msg("pair %zu: %.12f %.12f", i, glon, glat);
	}
	/* outside China: unchanged */
	platform_gcj02(2.35, 48.85, &glon, &glat);
	assert_true(glon == 2.35 && glat == 48.85);
}

static void
test_case_uuid(void **state)
{
	char a[37], b[37], c[37];

	(void)state;
	platform_case_uuid("0b8f8b36-3c8a-4c59-9a43-1f1d2a8e0c11", "subsidence", a);
	platform_case_uuid("0b8f8b36-3c8a-4c59-9a43-1f1d2a8e0c11", "subsidence", b);
	platform_case_uuid("0b8f8b36-3c8a-4c59-9a43-1f1d2a8e0c11", "pothole", c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_true(fc_valid_uuid(a));
	assert_int_equal(a[14], '8');
	assert_non_null(strchr("89ab", a[19]));
	/* the id is a contract with the platform: it must never change */
	assert_string_equal(a, "12fcb1e5-b2ce-88e4-9c24-32911625b6a4");
}

static struct store_record *
record(const char *const *pairs)
{
	struct store_record *rec = store_record_new();

	for (size_t i = 0; pairs[i] != NULL; i += 2)
		store_record_set_answer(rec, pairs[i], pairs[i + 1]);
	return rec;
}

static void
test_hazard_codes(void **state)
{
	static const char *const road_answers[] = {
		"asset_id", "x", "subsidence", "minor", "manhole_cover", "severe",
		"manhole_cover_owner", "gas", "markings", "minor", NULL,
	};
	static const char *const pole_answers[] = {
		"asset_id", "x", "furniture_type", "cables", "pole_tilt", "minor", NULL,
	};
	/* version 1 of the road checklist: a yes/no question, then NAME_severity */
	static const char *const road_v1_answers[] = {
		"asset_id", "x", "subsidence", "yes", "subsidence_severity", "minor",
		"manhole_cover", "yes", "manhole_cover_severity", "severe",
		"manhole_cover_owner", "sewage", NULL,
	};
	struct form *road = form_load(TOP_DIR "/forms/checklists/road.csv", NULL, NULL);
	struct form *road_v1 = form_load(TOP_DIR "/forms/checklists/road-1.csv", NULL, NULL);
	struct form *uf = form_load(TOP_DIR "/forms/checklists/urban_furniture.csv", NULL, NULL);
	struct store_record *rec = record(road_answers);
	enum form_code_kind kind;
	char code[5];

	(void)state;
	assert_non_null(road);
	assert_non_null(uf);
	assert_int_equal(meaning_hazard_code(road, rec, "subsidence", &kind, code), 0);
	assert_int_equal(kind, FORM_CODE_EVENT);
	assert_string_equal(code, "0401");
	assert_int_equal(meaning_hazard_code(road, rec, "manhole_cover", &kind, code), 0);
	assert_int_equal(kind, FORM_CODE_COMPONENT);
	assert_string_equal(code, "0111");
	assert_int_equal(meaning_hazard_code(road, rec, "markings", &kind, code), -1);
	assert_int_equal(meaning_hazard_code(road, rec, "no_such", &kind, code), -1);
	/* an owner not known: the manhole cover has no code */
	store_record_set_answer(rec, "manhole_cover_owner", "unknown");
	assert_int_equal(meaning_hazard_code(road, rec, "manhole_cover", &kind, code), -1);
	store_record_free(rec);
	/* a furniture type without a code falls through to the next term */
	rec = record(pole_answers);
	assert_int_equal(meaning_hazard_code(uf, rec, "pole_tilt", &kind, code), 0);
	assert_string_equal(code, "0117");
	store_record_set_answer(rec, "furniture_type", "street_light");
	assert_int_equal(meaning_hazard_code(uf, rec, "pole_tilt", &kind, code), 0);
	assert_string_equal(code, "0118");
	store_record_free(rec);
	rec = record(road_v1_answers);
	assert_non_null(road_v1);
	assert_int_equal(meaning_hazard_code(road_v1, rec, "subsidence", &kind, code), 0);
	assert_string_equal(code, "0401");
	assert_int_equal(meaning_hazard_code(road_v1, rec, "manhole_cover", &kind, code), 0);
	assert_string_equal(code, "0102");
	store_record_free(rec);
	form_free(road);
	form_free(road_v1);
	form_free(uf);
}

/* A hazard whose code is on its severity choices (a third-party way to map). */
static void
test_code_on_severity_choice(void **state)
{
	static const char form[] =
	    "survey\n,type,name,fieldcheck::role\n"
	    ",text,asset_id,\n"
	    ",select_one level,cover_state,severity\n"
	    "choices\n,list_name,name,fieldcheck::severity,fieldcheck::code\n"
	    ",level,ok,none,\n,level,loose,minor,部件:0102\n,level,missing,severe,部件:0103\n";
	struct form *f = form_load_buffer("c.csv", form, strlen(form), NULL, NULL);
	struct store_record *rec = store_record_new();
	enum form_code_kind kind;
	char code[5];

	(void)state;
	assert_non_null(f);
	assert_true(meaning_hazard_mapped(f, 1));
	store_record_set_answer(rec, "cover_state", "missing");
	assert_int_equal(meaning_hazard_code(f, rec, "cover_state", &kind, code), 0);
	assert_string_equal(code, "0103");
	store_record_set_answer(rec, "cover_state", "loose");
	assert_int_equal(meaning_hazard_code(f, rec, "cover_state", &kind, code), 0);
	assert_string_equal(code, "0102");
	store_record_free(rec);
	form_free(f);
}

static void
diag_count(void *ctx, const char *file, unsigned line, unsigned col, const char *message)
{
	char *all = ctx;

	(void)file;
	snprintf(all + strlen(all), 1024 - strlen(all), "%u:%u: %s\n", line, col, message);
}

static void
test_code_column(void **state)
{
	static const char bad[] =
	    "survey\n,type,name,fieldcheck::code\n"
	    ",select_one yn,broken,部件:01\n"
	    ",select_one yn,ref,${nowhere}\n"
	    ",text,t,\n"
	    ",select_one yn,ref2,${t} 事件:0401\n"
	    "choices\n,list_name,name,fieldcheck::code\n,yn,yes,部件:0101 部件:0102\n,yn,no,x\n";
	char all[1024] = "";
	struct form *f = form_load_buffer("c.csv", bad, strlen(bad), diag_count, all);

	(void)state;
	assert_null(f);
	assert_non_null(strstr(all, "3:23: fieldcheck::code of 'broken': '部件:01' is not KIND:MMNN"));
	assert_non_null(strstr(all, "fieldcheck::code of 'ref': 'nowhere' is not a select_one"));
	assert_non_null(strstr(all, "fieldcheck::code of 'ref2': 't' is not a select_one"));
	assert_non_null(strstr(all, "fieldcheck::code of a choice is one code, not 2"));
	assert_non_null(strstr(all, "fieldcheck::code: 'x' is not KIND:MMNN (部件 or 事件, a colon, "
	    "four digits)\n"));
}

/*
 * A case whose content changes while its old content is being posted (the
 * depot queues the day again meanwhile): the old content's answer must not
 * take the new content out of the queue, whether delivered or refused.
 */
static void
test_queue_keeps_content_queued_during_a_post(void **state)
{
	static const char *const id[2] = { "0b2c0a56-4a2d-8a5e-9d3c-2f1e0a9b8c7d",
	    "1b2c0a56-4a2d-8a5e-9d3c-2f1e0a9b8c7d" };
	char dir[] = "/tmp/fc-queue-XXXXXX", *cause = NULL, *cmd;
	struct platform_queue *q;
	struct platform_queued *items, *now;
	size_t n, m;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(platform_queue_open(dir, &q, &cause), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(platform_queue_put(q, id[i], "{\"v\":1}", 7, &cause), 1);
	assert_int_equal(platform_queue_list(q, &items, &n, &cause), 0);
	assert_int_equal(n, 2);
	/* While both are posted, each gets new content. */
	for (int i = 0; i < 2; i++)
		assert_int_equal(platform_queue_put(q, id[i], "{\"v\":2}", 7, &cause), 1);
	assert_string_equal(items[0].case_id, id[0]);
	assert_int_equal(platform_queue_delivered(q, &items[0], &cause), 0);
	assert_int_equal(platform_queue_refused(q, &items[1], "400: old", &cause), 0);
	assert_int_equal(platform_queue_list(q, &now, &m, &cause), 0);
	assert_int_equal(m, 2);
	for (size_t i = 0; i < m; i++)
		assert_memory_equal(now[i].body, "{\"v\":2}", 7);
	platform_queued_free(now, m);
	platform_queued_free(items, n);
	platform_queue_close(q);
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/*
 * Two pushers queue new content for one case at the same moment (two
 * `platform push` runs, or one beside fieldcheck-push): each writes a file
 * of its own beside the queue's and renames it, so every put succeeds, the
 * queued file is one whole content, and nothing is left beside it.
 */
static void
test_queue_concurrent_puts(void **state)
{
	static const char id[] = "2b2c0a56-4a2d-8a5e-9d3c-2f1e0a9b8c7d";
	char dir[] = "/tmp/fc-queue-XXXXXX", *cause = NULL, *cmd, body[16384];
	struct platform_queue *q;
	struct platform_queued *items;
	size_t n;
	pid_t pid;
	int failed = 0, status;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(platform_queue_open(dir, &q, &cause), 0);
	pid = fork();
	assert_true(pid >= 0);
	for (int i = 0; i < 300; i++) {
		int len = snprintf(body, 64, "{\"by\":\"%c\",\"i\":%d,\"pad\":\"", pid == 0 ? 'c' : 'p', i);

		memset(body + len, 'x', sizeof body - (size_t)len - 3);
		memcpy(body + sizeof body - 3, "\"}", 3);
		if (platform_queue_put(q, id, body, sizeof body - 1, &cause) != 1) {
			failed++;
			free(cause);
			cause = NULL;
		}
	}
	if (pid == 0)
		_exit(failed == 0 ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(failed, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(platform_queue_list(q, &items, &n, &cause), 0);
	assert_int_equal(n, 1);
	assert_int_equal(items[0].len, sizeof body - 1);
	assert_memory_equal(items[0].body + items[0].len - 2, "\"}", 2);
	platform_queued_free(items, n);
	platform_queue_close(q);
	cmd = xasprintf("test \"$(ls -A '%s/queue')\" = '%s.json'", dir, id);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_table),
		cmocka_unit_test(test_city_table),
		cmocka_unit_test(test_bad_tables),
		cmocka_unit_test(test_gcj02),
		cmocka_unit_test(test_case_uuid),
		cmocka_unit_test(test_hazard_codes),
		cmocka_unit_test(test_code_column),
		cmocka_unit_test(test_code_on_severity_choice),
		cmocka_unit_test(test_queue_keeps_content_queued_during_a_post),
		cmocka_unit_test(test_queue_concurrent_puts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
