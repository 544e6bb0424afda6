/*
 * sync_bench — helpers for bench/bench_sync.sh.
 *
 *   sync_bench gen DB N DEVICE        N final road records (store_finalize, durable)
 *   sync_bench build DB NDJSON        times bundle building over every pending
 *                                     record (in memory: JSON + gzip), prints
 *                                     "BYTES SECONDS LEVEL" (NDJSON bytes in, best
 *                                     of 5, the deflate level bundles use),
 *                                     and writes the same NDJSON text to NDJSON
 *   sync_bench freeze DB DIR DEVICE   bundles every pending record into the outbox
 *                                     and writes each bundle to DIR/UUID.gz
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "sync/sync.h"
#include "util/util.h"

static int
die(const char *what, char *cause)
{
	fprintf(stderr, "sync_bench: %s: %s\n", what, cause != NULL ? cause : "failed");
	free(cause);
	return 1;
}

static int
gen(const char *db, long n, const char *device)
{
	static const char *notes[] = { "坑槽较深，已设置警示", "line faded near crossing",
		"井盖松动", "", "kerb chipped over 2 m" };
	struct store *st;
	char *cause = NULL, buf[64];

	if (store_open(db, STORE_READ_WRITE, &st, &cause) != 0)
		return die(db, cause);
	for (long i = 0; i < n; i++) {
		struct store_record *rec = store_record_new();

		fc_strlcpy(rec->form_id, "road", sizeof rec->form_id);
		fc_strlcpy(rec->form_version, "1", sizeof rec->form_version);
		fc_strlcpy(rec->form_hash, "b9921b9fdf8fcb2c5180e396cd4c5a62831cbf79619147115328595e61b57816",
		    sizeof rec->form_hash);
		fc_strlcpy(rec->inspector, "alice", sizeof rec->inspector);
		fc_strlcpy(rec->device, device, sizeof rec->device);
		fc_local_day(rec->day, time(NULL));
		rec->pos.source = STORE_POS_GPSD;
		rec->pos.lat = 31.2 + (double)(i % 1000) * 1e-4;
		rec->pos.lon = 121.4 + (double)(i % 777) * 1e-4;
		rec->pos.alt_m = 4.5;
		rec->pos.accuracy_m = 3.2;
		rec->pos.fix_mode = 3;
		rec->pos.satellites = 9;
		rec->pos.hdop = 0.9;
		fc_strlcpy(rec->pos.fix_time, rec->created_at, sizeof rec->pos.fix_time);
		rec->pos.fix_age_s = 0.4;
		snprintf(buf, sizeof buf, "R-%ld", i);
		store_record_set_answer(rec, "asset_id", buf);
		store_record_set_answer(rec, "road_class", i % 2 ? "arterial" : "branch");
		store_record_set_answer(rec, "condition", i % 3 ? "fair" : "good");
		store_record_set_answer(rec, "subsidence", "no");
		store_record_set_answer(rec, "pothole", i % 4 ? "no" : "yes");
		if (i % 4 == 0) {
			store_record_set_answer(rec, "pothole_severity", "moderate");
			snprintf(buf, sizeof buf, "%ld", i % 30 + 1);
			store_record_set_answer(rec, "pothole_count", buf);
			store_record_set_answer(rec, "pothole_note", notes[i % 5]);
		}
		store_record_set_answer(rec, "markings", "no");
		if (store_finalize(st, rec, &cause) != 0) {
			store_record_free(rec);
			store_close(st);
			return die("finalize", cause);
		}
		store_record_free(rec);
	}
	store_close(st);
	return 0;
}

struct collect {
	struct store_record **recs;
	size_t n, cap;
};

static int
collect_one(void *arg, const struct store_record *rec)
{
	struct collect *c = arg;
	char *json = store_record_to_json(rec), *cause = NULL;
	struct store_record *copy;

	if (store_record_from_json(json, strlen(json), &copy, &cause) != 0)
		abort();
	free(json);
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->recs = xreallocarray(c->recs, c->cap, sizeof *c->recs);
	}
	c->recs[c->n++] = copy;
	return 0;
}

static int
build(const char *db, const char *ndjson)
{
	struct collect c = { 0 };
	struct store *st;
	char *cause = NULL;
	double best = 1e9;
	size_t text_bytes = 0;
	FILE *out;

	if (store_open(db, STORE_READ_WRITE, &st, &cause) != 0)
		return die(db, cause);
	if (store_outbox_pending(st, 0, collect_one, &c, &cause) != 0)
		return die("pending", cause);
	store_close(st);
	out = fopen(ndjson, "w");
	if (out == NULL)
		return die(ndjson, NULL);
	for (size_t i = 0; i < c.n; i++) {
		char *json = store_record_to_json(c.recs[i]);

		text_bytes += strlen(json) + 1;
		fprintf(out, "%s\n", json);
		free(json);
	}
	fclose(out);
	for (int round = 0; round < 5; round++) {
		int64_t t0 = fc_monotonic_ms();
		size_t i = 0;

		while (i < c.n) {
			struct bundle_writer *w = bundle_writer_new("bench", 0);
			struct store_bundle b;
			size_t in;

			while (i < c.n) {
				int rc = bundle_writer_add(w, c.recs[i], &cause);

				if (rc == 1)
					break;
				if (rc != 0)
					return die("add", cause);
				i++;
			}
			if (bundle_writer_finish(w, &b, &cause) != 0)
				return die("finish", cause);
			bundle_writer_uuids(w, &in);
			i -= bundle_writer_count(w) - in;  /* records cut at finish go in the next */
			free(b.bytes);
			bundle_writer_free(w);
		}
		if ((double)(fc_monotonic_ms() - t0) / 1000.0 < best)
			best = (double)(fc_monotonic_ms() - t0) / 1000.0;
	}
	printf("%zu %.4f %d\n", text_bytes, best, BUNDLE_DEFLATE_LEVEL);
	for (size_t i = 0; i < c.n; i++)
		store_record_free(c.recs[i]);
	free(c.recs);
	return 0;
}

struct freeze_ctx {
	struct bundle_writer *w;
	char *cause;
	int failed;
};

static int
freeze_one(void *arg, const struct store_record *rec)
{
	struct freeze_ctx *f = arg;
	int rc = bundle_writer_add(f->w, rec, &f->cause);

	if (rc == -1)
		f->failed = 1;
	return rc != 0;
}

static int
freeze(const char *db, const char *dir, const char *device)
{
	struct store *st;
	char *cause = NULL;
	int64_t by_status[4];
	size_t unfrozen;
	double bytes_per_record = 0;

	if (store_open(db, STORE_READ_WRITE, &st, &cause) != 0)
		return die(db, cause);
	if (store_count_by_status(st, by_status, &cause) != 0)
		return die(db, cause);
	unfrozen = (size_t)by_status[STORE_FINAL];
	/* The same bundles a drain makes, ramp and small last bundle included,
	 * so curl sends what we send. */
	for (unsigned index = 0;; index++) {
		size_t cap = bundle_ramp_cap(0, index);
		size_t limit = bundle_drain_limit(unfrozen, cap, bytes_per_record);
		struct freeze_ctx f = { .w = bundle_writer_new(device, cap) };
		struct store_bundle b;
		const char *const *uuids;
		size_t n;
		char *path;
		FILE *out;

		if (store_outbox_pending(st, limit != 0 ? limit : BUNDLE_LIMIT_RECORDS, freeze_one, &f,
		    &cause) != 0 || f.failed)
			return die("pending", cause != NULL ? cause : f.cause);
		if (bundle_writer_count(f.w) == 0) {
			bundle_writer_free(f.w);
			break;
		}
		if (bundle_writer_finish(f.w, &b, &cause) != 0)
			return die("finish", cause);
		uuids = bundle_writer_uuids(f.w, &n);
		if (store_outbox_add(st, &b, uuids, n, &cause) != 0)
			return die("outbox", cause);
		unfrozen -= n < unfrozen ? n : unfrozen;
		bytes_per_record = (double)b.size / (double)n;
		path = xasprintf("%s/%s.gz", dir, b.uuid);
		out = fopen(path, "wb");
		if (out == NULL || fwrite(b.bytes, 1, b.size, out) != b.size || fclose(out) != 0)
			return die(path, NULL);
		free(path);
		free(b.bytes);
		bundle_writer_free(f.w);
	}
	store_close(st);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "gen") == 0)
		return gen(argv[2], atol(argv[3]), argv[4]);
	if (argc == 4 && strcmp(argv[1], "build") == 0)
		return build(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "freeze") == 0)
		return freeze(argv[2], argv[3], argv[4]);
	fputs("usage: sync_bench gen DB N DEVICE | build DB NDJSON | freeze DB DIR DEVICE\n", stderr);
	return 2;
}
