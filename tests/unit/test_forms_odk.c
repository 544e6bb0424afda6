/*
 * Unit tests of what ODK forms written by other teams need from forms/:
 * Java-like regex() with its limits, ${name} in texts, the refusals that
 * pyxform does not make, metadata types, dynamic defaults, choice filters.
 * Each case is a small form built from a line of a real form
 * (../shared/fixtures/xlsform-real), driven through forms/forms.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forms/forms.h"
#include "util/util.h"

struct diags {
	char text[8192];
};

static void
collect(void *ctx, const char *file, unsigned line, unsigned col, const char *message)
{
	struct diags *d = ctx;
	size_t n = strlen(d->text);

	(void)file;
	snprintf(d->text + n, sizeof d->text - n, "%u:%u: %s\n", line, col, message);
}

static struct form *
load(const char *csv)
{
	struct diags d = { .text = "" };
	struct form *f = form_load_buffer("t.csv", csv, strlen(csv), collect, &d);

	if (f == NULL)
		fail_msg("did not load:\n%s", d.text);
	return f;
}

static void
expect_fail(const char *csv, const char *want)
{
	struct diags d = { .text = "" };
	struct form *f = form_load_buffer("t.csv", csv, strlen(csv), collect, &d);

	if (f != NULL) {
		form_free(f);
		fail_msg("loaded, expected \"%s\"", want);
	}
	if (strstr(d.text, want) == NULL)
		fail_msg("got \"%s\", want it to contain \"%s\"", d.text, want);
}

static long
qi(const struct form *f, const char *name)
{
	long q = form_question_index(f, name);

	if (q < 0)
		fail_msg("no question '%s'", name);
	return q;
}

static void
set_ok(struct form_session *s, const char *name, const char *value)
{
	char *m = NULL;

	if (form_session_set(s, name, value, &m) != 0)
		fail_msg("%s=%s refused: %s", name, value, m);
}

/* Sets name=value, which must be refused; returns the message (caller frees). */
static char *
set_fails(struct form_session *s, const char *name, const char *value)
{
	char *m = NULL;

	if (form_session_set(s, name, value, &m) == 0)
		fail_msg("%s=%s accepted", name, value);
	return m;
}

/* ---- regex(): Java's syntax, and a limit that stops a runaway pattern ---- */

static void
test_regex_limits(void **state)
{
	/* opengis_service_rating.csv writes constraints like this one */
	struct form *f = load("survey,,,\n"
	    ",type,name,constraint\n"
	    ",text,zip,\"regex(., '^\\d{5}$')\"\n"
	    ",text,runaway,\"regex(., '^(a+)+$')\"\n");
	struct form_session *s = form_session_new(f, NULL);
	char *m, input[64];
	struct timespec t0, t1;

	(void)state;
	set_ok(s, "zip", "12345");
	m = set_fails(s, "zip", "ddddd");
	free(m);
	memset(input, 'a', 40);
	strcpy(input + 40, "b");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	m = set_fails(s, "runaway", input);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (strstr(m, "'runaway': regex() gave up") == NULL)
		fail_msg("got '%s'", m);
	free(m);
	/* not a timing goal: a guard that the limit, not 2^40 steps, ended it */
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	set_ok(s, "runaway", "aaaa");
	form_session_free(s);
	form_free(f);
}

/* ---- What pyxform accepts and fieldcheck used to refuse ---- */

static void
test_wrong_refusals(void **state)
{
	struct form *f;
	struct form_session *s;
	char *m;

	(void)state;
	/* pyx_xlsform_spec_test.csv: media columns, with and without a language */
	f = load("survey,,,,,,\n"
	    ",type,name,label::english,image,media::audio::chinese,media::video\n"
	    ",note,display_image_test,Look,img_test.jpg,a.mp3,v.mp4\n"
	    ",text,t,T,,,\n");
	form_free(f);
	/* ona_sample_accent, ona_childrens_survey_unicode, hot_toilets: choice and list names */
	f = load("survey,,,\n"
	    ",type,name,label\n"
	    ",select_one accent,a,A\n"
	    ",select_one operator:type,o,O\n"
	    "choices,,,\n"
	    ",list_name,name,label\n"
	    ",accent,père,Père\n"
	    ",accent,ChưR'căm,C\n"
	    ",accent,red’s,R\n"
	    ",accent,24/7,Always\n"
	    ",accent,30+,Old\n"
	    ",accent,a;b,AB\n"
	    ",operator:type,public,Public\n");
	s = form_session_new(f, NULL);
	set_ok(s, "a", "24/7");
	set_ok(s, "a", "père");
	set_ok(s, "o", "public");
	form_session_free(s);
	form_free(f);
	/* a select_multiple cannot hold a choice name with a space: said precisely */
	expect_fail("survey,,,\n,type,name,label\n,select_multiple l,m,M\n"
	    "choices,,,\n,list_name,name,label\n,l,two words,T\n",
	    "6:4: choice name 'two words' of list 'l' contains a space, which a "
	    "select_multiple answer cannot hold");
	/* ... while a select_one can */
	f = load("survey,,,\n,type,name,label\n,select_one l,m,M\n"
	    "choices,,,\n,list_name,name,label\n,l,two words,T\n");
	form_free(f);
	/* hot_infrastructure.csv: an empty choices sheet; hot_toilets: version as a date-time */
	f = load("survey,,,\n,type,name,label\n,text,a,A\nchoices,\n,list name\n"
	    "settings,,,,\n,form_title,form_id,version,allow_choice_duplicates\n"
	    ",Toilets,Spec test,2023-05-10 09:49:47,yes\n");
	assert_string_equal(form_id(f), "Spec test");
	assert_string_equal(form_version(f), "2023-05-10 09:49:47");
	assert_string_equal(form_title(f, NULL), "Toilets");
	form_free(f);
	/* a header on the sheet name's row */
	f = load("survey,type,name,label\n,text,a,A\nchoices,list_name,name,label\n"
	    "settings,form_id\n,tight\n");
	assert_string_equal(form_id(f), "tight");
	assert_int_equal(form_question_count(f), 1);
	form_free(f);
	/* pyx_or_other.csv: or_other adds "other" and the text question pyxform generates */
	f = load("survey,,,\n,type,name,label\n,select_one colors or_other,fav_color,Colour?\n"
	    ",select_one colors,plain,Plain?\n"
	    "choices,,,\n,list name,name,label\n,colors,red,red\n,colors,blue,blue\n");
	assert_int_equal(form_question_count(f), 3);
	assert_string_equal(form_question_name(f, 1), "fav_color_other");
	assert_int_equal(form_choice_count(f, 0), 3);
	assert_string_equal(form_choice_name(f, 0, 2), "other");
	assert_int_equal(form_choice_count(f, 2), 2);  /* the list itself is unchanged */
	s = form_session_new(f, NULL);
	assert_false(form_session_relevant(s, 1));
	set_ok(s, "fav_color", "other");
	assert_true(form_session_relevant(s, 1));
	set_ok(s, "fav_color_other", "teal");
	m = set_fails(s, "plain", "other");
	free(m);
	form_session_free(s);
	form_free(f);
	/* ona_childrens_survey_unicode.csv: one name in two groups; keys are paths */
	f = load("survey,,,\n,type,name,label\n,begin group,child,Child\n,text,name,Name\n"
	    ",end group,,\n,begin group,parent,Parent\n,text,name,Name\n,end group,,\n");
	assert_string_equal(form_question_key(f, 1), "child/name");
	assert_string_equal(form_question_key(f, 4), "parent/name");
	assert_int_equal(form_question_index(f, "parent/name"), 4);
	form_free(f);
	expect_fail("survey,,,,\n,type,name,label,relevant\n,begin group,child,Child,\n"
	    ",text,name,Name,\n,end group,,,\n,begin group,parent,Parent,\n,text,name,Name,\n"
	    ",end group,,,\n,text,x,X,${name} != ''\n",
	    "9:11: relevant of 'x': '${name}' is ambiguous");
	expect_fail("survey,,,\n,type,name,label\n,text,name,A\n,text,name,B\n",
	    "4:7: duplicate name 'name' (first at line 3)");
	/* widgets.csv: barcode is text, audio/video/file are attachments */
	f = load("survey,,,\n,type,name,label\n,barcode,code,C\n,audio,au,A\n,video,vi,V\n"
	    ",file,fi,F\n");
	assert_int_equal(form_question_type(f, 0), FORM_TEXT);
	assert_int_equal(form_question_type(f, 1), FORM_PHOTO);
	assert_int_equal(form_question_type(f, 3), FORM_PHOTO);
	form_free(f);
	/* widgets.csv's bind:readonly, and an expression as pyxform allows */
	f = load("survey,,,,\n,type,name,label,readonly,default\n,text,fixed,F,true(),set\n"
	    ",select_one yn,lock,Lock,,\n,text,note,Note,${lock} = 'yes',\n"
	    "choices,,,\n,list_name,name,label\n,yn,yes,Yes\n,yn,no,No\n");
	s = form_session_new(f, NULL);
	assert_string_equal(form_session_get(s, 0), "set");
	m = set_fails(s, "fixed", "other");
	assert_string_equal(m, "'fixed' is read-only: the form sets it");
	free(m);
	set_ok(s, "note", "typed");
	set_ok(s, "lock", "yes");
	assert_true(form_session_readonly(s, 2));
	m = set_fails(s, "note", "retyped");
	free(m);
	form_session_free(s);
	form_free(f);
	expect_fail("survey,,,\n,type,name,label\n,audit,audit,\n",
	    "3:2: unsupported question type 'audit' (fieldcheck keeps no log");
}

/* ---- ${name} in labels, hints, notes and messages ---- */

static void
test_text_substitution(void **state)
{
	/* pyx_xlsform_spec_test.csv: "Your name is ${my_name}", "${calculate_test}" */
	struct form *f;
	struct form_session *s;
	char *t;

	(void)state;
	f = load("survey,,,,,,,\n"
	    ",type,name,label::English (en),label::中文 (zh),calculation,constraint,constraint_message::English (en)\n"
	    ",text,my_name,Name,名字,,,\n"
	    ",note,greet,\"Your name is ${my_name}, ${nobody}\",你好 ${my_name},,,\n"
	    ",calculate,calculate_test,,,2+2,,\n"
	    ",note,out,2+2 = ${calculate_test},,,,\n"
	    ",select_one lamp,kind,Kind,种类,,,\n"
	    ",select_multiple lamp,kinds,Kinds,种类,,,\n"
	    ",integer,n,\"How many ${kind}?\",,,. <= 3,\"${kind}: at most 3\"\n"
	    "choices,,,,\n,list_name,name,label::English (en),label::中文 (zh)\n"
	    ",lamp,led,LED lamp,LED 灯\n,lamp,sodium,Sodium lamp,钠灯\n");
	s = form_session_new(f, "en");
	set_ok(s, "my_name", "Wang");
	t = form_session_label(s, (size_t)qi(f, "greet"));
	assert_string_equal(t, "Your name is Wang, ${nobody}");
	free(t);
	t = form_session_label(s, (size_t)qi(f, "out"));
	assert_string_equal(t, "2+2 = 4");
	free(t);
	set_ok(s, "kind", "sodium");
	set_ok(s, "kinds", "led sodium");
	t = form_session_label(s, (size_t)qi(f, "n"));
	assert_string_equal(t, "How many Sodium lamp?");
	free(t);
	t = form_session_render(s, "${kinds}");
	assert_string_equal(t, "LED lamp, Sodium lamp");
	free(t);
	t = set_fails(s, "n", "5");
	assert_string_equal(t, "Sodium lamp: at most 3");
	free(t);
	form_session_set_language(s, "zh");
	t = form_session_label(s, (size_t)qi(f, "greet"));
	assert_string_equal(t, "你好 Wang");
	free(t);
	t = form_session_render(s, "${kind}");
	assert_string_equal(t, "钠灯");
	free(t);
	form_session_free(s);
	form_free(f);
}

/* ---- Metadata, dynamic defaults, ${last-saved#x} ---- */

static void
test_metadata_and_defaults(void **state)
{
	/* hot_parking_survey.csv's metadata rows, and suas_Pilot_Log_Book.csv's */
	struct form *f = load("survey,,,,\n,type,name,label,default\n"
	    ",start,start,,\n,end,end,,\n,today,today,,\n,deviceid,deviceid,,\n"
	    ",subscriberid,subscriberid,subscriberid,\n,simserial,simserial,,\n"
	    ",phonenumber,phonenumber,,\n,username,username,username,\n"
	    ",start-geopoint,here,,\n,email,email,,\n,imei,imei,,\n"
	    ",integer,x,X,\n,integer,triple,Triple,${x}*3\n"
	    ",text,street,Street,${last-saved#street}\n"
	    ",date,visit,Visit,today()\n");
	struct form_session *s = form_session_new(f, NULL);
	struct form *f2;
	char today[16];
	time_t now = time(NULL);
	struct tm tm;
	const char *start;

	(void)state;
	localtime_r(&now, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	assert_int_equal(form_question_type(f, 0), FORM_CALCULATE);
	start = form_session_get(s, (size_t)qi(f, "start"));
	assert_int_equal(strncmp(start, today, 10), 0);
	assert_int_equal(strlen(start), 29);  /* 2026-11-29T22:14:05.000+08:00 */
	assert_string_equal(form_session_get(s, (size_t)qi(f, "today")), today);
	assert_string_equal(form_session_get(s, (size_t)qi(f, "phonenumber")), "");
	form_session_set_identity(s, "hh-07", "wang");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "deviceid")), "hh-07");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "username")), "wang");
	form_session_offer_position(s, "31.2 121.4 5 4");
	form_session_offer_position(s, "31.3 121.5 5 4");  /* the first fix stays */
	assert_string_equal(form_session_get(s, (size_t)qi(f, "here")), "31.2 121.4 5 4");
	form_session_set_last_saved(s, "street", "解放路");
	/* a dynamic default is evaluated when its question is first shown */
	set_ok(s, "x", "4");
	for (size_t q = 0; q < form_question_count(f); q++)
		form_session_show(s, q);
	assert_string_equal(form_session_get(s, (size_t)qi(f, "triple")), "12");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "street")), "解放路");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "visit")), today);
	/* ... once: a changed x or a cleared answer does not bring it back */
	set_ok(s, "x", "5");
	set_ok(s, "street", "");
	form_session_show(s, (size_t)qi(f, "street"));
	assert_string_equal(form_session_get(s, (size_t)qi(f, "triple")), "12");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "street")), "");
	form_session_free(s);
	/* a question shown while it does not apply gets its default once it does */
	f2 = load("survey,,,,,\n,type,name,label,default,relevant\n,integer,x,X,,\n"
	    ",integer,twice,Twice,${x}*2,${x} > 0\n");
	s = form_session_new(f2, NULL);
	form_session_show(s, 1);
	set_ok(s, "x", "4");
	form_session_show(s, 1);
	assert_string_equal(form_session_get(s, 1), "8");
	form_session_free(s);
	form_free(f2);
	/* no last saved record: the default is empty, never the literal text */
	s = form_session_new(f, NULL);
	/* a resumed draft keeps its start; answers are not metadata */
	form_session_restore_meta(s, "start", "2026-01-02T03:04:05.000+08:00");
	form_session_restore_meta(s, "x", "9");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "start")),
	    "2026-01-02T03:04:05.000+08:00");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "x")), "");
	form_session_show(s, (size_t)qi(f, "street"));
	assert_string_equal(form_session_get(s, (size_t)qi(f, "street")), "");
	form_session_free(s);
	form_free(f);
}

/* ---- choice_filter: cascading selects ---- */

static void
test_choice_filter(void **state)
{
	/* pyx_choice_filter_test.csv, with allow_choice_duplicates: king is in two states */
	struct form *f = load("survey,,,,\n"
	    ",type,name,label,choice_filter\n"
	    ",select_one states,state,state,\n"
	    ",select_one counties,county,county,${state}=cf\n"
	    ",select_one cities,city,city,${county}=cf\n"
	    "choices,,,,\n,list_name,name,label,cf\n"
	    ",states,texas,Texas,\n,states,washington,Washington,\n"
	    ",counties,king,King,washington\n,counties,pierce,Pierce,washington\n"
	    ",counties,king,King,texas\n,counties,cameron,Cameron,texas\n"
	    ",cities,dumont,Dumont,king\n,cities,brownsville,brownsville,cameron\n"
	    ",cities,tacoma,Tacoma,pierce\n"
	    "settings,,,\n,form_title,form_id,allow_choice_duplicates\n"
	    ",cascading selects,cascading_selects1,yes\n");
	struct form_session *s = form_session_new(f, NULL);
	size_t county = (size_t)qi(f, "county");
	char *m;

	(void)state;
	assert_int_equal(form_choice_count(f, county), 4);
	/* nothing chosen yet: ${state} is '' and no county matches, as in ODK */
	assert_false(form_session_choice_offered(s, county, 0));
	set_ok(s, "state", "texas");
	assert_false(form_session_choice_offered(s, county, 1));  /* pierce */
	assert_true(form_session_choice_offered(s, county, 2));   /* king of texas */
	assert_true(form_session_choice_offered(s, county, 3));
	m = set_fails(s, "county", "pierce");
	assert_string_equal(m, "'county': 'pierce' is not offered with the answers given "
	    "(choice_filter: ${state}=cf)");
	free(m);
	set_ok(s, "county", "cameron");
	set_ok(s, "city", "brownsville");
	m = set_fails(s, "city", "tacoma");
	free(m);
	set_ok(s, "county", "king");
	set_ok(s, "city", "dumont");
	/* another state: the county chosen before is no longer offered */
	set_ok(s, "state", "washington");
	set_ok(s, "county", "pierce");
	{
		size_t bad;

		assert_int_equal(form_session_check_all(s, &bad, &m), -1);
		assert_int_equal(bad, (size_t)qi(f, "city"));
		assert_non_null(strstr(m, "'dumont' is not offered"));
		free(m);
	}
	form_session_free(s);
	form_free(f);
	/* pyx_or_other.csv writes pastel=yes: a bare word where 'yes' was meant */
	expect_fail("survey,,,,\n,type,name,label,choice_filter\n"
	    ",select_one colors,fav_pastel,Pastel?,pastel=yes\n"
	    "choices,,,,\n,list name,name,label,pastel\n,colors,red,red,no\n"
	    ",colors,mauve,mauve,yes\n",
	    "3:46: choice_filter of 'fav_pastel': 'yes' is not a column of the choices sheet");
	/* ona_subdistrict_profiling_tool.csv: a filter on a text question means nothing */
	form_free(load("survey,,,,\n,type,name,label,choice_filter\n,text,t,T,x = 1\n"));
}

/* A light-pole inspection asks only the light-pole hazards. */
static void
test_urban_furniture_by_type(void **state)
{
	static const char *hazards[] = { "shelter_damage", "newsstand_damage",
	    "guardrail_damage", "pole_tilt", "light_out", "sign_fall_risk", "cable_mess" };
	struct form *f = form_load(TOP_DIR "/forms/checklists/urban_furniture.csv", NULL, NULL);
	struct form_session *s;
	char asked[256] = "";

	(void)state;
	assert_non_null(f);
	s = form_session_new(f, NULL);
	/* before the type is chosen, every hazard is asked */
	for (size_t i = 0; i < 7; i++)
		assert_true(form_session_relevant(s, (size_t)qi(f, hazards[i])));
	set_ok(s, "furniture_type", "light_pole");
	for (size_t i = 0; i < 7; i++)
		if (form_session_relevant(s, (size_t)qi(f, hazards[i])))
			snprintf(asked + strlen(asked), sizeof asked - strlen(asked), "%s ", hazards[i]);
	assert_string_equal(asked, "pole_tilt light_out ");
	set_ok(s, "pole_tilt", "severe");
	set_ok(s, "tilt_deg", "12");
	/* another type drops the light-pole answers, as ODK drops irrelevant ones */
	set_ok(s, "furniture_type", "bus_shelter");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "pole_tilt")), "");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "tilt_deg")), "");
	assert_true(form_session_relevant(s, (size_t)qi(f, "shelter_damage")));
	form_session_free(s);
	form_free(f);
}

/* ---- parameters, range, trigger ---- */

static void
test_parameters_range_trigger(void **state)
{
	/* pete_landCoverTemplate.csv's rows; hot_toilets.csv's trigger */
	struct form *f = load("survey,,,,,\n,type,name,label,parameters,calculation,trigger\n"
	    ",image,site-photo,Photo,max-pixels=1536,,\n"
	    ",geopoint,site-location,Where,capture-accuracy=10,,\n"
	    ",range,site-distance,Distance,start=0;end=500;step=50,,\n"
	    ",range,stars,Stars,,,\n"
	    ",text,existing,Existing,,,\n"
	    ",calculate,xid,,,\"concat('osm-', ${existing})\",${existing}\n"
	    ",text,name,Name,,,${existing}\n");
	struct form_session *s = form_session_new(f, NULL);
	char *m;

	(void)state;
	assert_string_equal(form_question_parameter(f, 0, "max-pixels"), "1536");
	assert_string_equal(form_question_parameter(f, 1, "capture-accuracy"), "10");
	assert_null(form_question_parameter(f, 0, "capture-accuracy"));
	assert_int_equal(form_question_type(f, 2), FORM_DECIMAL);
	set_ok(s, "site-distance", "150");
	m = set_fails(s, "site-distance", "160");
	assert_string_equal(m, "'site-distance' needs a number from 0 to 500 in steps of 50, "
	    "not '160'");
	free(m);
	m = set_fails(s, "site-distance", "550");
	free(m);
	set_ok(s, "stars", "10");  /* ODK's defaults: 1 to 10 by 1 */
	m = set_fails(s, "stars", "0");
	free(m);
	/* a trigger: xid is computed when existing changes, name is cleared */
	set_ok(s, "name", "Old toilet");
	set_ok(s, "existing", "42");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "xid")), "osm-42");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "name")), "");
	set_ok(s, "name", "New toilet");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "name")), "New toilet");
	form_session_free(s);
	form_free(f);
	expect_fail("survey,,,,\n,type,name,label,parameters\n,text,t,T,max-pixels=10\n",
	    "3:11: parameters of 't': 'max-pixels' does not apply to this type");
	expect_fail("survey,,,,\n,type,name,label,parameters\n,range,r,R,start=5;end=5\n",
	    "a range needs start != end and a step above 0");
	expect_fail("survey,,,,\n,type,name,label,trigger\n,text,t,T,${nope}\n",
	    "3:11: trigger of 't': unknown question '${nope}'");
}

/* suas_Pilot_Log_Book.csv: a constraint that names its own question sees the new answer. */
static void
test_constraint_names_itself(void **state)
{
	struct form *f = load("survey,,,,\n,type,name,label,constraint\n"
	    ",decimal,Flight_Time,Flight time,${Flight_Time}<=1.0\n");
	struct form_session *s = form_session_new(f, NULL);
	char *m;

	(void)state;
	set_ok(s, "Flight_Time", "0.5");
	m = set_fails(s, "Flight_Time", "1.5");
	free(m);
	assert_string_equal(form_session_get(s, 0), "0.5");
	form_session_free(s);
	form_free(f);
}

/* ---- ODK's rules, as a table of cases from JavaRosa's documented semantics ---- */

static void
test_odk_semantics_table(void **state)
{
	static const struct {
		const char *expr, *fav, *fav_other, *n, *d, *want;
	} cases[] = {
		/* selected() and = on or_other */
		{ "selected(${fav}, 'other')", "other", "kiwi", NULL, NULL, "true" },
		{ "${fav} = 'other' and ${fav_other} = 'kiwi'", "other", "kiwi", NULL, NULL, "true" },
		{ "selected(${fav}, 'other')", "apple", NULL, NULL, NULL, "false" },
		{ "coalesce(${fav_other}, 'none')", "apple", NULL, NULL, NULL, "none" },
		/* empty answers: '' in text, false in < > comparisons, NaN in arithmetic */
		{ "${n} = ''", NULL, NULL, NULL, NULL, "true" },
		{ "${n} > 5 or ${n} < 5", NULL, NULL, NULL, NULL, "false" },
		{ "${n} + 1", NULL, NULL, NULL, NULL, "" },
		{ "string-length(${fav})", NULL, NULL, NULL, NULL, "0" },
		/* numbers compare as numbers, even when one side is a string */
		{ "${n} = '7.0'", NULL, NULL, "7", NULL, "true" },
		{ "${n} > '10'", NULL, NULL, "9", NULL, "false" },
		{ "${n} != 7", NULL, NULL, "7", NULL, "false" },
		/* dates order as text and subtract as days */
		{ "${d} < '2026-03-01'", NULL, NULL, NULL, "2026-02-28", "true" },
		{ "${d} - '2026-02-01'", NULL, NULL, NULL, "2026-02-28", "27" },
		{ "${d} <= today()", NULL, NULL, NULL, "2026-02-28", "true" },
		{ "if(${d} = '', 'no date', format-date(${d}, '%e %b'))", NULL, NULL, NULL,
		    "2026-02-08", "8 Feb" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *csv = xasprintf("survey,,,,\n,type,name,label,calculation\n"
		    ",select_one fruit or_other,fav,Fruit,\n,integer,n,N,\n,date,d,D,\n"
		    ",calculate,r,,\"%s\"\n"
		    "choices,,,\n,list_name,name,label\n,fruit,apple,Apple\n", cases[i].expr);
		struct form *f = load(csv);
		struct form_session *s = form_session_new(f, NULL);

		if (cases[i].fav != NULL)
			set_ok(s, "fav", cases[i].fav);
		if (cases[i].fav_other != NULL)
			set_ok(s, "fav_other", cases[i].fav_other);
		if (cases[i].n != NULL)
			set_ok(s, "n", cases[i].n);
		if (cases[i].d != NULL)
			set_ok(s, "d", cases[i].d);
		if (strcmp(form_session_get(s, (size_t)qi(f, "r")), cases[i].want) != 0)
			fail_msg("%s: got '%s', want '%s'", cases[i].expr,
			    form_session_get(s, (size_t)qi(f, "r")), cases[i].want);
		form_session_free(s);
		form_free(f);
		free(csv);
	}
}

/* select_one_from_file: the choices of a CSV beside the form. */
static void
test_select_from_file(void **state)
{
	char dir[] = "/tmp/fieldcheck-fromfile-XXXXXX", *p, *cmd;
	struct form *f;
	struct form_session *s;
	FILE *fp;
	char *m;

	(void)state;
	assert_non_null(mkdtemp(dir));
	p = xasprintf("%s/streets.csv", dir);
	assert_non_null(fp = fopen(p, "w"));
	fputs("name,label,district\njiefang,Jiefang Rd,1\nzhongshan,Zhongshan Rd,2\n", fp);
	fclose(fp);
	free(p);
	p = xasprintf("%s/walk.csv", dir);
	assert_non_null(fp = fopen(p, "w"));
	fputs("survey,type,name,label\n,select_one_from_file streets.csv,street,Street\n"
	    ",select_multiple_from_file streets.csv,also,Also\n"
	    ",select_one_from_file missing.csv,gone,Gone\n", fp);
	fclose(fp);
	{
		struct diags d = { .text = "" };

		assert_null(form_load(p, collect, &d));
		assert_non_null(strstr(d.text, "4:2: 'missing.csv': cannot be read beside the form"));
	}
	assert_non_null(fp = fopen(p, "w"));
	fputs("survey,type,name,label,calculation\n"
	    ",select_one_from_file streets.csv,street,Street,\n"
	    ",select_multiple_from_file streets.csv,also,Also,\n"
	    ",calculate,district,,\"pulldata('streets', 'district', 'name', ${street})\"\n", fp);
	fclose(fp);
	f = form_load(p, NULL, NULL);
	assert_non_null(f);
	assert_int_equal(form_choice_count(f, 0), 2);
	assert_string_equal(form_choice_label(f, 0, 1, NULL), "Zhongshan Rd");
	s = form_session_new(f, NULL);
	set_ok(s, "street", "jiefang");
	assert_string_equal(form_session_get(s, 2), "1");
	set_ok(s, "street", "zhongshan");
	assert_string_equal(form_session_get(s, 2), "2");
	set_ok(s, "also", "jiefang zhongshan");
	m = set_fails(s, "street", "nanjing");
	free(m);
	form_session_free(s);
	form_free(f);
	/* liberia_CoverageVillageForm.csv's pulldata() without its sampleList.csv */
	assert_non_null(fp = fopen(p, "w"));
	fputs("survey,type,name,label,calculation\n"
	    ",calculate,map,,\"pulldata('sampleList', 'gmap',  'EFEACODE', 1)\"\n", fp);
	fclose(fp);
	{
		struct diags d = { .text = "" };

		assert_null(form_load(p, collect, &d));
		assert_non_null(strstr(d.text, "2:18: calculation of 'map': pulldata(): no column "
		    "'gmap' or 'EFEACODE' in 'sampleList.csv' beside the form"));
	}
	free(p);
	expect_fail("survey,type,name,label\n,select_one_from_file toilets.geojson,t,T\n",
	    "2:2: 'toilets.geojson': only a CSV file beside the form is read for choices");
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/*
 * A FIFO beside a form, for select_one_from_file or pulldata(), is refused at
 * once: opened plainly it would block the whole form library's load.  The
 * alarm turns such a hang into a failed test.
 */
static void
test_fifo_beside(void **state)
{
	char dir[] = "/tmp/fieldcheck-fifo-XXXXXX", *p, *fifo, *cmd;
	static const char *const forms[] = {
		"survey,type,name,label\n,select_one_from_file streets.csv,street,Street\n",
		"survey,type,name,label,calculation\n"
		",calculate,d,,\"pulldata('streets', 'district', 'name', 'x')\"\n",
	};
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	fifo = xasprintf("%s/streets.csv", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	p = xasprintf("%s/walk.csv", dir);
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		struct diags d = { .text = "" };

		assert_non_null(fp = fopen(p, "w"));
		fputs(forms[i], fp);
		fclose(fp);
		alarm(20);
		assert_null(form_load(p, collect, &d));
		alarm(0);
		if (i == 0)
			assert_non_null(strstr(d.text,
			    "'streets.csv': cannot be read beside the form (not a regular file)"));
		else
			assert_non_null(strstr(d.text, "pulldata()"));
	}
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(p);
	free(fifo);
}

/* geotrace and geoshape: ODK's text of points, checked, and measured by distance() and area(). */
static void
test_lines_and_shapes(void **state)
{
	struct form *f = load("survey,,,\n,type,name,label,calculation\n"
	    ",geotrace,kerb,Kerb,\n,geoshape,plot,Plot,\n"
	    ",calculate,len,,round(distance(${kerb}))\n,calculate,m2,,round(area(${plot}))\n");
	struct form_session *s = form_session_new(f, NULL);
	char *m;

	(void)state;
	assert_int_equal(form_question_type(f, 0), FORM_TEXT);
	set_ok(s, "kerb", "31 121 0 0;31 121.001 0 0");
	assert_string_equal(form_session_get(s, 2), "95");
	set_ok(s, "plot", "31 121 0 0;31 121.001 0 0;31.001 121.001 0 0;31.001 121 0 0;31 121 0 0");
	assert_string_equal(form_session_get(s, 3), "10598");
	m = set_fails(s, "kerb", "31 121");
	assert_non_null(strstr(m, "a line (at least 2 points)"));
	free(m);
	m = set_fails(s, "plot", "31 121;31 122;32 122;32 121");  /* not closed */
	assert_non_null(strstr(m, "a closed shape"));
	free(m);
	m = set_fails(s, "kerb", "31 121;95 121");
	free(m);
	form_session_free(s);
	form_free(f);
}

/* Collects a session's answers as "key=value;" for comparison. */
static void
join_answer(void *ctx, const char *key, const char *value)
{
	struct fc_buf *b = ctx;

	fc_buf_append(b, key, strlen(key));
	fc_buf_append(b, "=", 1);
	fc_buf_append(b, value, strlen(value));
	fc_buf_append(b, ";", 1);
}

static char *
answers_of(const struct form_session *s)
{
	struct fc_buf b = { 0 };

	form_session_answers(s, join_answer, &b);
	return b.data != NULL ? b.data : xstrdup("");
}

/*
 * Repeats as javarosa evaluates them: ${x} inside an entry is that entry's
 * x; from outside, count(), sum() and indexed-repeat() read every entry and
 * a bare ${x} the first; position(..) is the entry's 1-based index.
 */
static void
test_repeats(void **state)
{
	struct form *f = load(
	    "survey\n"
	    ",type,name,label,relevant,calculation,constraint,repeat_count\n"
	    ",text,bridge,Bridge,,,,\n"
	    ",begin_repeat,cracks,Cracks,,,,\n"
	    ",decimal,length,Length,,,. > 0,\n"
	    ",text,why,Why so long,${length} > 2,,,\n"
	    ",begin_group,g,More,,,,\n"
	    ",select_one sev,severity,Severity,,,,\n"
	    ",end_group,,,,,,\n"
	    ",calculate,pos,,,position(..),,\n"
	    ",end_repeat,,,,,,\n"
	    ",calculate,n,,,count(${cracks}),,\n"
	    ",calculate,total,,,sum(${length}),,\n"
	    ",calculate,second,,,\"indexed-repeat(${length}, ${cracks}, 2)\",,\n"
	    ",calculate,first,,,${length},,\n"
	    "choices\n,list_name,name,label\n,sev,minor,Minor\n,sev,severe,Severe\n");
	struct form_session *s = form_session_new(f, NULL);
	long r = qi(f, "cracks"), len = qi(f, "length"), why = qi(f, "why");
	size_t e, bad;
	char *m = NULL, *a;

	(void)state;
	assert_true(form_question_is_repeat(f, (size_t)r));
	assert_int_equal(form_question_repeat(f, (size_t)len), r);
	assert_int_equal(form_question_repeat(f, (size_t)qi(f, "bridge")), -1);
	assert_int_equal(form_question_locate(f, "cracks[3]/severity", &e), qi(f, "severity"));
	assert_int_equal(e, 2);
	assert_int_equal(form_question_locate(f, "cracks[0]/length", &e), -1);
	assert_int_equal(form_question_locate(f, "nope[1]/length", &e), -1);
	assert_int_equal(form_question_index(f, "cracks[1]/length"), len);
	assert_int_equal(form_session_entry_count(s, (size_t)r), 0);
	assert_false(form_session_relevant(s, (size_t)len));
	assert_string_equal(form_session_get(s, (size_t)qi(f, "n")), "0");

	set_ok(s, "bridge", "Nanpu");
	set_ok(s, "cracks[1]/length", "3.5");
	set_ok(s, "cracks[2]/length", "1");
	set_ok(s, "cracks[2]/severity", "minor");
	assert_int_equal(form_session_entry_count(s, (size_t)r), 2);
	/* the entry's own length decides: relevant in entry 1, not in entry 2 */
	assert_int_equal(form_session_entry(s, (size_t)r), 1);
	assert_false(form_session_relevant(s, (size_t)why));
	form_session_select_entry(s, (size_t)r, 0);
	assert_true(form_session_relevant(s, (size_t)why));
	assert_string_equal(form_session_get(s, (size_t)qi(f, "pos")), "1");
	assert_int_equal(form_session_set(s, "cracks[2]/why", "wide", &m), -1);
	assert_non_null(strstr(m, "does not apply"));
	free(m);
	m = NULL;
	assert_int_equal(form_session_set(s, "cracks[1]/length", "-1", &m), -1);
	free(m);
	m = NULL;
	assert_string_equal(form_session_get(s, (size_t)qi(f, "n")), "2");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "total")), "4.5");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "second")), "1");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "first")), "3.5");
	a = answers_of(s);
	assert_string_equal(a, "bridge=Nanpu;cracks[1]/length=3.5;cracks[1]/pos=1;"
	    "cracks[2]/length=1;cracks[2]/severity=minor;cracks[2]/pos=2;n=2;total=4.5;"
	    "second=1;first=3.5;");
	free(a);

	/* an empty length makes the sum NaN, as javarosa's sum() over nodes does */
	assert_int_equal(form_session_add_entry(s, (size_t)r, &m), 0);
	assert_int_equal(form_session_entry(s, (size_t)r), 2);
	assert_string_equal(form_session_get(s, (size_t)qi(f, "total")), "");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "pos")), "3");
	assert_int_equal(form_session_check_all(s, &bad, &m), 0);

	/* deleting the first entry renumbers the others */
	assert_int_equal(form_session_delete_entry(s, (size_t)r, 0, &m), 0);
	assert_int_equal(form_session_entry_count(s, (size_t)r), 2);
	form_session_select_entry(s, (size_t)r, 0);
	assert_string_equal(form_session_get(s, (size_t)len), "1");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "pos")), "1");
	assert_string_equal(form_session_get(s, (size_t)qi(f, "first")), "1");
	assert_int_equal(form_session_delete_entry(s, (size_t)r, 5, &m), -1);
	free(m);
	form_session_free(s);
	form_free(f);
}

/* repeat_count fixes the entries, from an answer as it changes; required holds per entry. */
static void
test_repeat_count(void **state)
{
	struct form *f = load(
	    "survey\n"
	    ",type,name,label,required,repeat_count,relevant\n"
	    ",integer,kids,How many,,,\n"
	    ",begin repeat,child,Child,,${kids},\n"
	    ",begin group,guard,Check,,,position(..) <= 2\n"
	    ",integer,age,Age,yes,,\n"
	    ",end group,,,,,\n"
	    ",end repeat,,,,,\n");
	struct form_session *s = form_session_new(f, NULL);
	long r = qi(f, "child"), age = qi(f, "age");
	size_t bad;
	char *m = NULL, *a;

	(void)state;
	assert_true(form_repeat_counted(f, (size_t)r));
	assert_int_equal(form_session_entry_count(s, (size_t)r), 0);
	set_ok(s, "kids", "3");
	assert_int_equal(form_session_entry_count(s, (size_t)r), 3);
	assert_int_equal(form_session_add_entry(s, (size_t)r, &m), -1);
	assert_non_null(strstr(m, "repeat_count"));
	free(m);
	m = NULL;
	assert_int_equal(form_session_set(s, "child[4]/age", "3", &m), -1);
	assert_non_null(strstr(m, "has 3 entries"));
	free(m);
	m = NULL;
	set_ok(s, "child[1]/age", "4");
	/* entry 2 is required and empty; entry 3 is past the guard, so not asked */
	assert_int_equal(form_session_check_all(s, &bad, &m), -1);
	assert_int_equal(bad, age);
	assert_non_null(strstr(m, "child[2]: "));
	free(m);
	m = NULL;
	form_session_select_entry(s, (size_t)r, 2);
	assert_false(form_session_relevant(s, (size_t)age));
	set_ok(s, "child[2]/age", "7");
	assert_int_equal(form_session_check_all(s, &bad, &m), 0);
	set_ok(s, "kids", "1");
	assert_int_equal(form_session_entry_count(s, (size_t)r), 1);
	a = answers_of(s);
	assert_string_equal(a, "kids=1;child[1]/age=4;");
	free(a);
	form_session_free(s);
	form_free(f);
}

/*
 * A loop over a list, as pyxform expands it: a group per choice, with
 * %(name)s and %(label)s of the choice in the loop's cells; messages point
 * at the loop's own rows.
 */
static void
test_loops(void **state)
{
	struct form *f = load(
	    "survey\n"
	    ",type,name,label,relevant\n"
	    ",select_multiple t,types,Types,\n"
	    ",begin loop over t,each,Each,\n"
	    ",integer,count,How many %(label)s?,\"selected(${types}, '%(name)s')\"\n"
	    ",end loop,,,\n"
	    "choices\n,list_name,name,label\n,t,bus,Buses\n,t,taxi,Taxis\n");
	struct form_session *s = form_session_new(f, "en");
	long bus = qi(f, "each/bus/count"), taxi = qi(f, "each/taxi/count");
	char *label;

	(void)state;
	assert_int_equal(form_question_type(f, (size_t)qi(f, "each")), FORM_BEGIN_GROUP);
	assert_string_equal(form_question_label(f, (size_t)qi(f, "taxi"), NULL), "Taxis");
	label = form_session_label(s, (size_t)bus);
	assert_string_equal(label, "How many Buses?");
	free(label);
	set_ok(s, "types", "taxi");
	assert_false(form_session_relevant(s, (size_t)bus));
	assert_true(form_session_relevant(s, (size_t)taxi));
	set_ok(s, "each/taxi/count", "4");
	form_session_free(s);
	form_free(f);

	/* an error in a loop's row is reported there, once per choice */
	expect_fail("survey\n,type,name,label,relevant\n,begin loop over t,each,,\n"
	    ",integer,count,N,${nope}\n,end loop,,,\nchoices\n,list_name,name\n,t,a\n",
	    "4:18: relevant of 'count': unknown question '${nope}'");
	expect_fail("survey\n,type,name\n,begin loop over nolist,each\n,text,x\n,end loop,\n",
	    "3:2: unsupported question type 'begin loop'");
	expect_fail("survey\n,type,name\n,begin loop over t,a\n,begin loop over t,b\n,text,x\n"
	    ",end loop,\n,end loop,\nchoices\n,list_name,name\n,t,x\n",
	    "unsupported question type 'begin loop'");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regex_limits),
		cmocka_unit_test(test_wrong_refusals),
		cmocka_unit_test(test_text_substitution),
		cmocka_unit_test(test_metadata_and_defaults),
		cmocka_unit_test(test_choice_filter),
		cmocka_unit_test(test_urban_furniture_by_type),
		cmocka_unit_test(test_parameters_range_trigger),
		cmocka_unit_test(test_constraint_names_itself),
		cmocka_unit_test(test_odk_semantics_table),
		cmocka_unit_test(test_select_from_file),
		cmocka_unit_test(test_fifo_beside),
		cmocka_unit_test(test_lines_and_shapes),
		cmocka_unit_test(test_repeats),
		cmocka_unit_test(test_repeat_count),
		cmocka_unit_test(test_loops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
