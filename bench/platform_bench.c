/*
 * platform_bench — the unit grid's figures (bench/bench_platform.sh):
 *
 *   platform_bench lookup          a 20,000-cell grid (160 x 125 cells of
 *                                  0.001°, about 10,000 m² each, as a city's
 *                                  unit grid) loaded from GeoJSON text, then
 *                                  the cell of 1,000,000 points through the
 *                                  index; the naive anchor tests every cell
 *                                  in turn for 2,000 of the points, scaled
 *                                  to 1,000,000.  Prints: index seconds,
 *                                  naive seconds, load milliseconds.
 *   platform_bench grid FILE       writes that grid as a file, over the area
 *                                  review_seed's patrols cover.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geo/geo.h"
#include "util/util.h"

#define COLS 160
#define ROWS 125
#define STEP 0.001
#define WEST 121.40
#define SOUTH 31.18
#define POINTS 1000000
#define NAIVE_POINTS 2000

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
grid_text(size_t *len)
{
	struct fc_buf b = { 0 };
	static const char head[] = "{\"type\":\"FeatureCollection\",\"features\":[";

	fc_buf_append(&b, head, sizeof head - 1);
	for (unsigned r = 0; r < ROWS; r++)
		for (unsigned c = 0; c < COLS; c++) {
			double w = WEST + c * STEP, s = SOUTH + r * STEP;
			double e = WEST + (c + 1) * STEP, n = SOUTH + (r + 1) * STEP;
			char *f = xasprintf("%s{\"type\":\"Feature\",\"properties\":{\"code\":"
			    "\"310101%03u%05u\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
			    "[[[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f]]]}}",
			    r + c > 0 ? "," : "", r, c, w, s, e, s, e, n, w, n, w, s);

			fc_buf_append(&b, f, strlen(f));
			free(f);
		}
	fc_buf_append(&b, "]}\n", 3);
	*len = b.len;
	return b.data;
}

static int
lookup(void)
{
	static const char *const required[] = { "code" };
	size_t len;
	char *text = grid_text(&len), *cause = NULL;
	struct geo_layer *l;
	double *x = xmalloc(POINTS * sizeof *x), *y = xmalloc(POINTS * sizeof *y);
	double t0, load_s, index_s, naive_s;
	unsigned long rng = 7, found = 0;
	long check;

	t0 = now_s();
	if (geo_layer_load_buffer("grid", text, len, required, 1, &l, &cause) != 0) {
		fprintf(stderr, "platform_bench: %s\n", cause);
		return 1;
	}
	load_s = now_s() - t0;
	for (size_t i = 0; i < POINTS; i++) {
		rng = rng * 6364136223846793005UL + 1442695040888963407UL;
		x[i] = WEST - 0.005 + (COLS * STEP + 0.01) * (double)(rng >> 11) / 9007199254740992.0;
		rng = rng * 6364136223846793005UL + 1442695040888963407UL;
		y[i] = SOUTH - 0.005 + (ROWS * STEP + 0.01) * (double)(rng >> 11) / 9007199254740992.0;
	}
	t0 = now_s();
	for (size_t i = 0; i < POINTS; i++)
		found += geo_layer_locate(l, x[i], y[i]) >= 0;
	index_s = now_s() - t0;
	t0 = now_s();
	check = 0;
	for (size_t i = 0; i < NAIVE_POINTS; i++)
		check += geo_layer_locate_scan(l, x[i], y[i]) == geo_layer_locate(l, x[i], y[i]);
	naive_s = (now_s() - t0) * POINTS / NAIVE_POINTS;
	if (check != NAIVE_POINTS || found < POINTS / 2) {
		fprintf(stderr, "platform_bench: the index and the scan disagree\n");
		return 1;
	}
	printf("%.3f %.1f %.1f %lu\n", index_s, naive_s, load_s * 1000, found);
	geo_layer_free(l);
	free(text);
	free(x);
	free(y);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "lookup") == 0)
		return lookup();
	if (argc == 3 && strcmp(argv[1], "grid") == 0) {
		size_t len;
		char *text = grid_text(&len);
		FILE *f = fopen(argv[2], "w");

		if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
			perror(argv[2]);
			return 1;
		}
		free(text);
		return 0;
	}
	fputs("usage: platform_bench lookup | platform_bench grid FILE\n", stderr);
	return 2;
}
