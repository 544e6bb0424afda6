/*
 * forms_bench — the two form-engine figures of `make bench`:
 *
 *   forms_bench load DIR RUNS     median ms to load every form in DIR
 *   forms_bench session RUNS      median us to change one answer of a
 *                                 200-question form and re-check it all
 *   forms_bench repeat RUNS       the same with a repeat of 50 entries x 10
 *                                 questions (anchor: 500 strcmp decisions)
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

/*
 * Times runs changes of key (alternating a and b), each followed by a check
 * of every question, and as the anchor the same number of relevance
 * decisions (groups x per) as bare strcmp calls.  Prints "MEDIAN ANCHOR".
 */
static int
time_changes(struct form_session *s, const char *key, const char *a, const char *b, int runs,
    int groups, int per)
{
	double *t = xcalloc((size_t)runs, sizeof *t), *an = xcalloc((size_t)runs, sizeof *an);
	volatile unsigned sink = 0;
	char *msg = NULL;
	size_t bad;

	for (int i = 0; i < runs; i++) {
		double t0 = now_us();

		if (form_session_set(s, key, i % 2 ? a : b, &msg) != 0) {
			fprintf(stderr, "forms_bench: %s: %s\n", key, msg);
			return 1;
		}
		(void)form_session_check_all(s, &bad, &msg);
		free(msg);
		msg = NULL;
		t[i] = now_us() - t0;
	}
	for (int i = 0; i < runs; i++) {
		double t0 = now_us();

		for (int g = 0; g < groups; g++)
			for (int k = 0; k < per; k++)
				sink += strcmp(g % 2 ? "no" : "yes", "yes") == 0;
		an[i] = now_us() - t0;
	}
	if (sink == 0)  /* reads the anchor's result, so its work cannot be dropped */
		fputs("forms_bench: the anchor decided nothing\n", stderr);
	printf("%.2f %.3f\n", median(t, (size_t)runs), median(an, (size_t)runs));
	free(t);
	free(an);
	return 0;
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
	int rc;

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
	/* one answer changes: a hazard toggles, then everything is re-checked */
	rc = time_changes(s, "h25", "yes", "no", runs, HAZARDS, 4);
	form_session_free(s);
	form_free(f);
	free(csv);
	return rc;
}

#define ENTRIES 50   /* of 10 questions each: 500 answers */

/*
 * A bridge's cracks: per entry a found/not, and 9 questions whose relevance,
 * constraints and calculations read the same entry; a total over them all.
 */
static const char repeat_form[] =
    "survey,,,,,,,\n"
    ",type,name,label,required,relevant,constraint,calculation\n"
    ",text,bridge,Bridge,,,,\n"
    ",begin_repeat,crack,Crack,,,,\n"
    ",select_one yn,found,Found,yes,,,\n"
    ",select_one sev,severity,Severity,yes,${found} = 'yes',,\n"
    ",decimal,length,Length (m),,${found} = 'yes',. > 0 and . < 100,\n"
    ",decimal,width,Width (mm),,${found} = 'yes',. > 0 and . < 500,\n"
    ",integer,count,Count,,${found} = 'yes',. >= 1 and . <= 500,\n"
    ",text,place,Place,,${found} = 'yes',string-length(.) <= 200,\n"
    ",begin_group,more,More,,${severity} = 'severe',,\n"
    ",text,why,Why,,,string-length(.) <= 1000,\n"
    ",end_group,,,,,,\n"
    ",calculate,area,,,,,${length} * ${width} div 1000\n"
    ",calculate,pos,,,,,position(..)\n"
    ",note,seen,Crack ${pos},,${found} = 'yes',,\n"
    ",end_repeat,,,,,,\n"
    ",calculate,total,,,,,sum(${area})\n"
    "choices,,,\n,list_name,name,label\n"
    ",yn,yes,Yes\n,yn,no,No\n,sev,minor,Minor\n,sev,moderate,Moderate\n,sev,severe,Severe\n";

static int
bench_repeat(int runs)
{
	struct form *f = form_load_buffer("repeat.csv", repeat_form, strlen(repeat_form), NULL,
	    NULL);
	struct form_session *s;
	char *msg = NULL;
	int rc;

	if (f == NULL) {
		fprintf(stderr, "forms_bench: the repeat form did not load\n");
		return 1;
	}
	s = form_session_new(f, NULL);
	for (int e = 1; e <= ENTRIES; e++) {
		static const char *const fields[][2] = {
			{ "found", "yes" }, { "severity", "moderate" }, { "length", "1.5" },
			{ "width", "3" }, { "count", "2" }, { "place", "north abutment" },
		};
		char key[64];

		for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
			snprintf(key, sizeof key, "crack[%d]/%s", e, fields[k][0]);
			if (form_session_set(s, key, fields[k][1], &msg) != 0) {
				fprintf(stderr, "forms_bench: %s: %s\n", key, msg);
				return 1;
			}
		}
	}
	if (form_session_entry_count(s, (size_t)form_question_index(f, "crack")) != ENTRIES) {
		fprintf(stderr, "forms_bench: the repeat has no %d entries\n", ENTRIES);
		return 1;
	}
	/* one answer of one entry changes, then every entry is re-checked */
	rc = time_changes(s, "crack[25]/length", "2.5", "1.5", runs, ENTRIES, 10);
	form_session_free(s);
	form_free(f);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "load") == 0)
		return bench_load(argv[2], atoi(argv[3]) > 0 ? atoi(argv[3]) : 1);
	if (argc == 3 && strcmp(argv[1], "session") == 0)
		return bench_session(atoi(argv[2]) > 0 ? atoi(argv[2]) : 1);
	if (argc == 3 && strcmp(argv[1], "repeat") == 0)
		return bench_repeat(atoi(argv[2]) > 0 ? atoi(argv[2]) : 1);
	fputs("usage: forms_bench load DIR RUNS | forms_bench session RUNS | "
	    "forms_bench repeat RUNS\n", stderr);
	return 2;
}
