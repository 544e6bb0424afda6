/*
 * Unit tests of the expression language through the public interface: each
 * expression becomes the calculation of a small form, evaluated by a real
 * session, so parsing, ${name} resolution and ODK's comparison rules are
 * tested together as a checklist would use them.
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
	char text[4096];
};

static void
collect(void *ctx, const char *file, unsigned line, unsigned col, const char *message)
{
	struct diags *d = ctx;
	size_t n = strlen(d->text);

	(void)file;
	snprintf(d->text + n, sizeof d->text - n, "%u:%u: %s\n", line, col, message);
}

/* A form whose calculate 'r' is expr; a, b are text, n a decimal, m a select_multiple. */
static struct form *
expr_form(const char *expr, struct diags *d)
{
	char quoted[2048], *csv;
	size_t k = 0;
	struct form *f;

	for (const char *p = expr; *p != '\0' && k < sizeof quoted - 2; p++) {
		if (*p == '"')
			quoted[k++] = '"';
		quoted[k++] = *p;
	}
	quoted[k] = '\0';
	csv = xasprintf("survey,,,\n"
	    ",type,name,calculation\n"
	    ",text,a,\n"
	    ",text,b,\n"
	    ",decimal,n,\n"
	    ",select_multiple colours,m,\n"
	    ",calculate,r,\"%s\"\n"
	    "choices,,,\n"
	    ",list_name,name,label\n"
	    ",colours,red,Red\n"
	    ",colours,green,Green\n"
	    ",colours,blue,Blue\n", quoted);
	memset(d->text, 0, sizeof d->text);
	f = form_load_buffer("expr.csv", csv, strlen(csv), collect, d);
	free(csv);
	return f;
}

/* Evaluates expr with the given answers (NULL: unanswered); returns r's text.  Caller frees. */
static char *
eval(const char *expr, const char *a, const char *b, const char *n, const char *m)
{
	struct diags d;
	struct form *f = expr_form(expr, &d);
	struct form_session *s;
	char *msg = NULL, *out;

	if (f == NULL)
		fail_msg("'%s' did not load: %s", expr, d.text);
	s = form_session_new(f, NULL);
	if ((a && form_session_set(s, "a", a, &msg) != 0) ||
	    (b && form_session_set(s, "b", b, &msg) != 0) ||
	    (n && form_session_set(s, "n", n, &msg) != 0) ||
	    (m && form_session_set(s, "m", m, &msg) != 0))
		fail_msg("answer refused: %s", msg);
	out = xstrdup(form_session_get(s, (size_t)form_question_index(f, "r")));
	form_session_free(s);
	form_free(f);
	return out;
}

#define EXPECT(expr, a, b, n, m, want) do { \
	char *got_ = eval(expr, a, b, n, m); \
	if (strcmp(got_, want) != 0) \
		fail_msg("%s with a=%s b=%s n=%s m=%s: got '%s', want '%s'", expr, \
		    a ? a : "-", b ? b : "-", n ? n : "-", m ? m : "-", got_, want); \
	free(got_); \
} while (0)

static void
test_arithmetic(void **state)
{
	(void)state;
	EXPECT("1 + 2 * 3", NULL, NULL, NULL, NULL, "7");
	EXPECT("(1 + 2) * 3", NULL, NULL, NULL, NULL, "9");
	EXPECT("7 div 2", NULL, NULL, NULL, NULL, "3.5");
	EXPECT("7 mod 3", NULL, NULL, NULL, NULL, "1");
	EXPECT("-${n} + 1", NULL, NULL, "2.5", NULL, "-1.5");
	EXPECT("10 - 2 - 3", NULL, NULL, NULL, NULL, "5");
	EXPECT("${n} * 2", NULL, NULL, NULL, NULL, "");          /* empty -> NaN -> "" */
	EXPECT("${a} + 1", "abc", NULL, NULL, NULL, "");         /* not a number */
	EXPECT("int(7 div 2)", NULL, NULL, NULL, NULL, "3");
	EXPECT("number('4.25') * 4", NULL, NULL, NULL, NULL, "17");
}

static void
test_odk_comparisons(void **state)
{
	(void)state;
	/* numbers compare as numbers when both sides look like numbers */
	EXPECT("${a} > ${b}", "10", "9", NULL, NULL, "true");
	EXPECT("${a} = 5", "5.0", NULL, NULL, NULL, "true");
	EXPECT("${a} = '05'", "5", NULL, NULL, NULL, "true");
	/* otherwise as strings */
	EXPECT("${a} = 'yes'", "yes", NULL, NULL, NULL, "true");
	EXPECT("${a} != 'yes'", "no", NULL, NULL, NULL, "true");
	EXPECT("${a} > ${b}", "b", "a", NULL, NULL, "true");
	EXPECT("${a} < ${b}", "2026-01-31", "2026-02-01", NULL, NULL, "true");
	/* an empty answer is the empty string */
	EXPECT("${a} = ''", NULL, NULL, NULL, NULL, "true");
	EXPECT("${a} = 0", NULL, NULL, NULL, NULL, "false");
	EXPECT("${a} != ''", "x", NULL, NULL, NULL, "true");
	/* and orders with nothing */
	EXPECT("${a} < 5", NULL, NULL, NULL, NULL, "false");
	EXPECT("${a} > 5", NULL, NULL, NULL, NULL, "false");
	/* booleans */
	EXPECT("(1 = 1) = true()", NULL, NULL, NULL, NULL, "true");
	EXPECT("${a} = true()", "x", NULL, NULL, NULL, "true");
	EXPECT("${a} = true()", NULL, NULL, NULL, NULL, "false");
	EXPECT("1 < 2 and 2 < 1", NULL, NULL, NULL, NULL, "false");
	EXPECT("1 < 2 or 2 < 1", NULL, NULL, NULL, NULL, "true");
	EXPECT("not(${a} = 'yes')", "yes", NULL, NULL, NULL, "false");
	EXPECT("true() and not(false())", NULL, NULL, NULL, NULL, "true");
}

/* Today's local date, YYYY-MM-DD, into DAY (16 bytes). */
static void
local_day(char *day)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(day, 16, "%Y-%m-%d", &tm);
}

/* GOT starts with the day before or the day after it was computed: the test
 * may straddle midnight, and either answer is then right. */
static void
assert_day_of(const char *got, const char *before, const char *after)
{
	if (strncmp(got, before, 10) != 0 && strncmp(got, after, 10) != 0)
		fail_msg("got '%s', want a day from %s to %s", got, before, after);
}

static void
test_functions(void **state)
{
	char before[16], after[16], *today, *now;

	(void)state;
	EXPECT("selected(${m}, 'green')", NULL, NULL, NULL, "red green", "true");
	EXPECT("selected(${m}, 'gre')", NULL, NULL, NULL, "red green", "false");
	EXPECT("selected(${m}, 'blue')", NULL, NULL, NULL, NULL, "false");
	EXPECT("count-selected(${m})", NULL, NULL, NULL, "red  green blue", "3");
	EXPECT("count-selected(${m})", NULL, NULL, NULL, NULL, "0");
	EXPECT("if(${a} = 'x', 'one', 'two')", "x", NULL, NULL, NULL, "one");
	EXPECT("if(${a} = 'x', 'one', 'two')", "y", NULL, NULL, NULL, "two");
	EXPECT("coalesce(${a}, ${b})", NULL, "fallback", NULL, NULL, "fallback");
	EXPECT("coalesce(${a}, ${b})", "first", "fallback", NULL, NULL, "first");
	EXPECT("string-length(${a})", "方砖松动", NULL, NULL, NULL, "4");
	EXPECT("string-length(${a})", NULL, NULL, NULL, NULL, "0");
	EXPECT("regex(${a}, '^[A-Z]{2}-[0-9]+$')", "RD-17", NULL, NULL, NULL, "true");
	EXPECT("regex(${a}, '^[A-Z]{2}-[0-9]+$')", "rd-17", NULL, NULL, NULL, "false");
	EXPECT("regex(${a}, ${b})", "abc", "^a", NULL, NULL, "true");
	EXPECT("regex(${a}, ${b})", "abc", "(", NULL, NULL, "false");  /* bad run-time pattern */
	EXPECT("regex(${a}, ${b})", "aaa", "a+++++++++++++++++++++++++++++++++", NULL, NULL, "false");
	/* What ODK forms write still works: bounds, brackets with literal '+', classes. */
	EXPECT("regex(${a}, '^[0-9]{11}$')", "13812345678", NULL, NULL, NULL, "true");
	EXPECT("regex(${a}, '^[+*?]{2}[[:digit:]]+$')", "+*42", NULL, NULL, NULL, "true");
	EXPECT("regex(${a}, '^a\\++$')", "a++", NULL, NULL, NULL, "true");
	/* ODK's regex() is Java's: \d \w \s, Unicode ranges, large bounds, lookahead. */
	EXPECT("regex(${a}, '^\\d{5}$')", "12345", NULL, NULL, NULL, "true");
	EXPECT("regex(${a}, '^\\d{5}$')", "ddddd", NULL, NULL, NULL, "false");
	EXPECT("regex(${a}, '^\\w+\\s\\w+$')", "Main St", NULL, NULL, NULL, "true");
	EXPECT("regex(${a}, '^[一-龥]{2,4}$')", "解放路", NULL, NULL, NULL, "true");
	EXPECT("regex(${a}, '^[一-龥]{2,4}$')", "解", NULL, NULL, NULL, "false");
	EXPECT("regex(${a}, '^.{1,510}$')", "路面沉陷", NULL, NULL, NULL, "true");
	EXPECT("regex(${a}, '^[a-zA-ZÀ-ÿ ]+$')", "père tête", NULL, NULL, NULL, "true");
	EXPECT("regex(${a}, '^(?=.*\\d)[A-Z0-9]+$')", "AB12", NULL, NULL, NULL, "true");
	EXPECT("regex(${a}, '^(?=.*\\d)[A-Z0-9]+$')", "ABCD", NULL, NULL, NULL, "false");
	/* matches anywhere unless anchored, like Java's find() */
	EXPECT("regex(${a}, '\\d')", "R-1", NULL, NULL, NULL, "true");
	local_day(before);
	today = eval("today()", NULL, NULL, NULL, NULL);
	now = eval("now()", NULL, NULL, NULL, NULL);
	local_day(after);
	assert_int_equal(strlen(today), 10);
	assert_day_of(today, before, after);
	assert_day_of(now, before, after);
	assert_int_equal(now[10], 'T');
	free(today);
	free(now);
	EXPECT("${a} <= today()", "2000-01-01", NULL, NULL, NULL, "true");
	EXPECT("${a} >= today()", "2000-01-01", NULL, NULL, NULL, "false");
}

/* A load error's position: line:column of the cell plus the offset inside it. */
static void
expect_error(const char *expr, const char *want)
{
	struct diags d;
	struct form *f = expr_form(expr, &d);

	if (f != NULL) {
		form_free(f);
		fail_msg("'%s' loaded, expected an error", expr);
	}
	if (strstr(d.text, want) == NULL)
		fail_msg("'%s': got \"%s\", want it to contain \"%s\"", expr, d.text, want);
}

static void
test_errors_with_positions(void **state)
{
	(void)state;
	/* the calculate row is line 7; the cell starts at column 14 with its quote */
	expect_error("${nope} + 1", "7:15: calculation of 'r': unknown question '${nope}'");
	expect_error("1 + ${nope}", "7:19: calculation of 'r': unknown question '${nope}'");
	expect_error("1 +", "7:18: calculation of 'r': expected a value, found the end");
	expect_error("(1 + 2", "7:21: calculation of 'r': expected ')'");
	expect_error("1 2", "7:17: calculation of 'r': unexpected text");
	expect_error("frobnicate(1)", "7:15: calculation of 'r': unknown function 'frobnicate()'");
	expect_error("instance('toilets')", "7:15: calculation of 'r': unsupported function "
	    "'instance()' (lookups in a secondary instance are not supported");
	expect_error("1 + position(.)", "7:19: calculation of 'r': position() is written "
	    "position(..)");
	expect_error("if(1, 2)", "7:15: calculation of 'r': if() takes 3 arguments, not 2");
	expect_error("'open", "7:15: calculation of 'r': string is never closed");
	expect_error("${a", "7:15: calculation of 'r': '${' is never closed");
	expect_error("a = 1", "7:15: calculation of 'r': unexpected name 'a'");
	expect_error("regex(${a}, '(')", "7:15: calculation of 'r': bad regular expression");
	expect_error("regex(${a}, 'ab[c')", "7:15: calculation of 'r': bad regular expression at "
	    "character 5 of the pattern: missing terminating ] for character class");
	/* fuzz_expr's pattern that once took gigabytes to compile under glibc */
	expect_error("regex(${a}, '~~~inte~~~+++++++++++++++++++= \\\"  =++++~~~^[a-z]+$')",
	    "bad regular expression at character 13 of the pattern: quantifier does not follow");
	expect_error("../a", "7:15: calculation of 'r': '..' (parent paths) is not supported");
	expect_error("1 # 2", "7:17: calculation of 'r': unexpected character '#'");
	/* a position after Chinese text counts characters, not bytes */
	expect_error("'路灯' = ${nope}", "7:22: calculation of 'r': unknown question");
}

static void
test_nesting_is_bounded(void **state)
{
	char expr[1200];
	struct diags d;
	struct form *f;

	(void)state;
	memset(expr, '(', 500);
	strcpy(expr + 500, "1");
	memset(expr + 501, ')', 500);
	expr[1001] = '\0';
	f = expr_form(expr, &d);
	assert_null(f);
	assert_non_null(strstr(d.text, "nested too deeply"));
	memset(expr, '-', 1000);
	strcpy(expr + 1000, "1");
	f = expr_form(expr, &d);
	assert_null(f);
	assert_non_null(strstr(d.text, "nested too deeply"));
	/* a reasonable depth is fine */
	EXPECT("((((((((((1))))))))))", NULL, NULL, NULL, NULL, "1");
}

/* The functions ODK forms call, with JavaRosa's semantics. */
static void
test_odk_functions(void **state)
{
	(void)state;
	/* round: XPath's one-argument form rounds half up; with places, half away from 0 */
	EXPECT("round(2.5)", NULL, NULL, NULL, NULL, "3");
	EXPECT("round(-2.5)", NULL, NULL, NULL, NULL, "-2");
	EXPECT("round(3.14159, 2)", NULL, NULL, NULL, NULL, "3.14");
	EXPECT("round(-1.5, 0)", NULL, NULL, NULL, NULL, "-2");
	EXPECT("round(${n}, 1)", NULL, NULL, "1.25", NULL, "1.3");
	EXPECT("round(${n})", NULL, NULL, NULL, NULL, "");
	/* selected-at counts from 0; jr:choice-name gives the label */
	EXPECT("selected-at(${m}, 1)", NULL, NULL, NULL, "red blue", "blue");
	EXPECT("selected-at(${m}, 5)", NULL, NULL, NULL, "red blue", "");
	EXPECT("jr:choice-name(selected-at(${m}, 0), '${m}')", NULL, NULL, NULL, "green", "Green");
	EXPECT("jr:choice-name('nope', '${m}')", NULL, NULL, NULL, NULL, "");
	/* text */
	EXPECT("concat(${a}, '-', ${n}, '-', 1 + 1)", "x", NULL, "2.5", NULL, "x-2.5-2");
	EXPECT("concat(concat('a', 'b'), substr('héllo', 1, 3), ${b})", NULL, NULL, NULL, NULL, "abél");
	EXPECT("substr('方砖松动', 1, 3)", NULL, NULL, NULL, NULL, "砖松");
	EXPECT("substr(${a}, 2)", "abcdef", NULL, NULL, NULL, "cdef");
	EXPECT("substr(${a}, 4, 2)", "abcdef", NULL, NULL, NULL, "");
	EXPECT("string(1 div 4)", NULL, NULL, NULL, NULL, "0.25");
	EXPECT("concat(string(2), 'x')", NULL, NULL, NULL, NULL, "2x");
	EXPECT("contains(${a}, 'cd') and starts-with(${a}, 'ab') and ends-with(${a}, 'ef')",
	    "abcdef", NULL, NULL, NULL, "true");
	/* numbers and booleans */
	EXPECT("int(-3.7)", NULL, NULL, NULL, NULL, "-3");
	EXPECT("number('12.5') + 1", NULL, NULL, NULL, NULL, "13.5");
	EXPECT("number('abc')", NULL, NULL, NULL, NULL, "");
	EXPECT("boolean-from-string('true')", NULL, NULL, NULL, NULL, "true");
	EXPECT("boolean-from-string('1')", NULL, NULL, NULL, NULL, "true");
	EXPECT("boolean-from-string('yes')", NULL, NULL, NULL, NULL, "false");
	EXPECT("floor(-1.5) + ceiling(1.2) + abs(-2) + pow(2, 3)", NULL, NULL, NULL, NULL, "10");
	/* dates: a date is a number of days in arithmetic */
	EXPECT("format-date('2026-03-05', '%d/%m/%Y %b %e %n %a %y')", NULL, NULL, NULL, NULL,
	    "05/03/2026 Mar 5 3 Thu 26");
	EXPECT("format-date('2026-03-05T14:07:09.000+08:00', '%H:%M:%S %h')", NULL, NULL, NULL,
	    NULL, "14:07:09 14");
	EXPECT("format-date(${a}, '%Y')", "not a date", NULL, NULL, NULL, "");
	EXPECT("date(0)", NULL, NULL, NULL, NULL, "1970-01-01");
	EXPECT("date(20517)", NULL, NULL, NULL, NULL, "2026-03-05");
	EXPECT("date('2026-03-05T10:00')", NULL, NULL, NULL, NULL, "2026-03-05");
	EXPECT("decimal-date-time('1970-01-02T12:00:00')", NULL, NULL, NULL, NULL, "1.5");
	EXPECT("decimal-date-time('2026-03-05')", NULL, NULL, NULL, NULL, "20517");
	EXPECT("'2026-03-05' - '2026-03-01'", NULL, NULL, NULL, NULL, "4");
	EXPECT("today() - '2000-01-01' > 9000", NULL, NULL, NULL, NULL, "true");
	EXPECT("format-date(date(20517), '%Y')", NULL, NULL, NULL, NULL, "2026");
	/* places: metres on JavaRosa's sphere (radius 6371009 m) */
	EXPECT("round(distance('31.0 121.0 0 0; 31.0 121.001 0 0'), 1)", NULL, NULL, NULL, NULL,
	    "95.3");
	EXPECT("round(distance('31 121', '31 121.001', '31.001 121.001'), 1)", NULL, NULL, NULL,
	    NULL, "206.5");
	EXPECT("round(area('31 121 0 0;31 121.001 0 0;31.001 121.001 0 0;31.001 121 0 0;"
	    "31 121 0 0'))", NULL, NULL, NULL, NULL, "10598");
	EXPECT("distance(${a})", "31 121", NULL, NULL, NULL, "");
}

/* once(): a calculation keeps its first value. */
static void
test_once(void **state)
{
	struct diags d;
	struct form *f = expr_form("once(concat('first ', ${a}))", &d);
	struct form_session *s;
	char *m = NULL;

	(void)state;
	assert_non_null(f);
	s = form_session_new(f, NULL);
	assert_int_equal(form_session_set(s, "a", "wang", &m), 0);
	assert_string_equal(form_session_get(s, (size_t)form_question_index(f, "r")), "first ");
	form_session_free(s);
	form_free(f);
	/* with a dynamic value that is empty at first, the first non-empty one stays */
	f = expr_form("once(${a})", &d);
	s = form_session_new(f, NULL);
	assert_int_equal(form_session_set(s, "a", "wang", &m), 0);
	assert_int_equal(form_session_set(s, "a", "li", &m), 0);
	assert_string_equal(form_session_get(s, (size_t)form_question_index(f, "r")), "wang");
	form_session_free(s);
	form_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arithmetic),
		cmocka_unit_test(test_odk_comparisons),
		cmocka_unit_test(test_functions),
		cmocka_unit_test(test_odk_functions),
		cmocka_unit_test(test_once),
		cmocka_unit_test(test_errors_with_positions),
		cmocka_unit_test(test_nesting_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
