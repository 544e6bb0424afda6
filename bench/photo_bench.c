/*
 * photo_bench — the photo figures for bench/bench_photo.sh.
 *
 *   photo_bench scene OUT.ppm W H      write a synthetic camera scene (sky
 *                                      gradient, buildings, sensor noise) as
 *                                      binary PPM, for cjpeg to make the source
 *   photo_bench import SRC EDGE R [OUT]
 *                                      import SRC to a long edge of EDGE, R
 *                                      times; prints "median_s width height bytes"
 *                                      and keeps the photo in OUT if given
 *   photo_bench preview FILE C R N     render FILE as a C x R cell truecolor
 *                                      preview N times; prints "median_s cols rows"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "photo/photo.h"
#include "util/util.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Smooth areas, hard edges and noise, so the entropy coder has a camera's work to do. */
static int
scene(const char *path, unsigned w, unsigned h)
{
	FILE *f = fopen(path, "wb");
	unsigned char *row = xmalloc((size_t)w * 3);
	uint32_t seed = 12345;

	if (f == NULL) {
		perror(path);
		free(row);
		return 1;
	}
	fprintf(f, "P6\n%u %u\n255\n", w, h);
	for (unsigned y = 0; y < h; y++) {
		for (unsigned x = 0; x < w; x++) {
			int r, g, b, n;
			unsigned block = (x / (w / 12)) % 3;
			bool building = y > h / 3 + (block * h / 9) && (x / (w / 24)) % 2 == 0;

			if (building) {
				bool window = (x / (w / 96)) % 2 == 1 && (y / (h / 60)) % 2 == 1;
				r = window ? 200 : 90 + 30 * (int)block;
				g = window ? 190 : 80 + 20 * (int)block;
				b = window ? 120 : 70;
			} else {
				r = 90 + (int)(60u * y / h);
				g = 140 + (int)(50u * y / h);
				b = 230 - (int)(40u * x / w);
			}
			seed = seed * 1664525u + 1013904223u;
			n = (int)(seed >> 28) - 8;  /* sensor noise, -8..7 */
			row[3 * x] = (unsigned char)(r + n);
			row[3 * x + 1] = (unsigned char)(g + n);
			row[3 * x + 2] = (unsigned char)(b + n);
		}
		fwrite(row, 3, w, f);
	}
	free(row);
	return fclose(f) == 0 ? 0 : 1;
}

static int
import(const char *src, unsigned edge, int rounds, const char *keep)
{
	double *t = xcalloc((size_t)rounds, sizeof *t);
	struct photo_info info;

	for (int i = 0; i < rounds; i++) {
		unsigned char *jpeg;
		size_t len;
		char *cause = NULL;
		double t0 = now_s();

		if (photo_import(src, edge, &jpeg, &len, &info, &cause) != 0) {
			fprintf(stderr, "photo_bench: %s\n", cause);
			free(cause);
			free(t);
			return 1;
		}
		t[i] = now_s() - t0;
		if (keep != NULL && i == rounds - 1) {
			FILE *f = fopen(keep, "wb");
			if (f == NULL || fwrite(jpeg, 1, len, f) != len || fclose(f) != 0) {
				perror(keep);
				free(jpeg);
				free(t);
				return 1;
			}
		}
		free(jpeg);
	}
	qsort(t, (size_t)rounds, sizeof *t, cmp_double);
	printf("%.4f %u %u %zu\n", t[rounds / 2], info.width, info.height, info.bytes);
	free(t);
	return 0;
}

static int
preview(const char *path, unsigned cols, unsigned rows, int rounds)
{
	double *t = xcalloc((size_t)rounds, sizeof *t);
	unsigned c = 0, r = 0;

	for (int i = 0; i < rounds; i++) {
		struct photo_preview *pv;
		char *cause = NULL;
		double t0 = now_s();

		if (photo_preview_render(path, cols, rows, PHOTO_PREVIEW_TRUECOLOR, &pv, &cause) != 0) {
			fprintf(stderr, "photo_bench: %s\n", cause);
			free(cause);
			free(t);
			return 1;
		}
		t[i] = now_s() - t0;
		c = photo_preview_cols(pv);
		r = photo_preview_rows(pv);
		photo_preview_free(pv);
	}
	qsort(t, (size_t)rounds, sizeof *t, cmp_double);
	printf("%.4f %u %u\n", t[rounds / 2], c, r);
	free(t);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "scene") == 0)
		return scene(argv[2], (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]));
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "import") == 0 && atoi(argv[4]) > 0)
		return import(argv[2], (unsigned)atoi(argv[3]), atoi(argv[4]), argc == 6 ? argv[5] : NULL);
	if (argc == 6 && strcmp(argv[1], "preview") == 0 && atoi(argv[5]) > 0)
		return preview(argv[2], (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]), atoi(argv[5]));
	fprintf(stderr, "usage: photo_bench scene OUT.ppm W H | import SRC EDGE ROUNDS [OUT] | "
	    "preview FILE COLS ROWS ROUNDS\n");
	return 2;
}
