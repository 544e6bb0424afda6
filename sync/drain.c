/*
 * sync — the drain: bundle what is pending, send what is frozen, through a
 * struct sync_transport (http.c, or a test's fake), until nothing is
 * queued or something fails.
 */
#include "sync/sync_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Below this a bundle is not re-frozen smaller: the request's own bytes
 * (headers, TLS) would weigh as much as its records.
 */
#define SYNC_SPLIT_FLOOR 2048
/*
 * A nearly full disk: under SYNC_DISK_LOW free, a drain keeps the
 * write-ahead log to one transaction (a truncating checkpoint after each
 * outbox write) and freezes only the records the space left holds: each
 * transaction costs up to SYNC_DISK_PER_TX of log whatever its size (the
 * pages every freeze or marking touches: the outbox's, its indexes', the
 * header), and each record up to SYNC_DISK_PER_RECORD more (its row's
 * pages, written when marked sent, its outbox rows and its
 * share of the bundle).  SYNC_DISK_RESERVE stays free for the rest of the
 * handheld (a save, the screen's own log).
 */
#define SYNC_DISK_LOW        (16 * 1024 * 1024)
#define SYNC_DISK_RESERVE    (64 * 1024)
#define SYNC_DISK_PER_TX     (64 * 1024)
#define SYNC_DISK_PER_RECORD 4096
/* An upload's bytes besides the body (request line, headers, the reply), roughly. */
#define SYNC_REQUEST_OVERHEAD 512

int
sync_queued(struct store *st, int64_t *queued, int64_t *refused, int64_t *unbundled,
    char **cause)
{
	struct store_outbox_counts oc;
	int64_t counts[4];

	if (store_count_by_status(st, counts, cause) != 0 || store_outbox_counts(st, &oc, cause) != 0)
		return -1;
	*queued = counts[STORE_FINAL] + counts[STORE_BUNDLED] - oc.refused_records;
	if (refused != NULL)
		*refused = oc.refused_records;
	if (unbundled != NULL)
		*unbundled = counts[STORE_FINAL];
	return 0;
}

/* What the depot answers about one bundle's content (not about us): set it aside. */
static bool
bundle_refusal(long status)
{
	return status == 400 || status == 409 || status == 413;
}

struct build_ctx {
	struct bundle_writer *w;
	char *first_error;
	size_t refused;
};

static int
build_one(void *arg, const struct store_record *rec)
{
	struct build_ctx *b = arg;
	char *why = NULL;
	int rc = bundle_writer_add(b->w, rec, &why);

	if (rc == 1)
		return 1;
	if (rc == -1) {
		/* This record can never be sent; the others still can. */
		b->refused++;
		if (b->first_error == NULL)
			b->first_error = why;
		else
			free(why);
	}
	return 0;
}

/*
 * The local work of a drain, done while the depot commits the bundle in
 * flight rather than after it: marking the previous bundle sent (the depot
 * committed it already; should we die first, it is sent again and answered
 * 200) and freezing the next one.  The two are one durable transaction
 * (store_outbox_add_marking), so they cost one sync of the disk; the order
 * stays: a bundle is frozen before it is sent, and marked sent only after
 * the depot's receipt.
 */
struct overlap {
	struct store *st;
	const struct sync_options *o;
	const struct sync_transport *t;  /* for the throughput measured */
	char committed[FC_UUID_LEN];  /* receipted by the depot, not yet marked sent; "" none */
	unsigned frozen;              /* bundles this drain has frozen */
	size_t unfrozen;              /* final records not in a bundle yet (those
	                               * finalized during the drain not counted) */
	double bytes_per_record;      /* compressed, in the last bundle frozen */
	bool marked;                  /* some bundle was marked sent */
	bool low_disk;                /* under SYNC_DISK_LOW free at the last look */
	int64_t free_bytes;           /* at the last look */
	enum sync_outcome how;        /* of this local work */
	char *why;
};

/*
 * Learns from an upload's end: the link's throughput (a whole upload's
 * bytes over its time, the depot's commit included, so an underestimate;
 * a timeout bounds it from above).
 */
static void
link_learn(struct sync_transport *t, const struct store_bundle *b,
    const struct sync_upload_info *u)
{
	double secs = (double)u->elapsed_ms / 1000.0, rate;

	if (secs <= 0)
		return;
	if (u->status != 0) {
		t->bytes_per_s = (double)(b->size + SYNC_REQUEST_OVERHEAD) / secs;
	} else if (u->timed_out && u->delivered > 0) {
		rate = (double)u->delivered / secs;
		if (t->bytes_per_s == 0 || rate < t->bytes_per_s)
			t->bytes_per_s = rate;
	}
}

/*
 * The compressed size an upload can carry in half the timeout at the
 * throughput measured (never below SYNC_SPLIT_FLOOR); 0 before any
 * measure.  Half: a link's rate wanders, and a bundle that does not fit
 * costs a whole timeout.
 */
static size_t
link_fit(const struct sync_transport *t)
{
	double fit = t->bytes_per_s * ((double)t->timeout_ms / 1000.0) / 2 - SYNC_REQUEST_OVERHEAD;

	if (t->bytes_per_s <= 0)
		return 0;
	if (fit < SYNC_SPLIT_FLOOR)
		return SYNC_SPLIT_FLOOR;
	return fit > (double)BUNDLE_LIMIT_COMPRESSED ? BUNDLE_LIMIT_COMPRESSED : (size_t)fit;
}

/*
 * How many records the disk has room to freeze now (SIZE_MAX: no limit
 * from it), and on a nearly full disk a truncating checkpoint first, so the
 * log's space counts as free.  A file system that cannot say its free
 * space sets no limit.
 */
static size_t
disk_room(struct overlap *ov)
{
	char *ignored = NULL;

	if (store_free_bytes(ov->st, &ov->free_bytes, &ignored) != 0) {
		free(ignored);
		ov->low_disk = false;
		return SIZE_MAX;
	}
	ov->low_disk = ov->free_bytes < SYNC_DISK_LOW;
	if (!ov->low_disk)
		return SIZE_MAX;
	if (store_checkpoint_truncate(ov->st, &ignored) == 0)
		(void)store_free_bytes(ov->st, &ov->free_bytes, NULL);
	free(ignored);
	if (ov->free_bytes <= SYNC_DISK_RESERVE + SYNC_DISK_PER_TX + SYNC_DISK_PER_RECORD)
		return 0;
	return (size_t)((ov->free_bytes - SYNC_DISK_RESERVE - SYNC_DISK_PER_TX) /
	    SYNC_DISK_PER_RECORD);
}

/* After an outbox write on a nearly full disk: the log back to nothing. */
static void
disk_trim(struct overlap *ov)
{
	char *ignored = NULL;

	if (ov->low_disk && store_checkpoint_truncate(ov->st, &ignored) != 0)
		free(ignored);  /* a reader held it: the next one will do */
}

/*
 * Freezes one bundle of pending records, the next of this drain (sized by
 * bundle_ramp_cap and bundle_drain_limit); *made false when none were
 * pending.
 */
static enum sync_outcome
bundle_some(struct overlap *ov, bool *made, char **cause)
{
	struct store *st = ov->st;
	size_t cap = bundle_ramp_cap(ov->o->max_bundle_bytes, ov->frozen), fit = link_fit(ov->t);
	size_t limit;
	size_t room = disk_room(ov);
	struct build_ctx b = { 0 };
	struct store_bundle sb;
	const char *const *uuids;
	size_t n;
	enum sync_outcome how = SYNC_DONE;

	*made = false;
	if (room == 0) {
		int64_t queued, unbundled;

		/* Nothing waits to be bundled: the drain is done, however full the disk. */
		if (sync_queued(st, &queued, NULL, &unbundled, cause) != 0)
			return SYNC_LOCAL;
		if (unbundled == 0)
			return SYNC_DONE;
		fc_fail(cause, "stopped bundling: %lld KiB free on the disk of %s, and a drain needs "
		    "%d KiB; the records not sent wait on this device: free some space and sync again",
		    (long long)(ov->free_bytes / 1024), store_path(st),
		    (SYNC_DISK_RESERVE + SYNC_DISK_PER_TX + SYNC_DISK_PER_RECORD) / 1024);
		return SYNC_LOCAL;
	}
	if (fit != 0 && fit < cap)
		cap = fit;  /* the next upload fits the timeout on this link */
	if (ov->low_disk && (size_t)(ov->free_bytes - SYNC_DISK_RESERVE) / 4 < cap)
		cap = (size_t)(ov->free_bytes - SYNC_DISK_RESERVE) / 4;
	limit = bundle_drain_limit(ov->unfrozen, cap, ov->bytes_per_record);
	if (limit == 0 || limit > BUNDLE_LIMIT_RECORDS)
		limit = BUNDLE_LIMIT_RECORDS;
	if (limit > room)
		limit = room;
	b.w = bundle_writer_new(ov->o->device, cap);
	if (store_outbox_pending(st, limit, build_one, &b, cause) != 0) {
		how = SYNC_LOCAL;
		goto out;
	}
	if (bundle_writer_count(b.w) == 0) {
		if (b.refused > 0) {
			fc_fail(cause, "%zu record%s cannot be sent: %s", b.refused, b.refused == 1 ? "" : "s",
			    b.first_error);
			how = SYNC_REFUSED;
		} else if (sync_freeze_tracks(st, ov->o->device, made, cause) != 0)
			how = SYNC_LOCAL;   /* no record left: the patrol track's points go */
		goto out;
	}
	if (bundle_writer_finish(b.w, &sb, cause) != 0) {
		how = SYNC_LOCAL;
		goto out;
	}
	uuids = bundle_writer_uuids(b.w, &n);
	/* The bundle receipted before, if any, is marked sent in the same transaction. */
	if (store_outbox_add_marking(st, &sb, uuids, n, ov->committed, cause) != 0)
		how = SYNC_LOCAL;
	else {
		if (ov->committed[0] != '\0')
			ov->marked = true;
		ov->committed[0] = '\0';
		disk_trim(ov);
		*made = true;
		ov->frozen++;
		ov->unfrozen -= n < ov->unfrozen ? n : ov->unfrozen;
		ov->bytes_per_record = (double)sb.size / (double)n;
	}
	free(sb.bytes);
out:
	free(b.first_error);
	bundle_writer_free(b.w);
	return how;
}

/*
 * Whether a bundle whose upload ended without an answer should be
 * re-frozen smaller.  Only when some of its body went out (a dead link is
 * not a slow one) and it is big enough to split.  A body that went out
 * whole may have met a slow depot rather than a slow link, and the depot
 * may have committed it (then the same bytes get 200): such a bundle is
 * sent once more as it is, and split only when that fails too.
 */
static bool
split_wanted(struct sync_transport *t, const struct store_bundle *b,
    const struct sync_upload_info *u)
{
	if (u->status != 0 || u->delivered <= 0 || b->record_count < 2 || b->size <= SYNC_SPLIT_FLOOR)
		return false;
	if (u->delivered < (int64_t)b->size || strcmp(t->unanswered, b->uuid) == 0)
		return true;
	fc_strlcpy(t->unanswered, b->uuid, sizeof t->unanswered);
	return false;
}

/* One replacement bundle being filled: stops at the first record that does not fit. */
struct split_part {
	struct bundle_writer *w;
	char *why;                    /* why the first record did not fit, if it did not */
};

static int
split_add(void *arg, const struct store_record *rec)
{
	struct split_part *p = arg;
	char *why = NULL;
	int rc = bundle_writer_add(p->w, rec, &why);

	if (rc == -1 && p->why == NULL)
		p->why = why;
	else
		free(why);
	return rc != 0;
}

/*
 * Re-freezes the unacknowledged bundle b into bundles of at most cap
 * bytes, oldest records first.  Safe whatever reached the depot: it counts
 * the records it holds already as duplicates.  b leaves the outbox in the
 * transaction that freezes its replacements (store_outbox_replace), so its
 * records are in exactly one bundle at every moment.  *nparts: how many.
 */
static int
refreeze(struct overlap *ov, const struct store_bundle *b, size_t cap, size_t *nparts,
    char **cause)
{
	size_t max = b->record_count, n = 0, done = 0;
	struct bundle_writer **ws = xcalloc(max, sizeof *ws);
	struct store_bundle *sbs = xcalloc(max, sizeof *sbs);
	struct store_refrozen *parts = xcalloc(max, sizeof *parts);
	int rc = -1;

	while (done < b->record_count && n < max) {
		struct split_part p = { 0 };
		size_t got;

		/* A record too big for cap alone goes in a bundle of the usual cap. */
		for (int attempt = 0; attempt < 2 && p.w == NULL; attempt++) {
			p.w = bundle_writer_new(ov->o->device, attempt == 0 ? cap : ov->o->max_bundle_bytes);
			if (store_outbox_bundle_records(ov->st, b->uuid, done, split_add, &p, cause) != 0) {
				bundle_writer_free(p.w);
				free(p.why);
				goto out;
			}
			if (bundle_writer_count(p.w) == 0) {
				bundle_writer_free(p.w);
				p.w = NULL;
			}
		}
		if (p.w == NULL) {
			fc_fail(cause, "re-freezing bundle %s: %s", b->uuid,
			    p.why != NULL ? p.why : "its records are not all in the store");
			free(p.why);
			goto out;
		}
		free(p.why);
		ws[n] = p.w;
		if (bundle_writer_finish(p.w, &sbs[n], cause) != 0)
			goto out;
		parts[n].bundle = &sbs[n];
		parts[n].uuids = bundle_writer_uuids(p.w, &got);
		parts[n].n = got;
		n++;
		done += got;
	}
	if (store_outbox_replace(ov->st, b->uuid, parts, n, cause) != 0)
		goto out;
	*nparts = n;
	rc = 0;
out:
	for (size_t i = 0; i < max; i++) {
		free(sbs[i].bytes);
		bundle_writer_free(ws[i]);
	}
	free(ws);
	free(sbs);
	free(parts);
	return rc;
}

/* Marks the receipted bundle sent, if there is one. */
static int
overlap_mark(struct overlap *ov)
{
	if (ov->committed[0] == '\0')
		return 0;
	if (store_outbox_mark_sent(ov->st, ov->committed, &ov->why) != 0) {
		ov->how = SYNC_LOCAL;
		return -1;
	}
	ov->committed[0] = '\0';
	ov->marked = true;
	disk_trim(ov);
	return 0;
}

static void
overlap_work(struct overlap *ov)
{
	struct store_outbox_counts oc;
	int64_t waiting;
	bool made;

	if (store_outbox_counts(ov->st, &oc, &ov->why) != 0) {
		ov->how = SYNC_LOCAL;
		return;
	}
	/* Freeze one only when the bundle in flight is the last one waiting (the receipted aside). */
	waiting = oc.bundles - oc.refused_bundles - (ov->committed[0] != '\0' ? 1 : 0);
	if (waiting <= 1) {
		ov->how = bundle_some(ov, &made, &ov->why);
		if (ov->how != SYNC_DONE)
			return;
	}
	overlap_mark(ov);  /* unless the freeze marked it already */
}

/*
 * Ends a drain: the receipted bundle is marked sent whatever else happened,
 * and a drain that moved records checkpoints the log (store_checkpoint; a
 * failure there loses nothing, so it is not the drain's).
 */
static enum sync_outcome
drain_end(struct overlap *ov, enum sync_outcome how, char **cause)
{
	if (overlap_mark(ov) != 0 && how == SYNC_DONE) {
		fc_fail(cause, "%s", ov->why);
		how = SYNC_LOCAL;
	}
	if (ov->marked) {
		char *ignored = NULL;

		(void)store_checkpoint(ov->st, &ignored);
		free(ignored);
	}
	free(ov->why);
	ov->why = NULL;
	return how;
}

enum sync_outcome
sync_drain(struct store *st, struct sync_transport *t, const struct sync_options *o,
    sync_drain_fn *fn, void *ctx, char **cause)
{
	struct overlap ov = { .st = st, .o = o, .t = t, .how = SYNC_DONE };
	int64_t total, unbundled, done = 0, bytes = 0;

	if (sync_queued(st, &total, NULL, &unbundled, cause) != 0)
		return SYNC_LOCAL;
	ov.unfrozen = unbundled > 0 ? (size_t)unbundled : 0;
	if (fn != NULL)
		fn(ctx, total, done, bytes);
	for (;;) {
		struct store_bundle *b = NULL;
		enum sync_outcome how;
		struct sync_upload_info u = { 0 };
		char *why = NULL;
		size_t parts, cap;
		bool made;

		if (t->stopped(t)) {
			fc_fail(cause, "stopped");
			return drain_end(&ov, SYNC_ABORTED, cause);
		}
		if (store_outbox_next_except(st, ov.committed, &b, cause) != 0)
			return drain_end(&ov, SYNC_LOCAL, cause);
		if (b == NULL) {
			if (overlap_mark(&ov) != 0) {
				fc_fail(cause, "%s", ov.why);
				return drain_end(&ov, SYNC_LOCAL, cause);
			}
			how = bundle_some(&ov, &made, cause);
			if (how != SYNC_DONE || !made)
				return drain_end(&ov, how, cause);
			continue;
		}
		/* While the depot commits this bundle: mark the last one sent, freeze the next. */
		t->send(t, b);
		overlap_work(&ov);
		how = t->receipt(t, b, &u, &why);
		link_learn(t, b, &u);
		if (how == SYNC_REFUSED && bundle_refusal(u.status)) {
			/* This bundle will never pass as it is: keep it and its records aside,
			 * with the depot's reason, and go on with the rest of the queue. */
			if (store_outbox_mark_refused(st, b->uuid, u.status, why, cause) != 0) {
				how = SYNC_LOCAL;
			} else {
				how = SYNC_DONE;
				if (total >= (int64_t)b->record_count)
					total -= (int64_t)b->record_count;
			}
		} else if (how == SYNC_TRANSIENT && split_wanted(t, b, &u)) {
			/* Halved, or smaller still when the link measured says so. */
			cap = b->size / 2;
			if (link_fit(t) != 0 && link_fit(t) < cap)
				cap = link_fit(t);
			if (cap < SYNC_SPLIT_FLOOR)
				cap = SYNC_SPLIT_FLOOR;
			if (refreeze(&ov, b, cap, &parts, cause) != 0) {
				how = SYNC_LOCAL;
			} else {
				fc_fail(cause, "%s; re-froze its %zu records into %zu bundles of at most %zu KiB",
				    why, b->record_count, parts, (cap + 1023) / 1024);
				how = SYNC_RESIZED;
			}
		} else if (how != SYNC_DONE) {
			fc_fail(cause, "%s", why);
		} else {
			fc_strlcpy(ov.committed, b->uuid, sizeof ov.committed);
			done += (int64_t)b->record_count;
			bytes += (int64_t)b->size;
			if (done > total)
				total = done;  /* records finalized while we ran */
		}
		free(why);
		store_bundle_free(b);
		if (how == SYNC_DONE && ov.how != SYNC_DONE) {
			/* The upload went; the local work beside it failed: say that. */
			fc_fail(cause, "%s", ov.why);
			how = ov.how;
		}
		ov.how = SYNC_DONE;
		free(ov.why);
		ov.why = NULL;
		if (how != SYNC_DONE)
			return drain_end(&ov, how, cause);
		if (fn != NULL)
			fn(ctx, total, done, bytes);
	}
}

