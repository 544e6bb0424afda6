/*
 * libFuzzer harness for the expression parser and evaluator: the input is
 * the text of a calculation (and, after a NUL, of a constraint) in a fixed
 * form with questions of several types; whatever parses is evaluated with a
 * few sets of answers, and again inside and around two repeats.  Leak-free
 * and deterministic.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forms/forms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Appends text as one CSV cell, quotes doubled. */
static size_t
put_cell(char *out, size_t at, const uint8_t *s, size_t n)
{
	out[at++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			out[at++] = '"';
		out[at++] = (char)s[i];
	}
	out[at++] = '"';
	return at;
}

/*
 * A form of the literal parts with the expression as a cell between each
 * two, loaded.  NULL when it does not load (or memory runs out).
 */
static struct form *
form_around(const char *name, const char *const *parts, size_t nparts, const uint8_t *expr,
    size_t n)
{
	size_t cap = 16, at = 0;
	char *buf;
	struct form *f;

	for (size_t i = 0; i < nparts; i++)
		cap += strlen(parts[i]) + 2 * n + 2;
	if ((buf = malloc(cap)) == NULL)
		return NULL;
	for (size_t i = 0; i < nparts; i++) {
		if (i > 0)
			at = put_cell(buf, at, expr, n);
		memcpy(buf + at, parts[i], strlen(parts[i]));
		at += strlen(parts[i]);
	}
	f = form_load_buffer(name, buf, at, NULL, NULL);
	free(buf);
	return f;
}

/*
 * The expression again as a dynamic default, a choice_filter (where bare
 * names are choice columns) and the text of a label, with a last saved
 * record: the paths of ${last-saved#x}, once(), PCRE2 patterns and ${name}
 * rendering.
 */
static void
second_uses(const uint8_t *expr, size_t n)
{
	/* the expression is d's label, d's default and s's choice_filter */
	static const char *const parts[] = {
		"survey\n,type,name,label,default,choice_filter\n"
		",text,a,,,\n,select_multiple l,m,,,\n,text,d,", ",", ",\n,select_one l,s,,,",
		"\nchoices\n,list_name,name,label,k\n,l,x,X,1\n,l,y,Y,2\n",
	};
	struct form *f = form_around("fuzz2.csv", parts, 4, expr, n);

	if (f != NULL) {
		struct form_session *s = form_session_new(f, NULL);
		char *msg = NULL, *text;

		form_session_set_last_saved(s, "a", "prev");
		form_session_set_last_saved(s, "d", "12");
		if (form_session_set(s, "a", "x", &msg) != 0)
			free(msg), msg = NULL;
		if (form_session_set(s, "m", "x y", &msg) != 0)
			free(msg), msg = NULL;
		for (size_t q = 0; q < form_question_count(f); q++)
			form_session_show(s, q);
		text = form_session_label(s, 2);
		free(text);
		(void)form_session_choice_offered(s, 3, 0);
		(void)form_session_choice_offered(s, 3, 1);
		if (form_session_set(s, "s", "y", &msg) != 0)
			free(msg);
		form_session_free(s);
		form_free(f);
	}
}

/*
 * The expression inside a repeat (a relevance and a calculation read per
 * entry, with position(..)) and outside it (a repeat_count, a calculation
 * over the entries: count(), sum(), indexed-repeat()), while entries are
 * added, answered by key, deleted and checked.
 */
static void
repeat_uses(const uint8_t *expr, size_t n)
{
	/* t's relevance and e's calculation per entry, c's repeat_count, o over the entries */
	static const char *const parts[] = {
		"survey\n,type,name,relevant,calculation,repeat_count\n"
		",integer,k,,,\n,begin_repeat,r,,,\n,decimal,x,,,\n,text,t,", ",,\n,calculate,e,,",
		",\n,end_repeat,,,,\n,begin_repeat,c,,,",
		"\n,integer,y,,,\n,end_repeat,,,,\n,calculate,o,,", ",\n",
	};
	struct form *f = form_around("fuzz3.csv", parts, 5, expr, n);

	if (f != NULL) {
		struct form_session *s = form_session_new(f, NULL);
		long r = form_question_index(f, "r");
		char *msg = NULL;
		size_t bad;
		static const char *const sets[][2] = {
			{ "k", "3" }, { "r[1]/x", "2.5" }, { "r[2]/x", "-1" }, { "r[2]/t", "a" },
			{ "x", "7" }, { "c[2]/y", "4" }, { "k", "0" },
		};

		for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
			if (form_session_set(s, sets[i][0], sets[i][1], &msg) != 0)
				free(msg), msg = NULL;
		if (r >= 0 && form_session_add_entry(s, (size_t)r, &msg) != 0)
			free(msg), msg = NULL;
		for (size_t q = 0; q < form_question_count(f); q++)
			(void)form_session_get(s, q);
		if (r >= 0 && form_session_delete_entry(s, (size_t)r, 0, &msg) != 0)
			free(msg), msg = NULL;
		if (form_session_check_all(s, &bad, &msg) != 0)
			free(msg);
		form_session_free(s);
		form_free(f);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "survey\n,type,name,constraint,calculation\n"
	    ",text,a,,\n,integer,n,,\n,select_multiple l,m,,\n,text,c,";
	static const char tail[] = "\nchoices\n,list_name,name\n,l,x\n,l,y\n";
	const uint8_t *nul = memchr(data, '\0', size);
	size_t n1 = nul != NULL ? (size_t)(nul - data) : size;
	const uint8_t *second = nul != NULL ? nul + 1 : NULL;
	size_t n2 = nul != NULL ? size - n1 - 1 : 0;
	char *buf;
	size_t at;
	struct form *f;

	if (size > 4096)
		return 0;
	buf = malloc(sizeof head + sizeof tail + 2 * size + 16);
	if (buf == NULL)
		return 0;
	memcpy(buf, head, sizeof head - 1);
	at = sizeof head - 1;
	at = second != NULL ? put_cell(buf, at, second, n2) : at;
	buf[at++] = ',';
	at = put_cell(buf, at, data, n1);
	memcpy(buf + at, tail, sizeof tail - 1);
	at += sizeof tail - 1;
	f = form_load_buffer("fuzz.csv", buf, at, NULL, NULL);
	free(buf);
	second_uses(data, n1);
	repeat_uses(data, n1);
	if (f != NULL) {
		static const char *answers[][3] = {
			{ "", "", "" }, { "abc", "5", "x y" }, { "10", "-3", "y" },
		};

		for (size_t k = 0; k < 3; k++) {
			struct form_session *s = form_session_new(f, NULL);
			char *msg = NULL;

			if (form_session_set(s, "a", answers[k][0], &msg) != 0)
				free(msg), msg = NULL;
			if (form_session_set(s, "n", answers[k][1], &msg) != 0)
				free(msg), msg = NULL;
			if (form_session_set(s, "m", answers[k][2], &msg) != 0)
				free(msg), msg = NULL;
			(void)form_session_get(s, 3);
			if (form_session_check(s, 3, &msg) != 0)
				free(msg);
			form_session_free(s);
		}
		form_free(f);
	}
	return 0;
}
