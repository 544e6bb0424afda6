/*
 * libFuzzer harness for the expression parser and evaluator: the input is
 * the text of a calculation (and, after a NUL, of a constraint) in a fixed
 * form with questions of several types; whatever parses is evaluated with a
 * few sets of answers.  Leak-free and deterministic.
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
 * The expression again as a dynamic default, a choice_filter (where bare
 * names are choice columns) and the text of a label, with a last saved
 * record: the paths of ${last-saved#x}, once(), PCRE2 patterns and ${name}
 * rendering.
 */
static void
second_uses(const uint8_t *expr, size_t n)
{
	static const char head[] = "survey\n,type,name,label,default,choice_filter\n"
	    ",text,a,,,\n,select_multiple l,m,,,\n,text,d,";
	static const char tail[] = "\nchoices\n,list_name,name,label,k\n,l,x,X,1\n,l,y,Y,2\n";
	static const char mid[] = ",\n,select_one l,s,,,";
	char *buf = malloc(sizeof head + sizeof mid + sizeof tail + 6 * n + 16);
	size_t at;
	struct form *f;

	if (buf == NULL)
		return;
	memcpy(buf, head, sizeof head - 1);
	at = sizeof head - 1;
	at = put_cell(buf, at, expr, n);           /* d's label */
	buf[at++] = ',';
	at = put_cell(buf, at, expr, n);           /* d's default */
	memcpy(buf + at, mid, sizeof mid - 1);
	at += sizeof mid - 1;
	at = put_cell(buf, at, expr, n);           /* s's choice_filter */
	memcpy(buf + at, tail, sizeof tail - 1);
	at += sizeof tail - 1;
	f = form_load_buffer("fuzz2.csv", buf, at, NULL, NULL);
	free(buf);
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
