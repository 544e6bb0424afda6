/*
 * track_seed — puts patrol track points into a database for tests and
 * benchmarks, as the handheld's recorder would have saved them:
 *
 *   track_seed DB < LINES       each stdin line a track wire line (track.h)
 *   track_seed DB --walk DEVICE INSPECTOR T0 HOURS LAT LON
 *                               an inspector's walk of HOURS from T0 (UTC
 *                               seconds) around (LAT, LON): 1.3 m/s along a
 *                               street grid, one fix a second through the
 *                               recorder (its thinning), a no-fix hour-long
 *                               lunch in the middle; prints the points kept
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "track/track.h"
#include "util/util.h"

static int
walk(struct store *st, char **argv)
{
	struct track_recorder *r = track_recorder_new(NULL, STORE_GAP_DUTY);
	int64_t t0 = atoll(argv[2]);
	long secs = (long)(atof(argv[3]) * 3600);
	double lat = atof(argv[4]), lon = atof(argv[5]), heading = 90;
	double mlat = 111195.0, mlon = 111195.0 * cos(lat * M_PI / 180);
	size_t total = 0;
	char *cause = NULL;
	unsigned seed = (unsigned)(t0 ^ (int64_t)(lat * 1e6));

	for (long s = 0; s < secs; s++) {
		const struct store_track_point *b;
		size_t n;

		if (s % 180 == 0)   /* a corner every 180 s: turn left or right */
			heading += (rand_r(&seed) % 2 ? 90 : -90);
		lat += 1.3 * cos(heading * M_PI / 180) / mlat;
		lon += 1.3 * sin(heading * M_PI / 180) / mlon;
		if (s > secs / 2 - 1800 && s < secs / 2 + 1800)
			track_recorder_lost(r);
		else
			track_recorder_fix(r, t0 + s, lat, lon, 4.0 + (s % 3), s * 1000);
		b = track_recorder_batch(r, &n);
		if (n >= TRACK_BATCH_POINTS || (s + 1 == secs && n > 0)) {
			if (store_track_append(st, argv[0], argv[1], b, n, NULL, &cause) != 0) {
				fprintf(stderr, "track_seed: %s\n", cause);
				return 1;
			}
			total += n;
			track_recorder_saved(r);
		}
	}
	track_recorder_free(r);
	printf("%zu\n", total);
	return 0;
}

int
main(int argc, char **argv)
{
	struct store *st;
	char *cause = NULL, *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	if (argc < 2 || (argc > 2 && (argc != 9 || strcmp(argv[2], "--walk") != 0))) {
		fputs("usage: track_seed DB < LINES | track_seed DB --walk DEVICE INSPECTOR T0 HOURS LAT LON\n",
		    stderr);
		return 2;
	}
	if (store_open(argv[1], STORE_READ_WRITE, &st, &cause) != 0) {
		fprintf(stderr, "track_seed: %s\n", cause);
		return 1;
	}
	if (argc == 9) {
		rc = walk(st, argv + 3);
		store_close(st);
		return rc;
	}
	while (rc == 0 && (len = getline(&line, &cap, stdin)) > 0) {
		struct track_wire w;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (track_wire_decode(line, (size_t)len, &w, &cause) != 0 ||
		    store_track_append(st, w.device, w.inspector, w.pts, w.n, NULL, &cause) != 0) {
			fprintf(stderr, "track_seed: %s\n", cause);
			rc = 1;
		}
		track_wire_free(&w);
	}
	free(line);
	store_close(st);
	return rc;
}
