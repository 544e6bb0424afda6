/*
 * forms_bench — the two form-engine figures of `make bench`:
 *
 *   forms_bench load DIR RUNS     median ms to load every form in DIR
 *   forms_bench session RUNS      median us to change one answer of a
 *                                 200-question form and re-check it all
 *
 * Each prints "MEDIAN ANCHOR" on one line.  The session anchor is the floor
 * of the same work written by hand: 200 string comparisons deciding the
 * same relevance, measured in this process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forms/forms.h"
#include "util/util.h"

#define HAZARDS 50   /* 4 questions each: 200 */

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return v[n / 2];
}

static int
bench_load(const char *dir, int runs)
{
	double *t = xcalloc((size_t)runs, sizeof *t);
	size_t count = 0;

	for (int i = 0; i < runs; i++) {
		double t0 = now_us();
		struct form_library *lib = form_library_load(dir, NULL, NULL);

		t[i] = now_us() - t0;
		count = form_library_count(lib);
		form_library_free(lib);
	}
	if (count == 0) {
		fprintf(stderr, "forms_bench: no forms in %s\n", dir);
		return 1;
	}
	printf("%.3f %zu\n", median(t, (size_t)runs) / 1000.0, count);
	free(t);
	return 0;
}

/* A checklist-shaped form: per hazard a yes/no, its severity and count (relevant), a note. */
static char *
big_form(void)
{
	size_t cap = 1 << 16, n = 0;
	char *s = xmalloc(cap);

	n += (size_t)snprintf(s + n, cap - n, "survey,,,,,,\n"
	    ",type,name,label::English (en),required,relevant,constraint\n");
	for (int h = 0; h < HAZARDS; h++)
		n += (size_t)snprintf(s + n, cap - n,
		    ",select_one yn,h%d,Hazard %d,,,\n"
		    ",select_one sev,h%d_severity,Severity,yes,${h%d} = 'yes',\n"
		    ",integer,h%d_count,Count,,${h%d} = 'yes',. >= 1 and . <= 500\n"
		    ",text,h%d_note,Note,,${h%d} = 'yes',string-length(.) <= 1000\n",
		    h, h, h, h, h, h, h, h);
	n += (size_t)snprintf(s + n, cap - n, "choices,,,\n,list_name,name,label\n"
	    ",yn,yes,Yes\n,yn,no,No\n,sev,minor,Minor\n,sev,moderate,Moderate\n,sev,severe,Severe\n");
	return s;
}

static int
bench_session(int runs)
{
	char *csv = big_form(), *msg = NULL;
	struct form *f = form_load_buffer("bench.csv", csv, strlen(csv), NULL, NULL);
	struct form_session *s;
	double *t = xcalloc((size_t)runs, sizeof *t), *a = xcalloc((size_t)runs, sizeof *a);
	const char *answers[HAZARDS];
	volatile unsigned sink = 0;
	size_t bad;

	if (f == NULL || form_question_count(f) != 4 * HAZARDS) {
		fprintf(stderr, "forms_bench: the generated form did not load\n");
		return 1;
	}
	s = form_session_new(f, NULL);
	/* Half the hazards found, with answers, so relevance has real work to do. */
	for (int h = 0; h < HAZARDS; h += 2) {
		char name[32];

		snprintf(name, sizeof name, "h%d", h);
		form_session_set(s, name, "yes", &msg);
		snprintf(name, sizeof name, "h%d_severity", h);
		form_session_set(s, name, "minor", &msg);
		snprintf(name, sizeof name, "h%d_count", h);
		form_session_set(s, name, "3", &msg);
	}
	for (int i = 0; i < runs; i++) {
		double t0 = now_us();

		/* one answer changes: a hazard toggles, then everything is re-checked */
		if (form_session_set(s, "h25", i % 2 ? "yes" : "no", &msg) != 0)
			return 1;
		(void)form_session_check_all(s, &bad, &msg);
		free(msg);
		msg = NULL;
		t[i] = now_us() - t0;
	}
	/* The anchor: the same 200 relevance decisions as bare strcmp calls. */
	for (int h = 0; h < HAZARDS; h++)
		answers[h] = h % 2 ? "no" : "yes";
	for (int i = 0; i < runs; i++) {
		double t0 = now_us();

		for (int h = 0; h < HAZARDS; h++)
			for (int k = 0; k < 4; k++)
				sink += strcmp(answers[h], "yes") == 0;
		a[i] = now_us() - t0;
	}
	if (sink == 0)  /* reads the anchor's result, so its work cannot be dropped */
		fputs("forms_bench: the anchor decided nothing\n", stderr);
	printf("%.2f %.3f\n", median(t, (size_t)runs), median(a, (size_t)runs));
	free(t);
	free(a);
	form_session_free(s);
	form_free(f);
	free(csv);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "load") == 0)
		return bench_load(argv[2], atoi(argv[3]) > 0 ? atoi(argv[3]) : 1);
	if (argc == 3 && strcmp(argv[1], "session") == 0)
		return bench_session(atoi(argv[2]) > 0 ? atoi(argv[2]) : 1);
	fputs("usage: forms_bench load DIR RUNS | forms_bench session RUNS\n", stderr);
	return 2;
}
