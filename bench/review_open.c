/*
 * review_open — where the time to open a day's review goes, step by step:
 * opening the store, loading the checklists, reading the day's records,
 * reading their decisions.  Prints one line per step in milliseconds.
 *
 *   review_open DB FORMS_DIR DAY
 */
#include <stdio.h>
#include <stdlib.h>

#include "forms/forms.h"
#include "report/report.h"
#include "store/store.h"
#include "util/util.h"

static int
count_one(void *ctx, const struct store_record *rec)
{
	(void)rec;
	(*(size_t *)ctx)++;
	return 0;
}

int
main(int argc, char **argv)
{
	struct store_filter filter = STORE_FILTER_ALL;
	struct report_query q = { 0 };
	struct form_library *lib;
	struct report_day *day;
	struct depot_store *ds;
	char *cause = NULL;
	size_t n = 0;
	int64_t t0, t1, t2, t3, t4, t5;

	if (argc != 4) {
		fputs("usage: review_open DB|POSTGRESQL-URI FORMS_DIR DAY\n", stderr);
		return 2;
	}
	t0 = fc_monotonic_ms();
	if (depot_store_open_reader(argv[1], &ds, &cause) != 0) {
		fprintf(stderr, "review_open: %s\n", cause);
		return 1;
	}
	t1 = fc_monotonic_ms();
	lib = form_library_load(argv[2], NULL, NULL);
	t2 = fc_monotonic_ms();
	filter.day = argv[3];
	if (depot_store_list(ds, &filter, count_one, &n, &cause) != 0)
		return 1;
	t3 = fc_monotonic_ms();
	q.day = argv[3];
	if (report_day_load(ds, lib, &q, &day, &cause) != 0)
		return 1;
	t4 = fc_monotonic_ms();
	if (report_day_refresh_reviews(day, ds, &cause) != 0)
		return 1;
	t5 = fc_monotonic_ms();
	printf("store_open %lld ms\nforms %lld ms\nstore_list (%zu) %lld ms\nreport_day_load %lld ms\n"
	    "  of which decisions %lld ms\n", (long long)(t1 - t0), (long long)(t2 - t1), n,
	    (long long)(t3 - t2), (long long)(t4 - t3), (long long)(t5 - t4));
	report_day_free(day);
	form_library_free(lib);
	depot_store_close(ds);
	return 0;
}
