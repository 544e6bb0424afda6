/*
 * store_bench — the store's figures for bench/bench_store.sh.
 *
 *   store_bench save DB N          finalize N records durably, one at a time;
 *                                  prints "median_us mean_us"
 *
 * Listing a day is timed as the `fieldcheck list --day` process itself, beside
 * the sqlite3 CLI's process, by bench_store.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "util/util.h"

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

	return (x > y) - (x < y);
}

static int
bench_save(const char *db, int n)
{
	double *t = xcalloc((size_t)n, sizeof *t), sum = 0;
	struct store *st;
	char *cause = NULL;

	if (store_open(db, STORE_READ_WRITE, &st, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct store_record *rec = store_record_new();
		double t0;

		fc_strlcpy(rec->form_id, "road", sizeof rec->form_id);
		fc_strlcpy(rec->form_version, "1", sizeof rec->form_version);
		fc_strlcpy(rec->form_hash, "ab12", sizeof rec->form_hash);
		fc_strlcpy(rec->inspector, "wang.li", sizeof rec->inspector);
		fc_strlcpy(rec->device, "hh-07", sizeof rec->device);
		store_record_set_answer(rec, "asset_id", "R-12");
		store_record_set_answer(rec, "subsidence", "yes");
		store_record_set_answer(rec, "subsidence_severity", "severe");
		store_record_set_answer(rec, "note", "路面沉陷");
		t0 = now_us();
		if (store_finalize(st, rec, &cause) != 0) {
			fprintf(stderr, "%s\n", cause);
			return 1;
		}
		t[i] = now_us() - t0;
		sum += t[i];
		store_record_free(rec);
	}
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	printf("%.1f %.1f\n", t[n / 2], sum / n);
	free(t);
	store_close(st);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "save") == 0)
		return bench_save(argv[2], atoi(argv[3]));
	fputs("usage: store_bench save DB N\n", stderr);
	return 2;
}
