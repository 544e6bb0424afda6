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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regex_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
