/*
 * coverage — a day's visits (coverage.h): each inspector's track read in
 * stretches (track_clean), the zones each point lies in (the geo index),
 * the stays long enough to count, and records saved inside a zone.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coverage/coverage.h"
#include "track/track.h"

#define AT_MAX 16   /* zones one point may lie in at once */

struct stay {
	int64_t from, to;
	const char *by;           /* an inspector name owned by the day */
};

struct zone_acc {
	int64_t run_from, run_to; /* the open run of the current inspector (run_from 0: none) */
	int64_t pend_from, pend_to;
	bool pending;
	struct stay *stays;       /* the day's counted stays */
	size_t nstays, cap;
	int64_t last;             /* the latest visit's start (UTC seconds), 0: none */
	char last_iso[FC_TIME_LEN];
	const char *last_by;
	int records;              /* visits by a record outside every counted stay */
};

struct coverage_day_priv {
	struct coverage_day pub;
	struct zone_acc *acc;
	size_t nzones;
	char **names;             /* inspector names kept for last_by */
	size_t nnames;
};

struct coverage_day *
coverage_day_new(const struct coverage_zones *z, const struct coverage_calendar *cal, const char *day)
{
	struct coverage_day_priv *p = xcalloc(1, sizeof *p);

	p->nzones = coverage_zones_count(z);
	p->acc = xcalloc(p->nzones > 0 ? p->nzones : 1, sizeof *p->acc);
	fc_strlcpy(p->pub.day, day, sizeof p->pub.day);
	p->pub.holiday = coverage_calendar_label(cal, day);
	return &p->pub;
}

void
coverage_day_free(struct coverage_day *d)
{
	struct coverage_day_priv *p = (struct coverage_day_priv *)d;

	if (d == NULL)
		return;
	for (size_t i = 0; i < p->nzones; i++)
		free(p->acc[i].stays);
	for (size_t i = 0; i < p->nnames; i++)
		free(p->names[i]);
	free(p->names);
	free(p->acc);
	free(d->rows);
	free(p);
}

static const char *
keep_name(struct coverage_day_priv *p, const char *name)
{
	if (p->nnames > 0 && strcmp(p->names[p->nnames - 1], name) == 0)
		return p->names[p->nnames - 1];
	p->names = xreallocarray(p->names, p->nnames + 1, sizeof *p->names);
	p->names[p->nnames] = xstrdup(name);
	return p->names[p->nnames++];
}

static void
note_last(struct zone_acc *a, int64_t t, const char *iso, const char *by)
{
	if (a->last != 0 && t <= a->last)
		return;
	a->last = t;
	if (iso != NULL)
		fc_strlcpy(a->last_iso, iso, sizeof a->last_iso);
	else
		fc_time_iso_utc(a->last_iso, (struct timespec){ .tv_sec = (time_t)t });
	a->last_by = by;
}

/* A pending stay of this inspector ends: counted when long enough. */
static void
settle(const struct coverage_zones *z, struct zone_acc *a, size_t zi, const char *by)
{
	struct coverage_zone zone;

	if (!a->pending)
		return;
	a->pending = false;
	coverage_zone_get(z, zi, &zone);
	if ((double)(a->pend_to - a->pend_from) < zone.min_minutes * 60.0)
		return;
	if (a->nstays == a->cap) {
		a->cap = a->cap == 0 ? 4 : a->cap * 2;
		a->stays = xreallocarray(a->stays, a->cap, sizeof *a->stays);
	}
	a->stays[a->nstays++] = (struct stay){ a->pend_from, a->pend_to, by };
	note_last(a, a->pend_from, NULL, by);
}

/* A run inside zone zi closed at `to`: merged into the pending stay or starting one. */
static void
run_closed(const struct coverage_zones *z, struct zone_acc *a, size_t zi, const char *by, int64_t to)
{
	if (a->pending && a->run_from - a->pend_to < COVERAGE_MERGE_S)
		a->pend_to = to;
	else {
		settle(z, a, zi, by);
		a->pending = true;
		a->pend_from = a->run_from;
		a->pend_to = to;
	}
	a->run_from = 0;
}

static bool
holds(const size_t *set, size_t n, size_t v)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == v)
			return true;
	return false;
}

void
coverage_add_track(struct coverage_day *d, const struct coverage_zones *z, const char *inspector,
    const struct store_track_point *pts, size_t n, bool scan)
{
	struct coverage_day_priv *p = (struct coverage_day_priv *)d;
	size_t open[AT_MAX], nopen = 0, touched_cap = 64, ntouched = 0;
	size_t *touched = xcalloc(touched_cap, sizeof *touched);
	const char *by = keep_name(p, inspector);

	for (size_t i = 0; i < n; i++) {
		size_t at[AT_MAX], nat, keep = 0;
		double lon = pts[i].lon / 1e6, lat = pts[i].lat / 1e6;
		bool brk = track_breaks(i > 0 ? &pts[i - 1] : NULL, &pts[i], TRACK_GAP_S);

		nat = scan ? coverage_zones_at_scan(z, lon, lat, at, AT_MAX) :
		    coverage_zones_at(z, lon, lat, at, AT_MAX);
		if (nat > AT_MAX)
			nat = AT_MAX;
		/* Runs that end here: left the zone (at this point's time), or the stretch broke. */
		for (size_t k = 0; k < nopen; k++) {
			struct zone_acc *a = &p->acc[open[k]];

			if (brk)
				run_closed(z, a, open[k], by, a->run_to);
			else if (!holds(at, nat, open[k]))
				run_closed(z, a, open[k], by, pts[i].t);
			else
				open[keep++] = open[k];
		}
		nopen = keep;
		for (size_t k = 0; k < nat; k++) {
			struct zone_acc *a = &p->acc[at[k]];

			if (a->run_from == 0) {
				a->run_from = pts[i].t;
				open[nopen++] = at[k];
				if (!a->pending) {
					if (ntouched == touched_cap) {
						touched_cap *= 2;
						touched = xreallocarray(touched, touched_cap, sizeof *touched);
					}
					touched[ntouched++] = at[k];
				}
			}
			a->run_to = pts[i].t;
		}
	}
	for (size_t k = 0; k < nopen; k++)
		run_closed(z, &p->acc[open[k]], open[k], by, p->acc[open[k]].run_to);
	for (size_t k = 0; k < ntouched; k++)
		settle(z, &p->acc[touched[k]], touched[k], by);
	free(touched);
	d->inspectors++;
	d->points += n;
}

void
coverage_add_record(struct coverage_day *d, const struct coverage_zones *z,
    const struct store_record *rec)
{
	struct coverage_day_priv *p = (struct coverage_day_priv *)d;
	size_t at[AT_MAX], nat;
	struct timespec ts;
	const char *when = rec->finalized_at[0] != '\0' ? rec->finalized_at : rec->created_at;

	if (rec->status == STORE_DRAFT || rec->pos.source == STORE_POS_NONE ||
	    fc_parse_iso_utc(when, &ts) != 0)
		return;
	nat = coverage_zones_at(z, rec->pos.lon, rec->pos.lat, at, AT_MAX);
	for (size_t k = 0; k < nat && k < AT_MAX; k++) {
		struct zone_acc *a = &p->acc[at[k]];
		bool during = false;

		/* A record saved during a counted stay of the same inspector is that visit. */
		for (size_t s = 0; s < a->nstays && !during; s++)
			during = strcmp(a->stays[s].by, rec->inspector) == 0 &&
			    ts.tv_sec >= a->stays[s].from - COVERAGE_MERGE_S &&
			    ts.tv_sec <= a->stays[s].to + COVERAGE_MERGE_S;
		if (during)
			continue;
		a->records++;
		note_last(a, ts.tv_sec, when, keep_name(p, rec->inspector));
	}
}

static int
row_order(const void *x, const void *y, void *ctx)
{
	const struct coverage_row *a = x, *b = y;
	const struct coverage_zones *z = ctx;
	struct coverage_zone za, zb;
	int sa = a->required - a->done, sb = b->required - b->done;

	if (a->overdue != b->overdue)
		return a->overdue ? -1 : 1;
	if (a->overdue && sa != sb)
		return sa > sb ? -1 : 1;
	coverage_zone_get(z, a->zone, &za);
	coverage_zone_get(z, b->zone, &zb);
	return strcmp(za.name_en, zb.name_en);
}

void
coverage_day_finish(struct coverage_day *d, const struct coverage_zones *z)
{
	struct coverage_day_priv *p = (struct coverage_day_priv *)d;

	d->rows = xcalloc(p->nzones > 0 ? p->nzones : 1, sizeof *d->rows);
	d->nrows = p->nzones;
	for (size_t i = 0; i < p->nzones; i++) {
		struct coverage_row *r = &d->rows[i];
		struct coverage_zone zone;

		coverage_zone_get(z, i, &zone);
		r->zone = i;
		r->required = d->holiday != NULL ? zone.patrols_holiday : zone.patrols;
		r->done = (int)p->acc[i].nstays + p->acc[i].records;
		if (p->acc[i].last != 0) {
			fc_strlcpy(r->last_at, p->acc[i].last_iso, sizeof r->last_at);
			fc_strlcpy(r->last_by, p->acc[i].last_by, sizeof r->last_by);
		}
		r->overdue = r->done < r->required;
	}
	qsort_r(d->rows, d->nrows, sizeof *d->rows, row_order, (void *)(uintptr_t)z);
}

/* ---- From the store ---- */

struct reading {
	struct coverage_day *d;
	const struct coverage_zones *z;
};

static int
take_track(void *ctx, const char *inspector, const struct store_track_point *pts, size_t n,
    const struct track_clean_counts *c)
{
	struct reading *r = ctx;

	r->d->glitches += c->glitches;
	r->d->reordered += c->reordered;
	r->d->repeats += c->repeats;
	coverage_add_track(r->d, r->z, inspector, pts, n, false);
	return 0;
}

static int
take_record(void *ctx, const struct store_record *rec)
{
	struct reading *r = ctx;

	coverage_add_record(r->d, r->z, rec);
	return 0;
}

int
coverage_compute(struct store *st, const struct coverage_zones *z,
    const struct coverage_calendar *cal, const char *day, struct coverage_day **out, char **cause)
{
	struct reading r = { .z = z };
	struct store_filter f = STORE_FILTER_ALL;

	*out = NULL;
	if (!fc_valid_day(day))
		return fc_fail(cause, "coverage: '%s' is not a day (YYYY-MM-DD)", day);
	r.d = coverage_day_new(z, cal, day);
	if (track_read_day(st, day, NULL, take_track, &r, cause) != 0)
		goto fail;
	f.day = day;
	if (store_list(st, &f, take_record, &r, cause) != 0)
		goto fail;
	coverage_day_finish(r.d, z);
	*out = r.d;
	return 0;
fail:
	coverage_day_free(r.d);
	return -1;
}
