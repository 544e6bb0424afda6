/*
 * review_seed — test and benchmark data: fills a database with a day of
 * records answered by the form engine against real checklists.
 *
 *   review_seed --db PATH --forms DIR --day YYYY-MM-DD --count N
 *               [--inspectors a,b,c] [--devices hh-1,hh-2] [--seed S] [--first N]
 *
 * --first numbers the assets from N, so that two devices' assets differ.
 *
 * Answers go through a form session, so relevance is respected exactly as
 * on a handheld: a hazard's details are answered only where it was found.
 * Records are answered against the newest version of each form, as a
 * handheld with the directory's checklists would.
 * Text answers mix CJK, commas, quotes and newlines on purpose; one record
 * in 20 has no position (with a reason), one in 20 a manual one.  Records
 * are finalized through the store; the bench copies them with SQL to reach
 * a million rows quickly.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/forms.h"
#include "store/store.h"
#include "util/util.h"

static unsigned long rng_state = 42;

static unsigned
rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
	return n ? (unsigned)((rng_state >> 33) % n) : 0;
}

static void
diag(void *ctx, const char *file, unsigned line, unsigned col, const char *message)
{
	(void)ctx;
	fprintf(stderr, "review_seed: %s:%u:%u: %s\n", file, line, col, message);
}

static void
keep_answer(void *ctx, const char *name, const char *value)
{
	store_record_set_answer(ctx, name, value);
}

static void
answer(struct form_session *s, const struct form *f, size_t q, unsigned serial, const char *day)
{
	const char *name = form_question_name(f, q);
	size_t nc = form_choice_count(f, q);
	char value[256], *msg = NULL;

	value[0] = '\0';
	switch (form_question_type(f, q)) {
	case FORM_TEXT:
		if (strcmp(name, "asset_id") == 0)
			snprintf(value, sizeof value, serial % 3 ? "R-%04u" : "路灯-%u", serial);
		else
			snprintf(value, sizeof value, "裂缝, \"很大\"\n第二行 #%u", serial);
		break;
	case FORM_INTEGER: snprintf(value, sizeof value, "%u", 1 + rnd(9)); break;
	case FORM_DECIMAL: snprintf(value, sizeof value, "%u.5", 1 + rnd(9)); break;
	case FORM_DATE: snprintf(value, sizeof value, "%s", day); break;
	case FORM_TIME: snprintf(value, sizeof value, "10:%02u:00", rnd(60)); break;
	case FORM_DATETIME: snprintf(value, sizeof value, "%sT10:00:00", day); break;
	case FORM_ACKNOWLEDGE: snprintf(value, sizeof value, "OK"); break;
	case FORM_SELECT_ONE:
		if (nc == 0)
			break;
		/*
		 * A hazard is found about one time in three: a yes/no question (a
		 * version-1 checklist's), or none/minor/moderate/severe.
		 */
		if (nc == 2 && strcmp(form_choice_name(f, q, 0), "yes") == 0)
			snprintf(value, sizeof value, "%s", rnd(3) == 0 ? "yes" : "no");
		else if (nc > 1 && strcmp(form_choice_name(f, q, 0), "none") == 0)
			snprintf(value, sizeof value, "%s",
			    form_choice_name(f, q, rnd(3) == 0 ? 1 + rnd((unsigned)nc - 1) : 0));
		else
			snprintf(value, sizeof value, "%s", form_choice_name(f, q, rnd((unsigned)nc)));
		break;
	case FORM_SELECT_MULTIPLE:
		if (nc == 0)
			break;
		snprintf(value, sizeof value, "%s", form_choice_name(f, q, 0));
		if (nc > 1 && rnd(2))
			snprintf(value + strlen(value), sizeof value - strlen(value), " %s",
			    form_choice_name(f, q, nc - 1));
		break;
	default:
		return;
	}
	if (value[0] != '\0' && form_session_set(s, name, value, &msg) != 0)
		free(msg);   /* a constraint refused it: leave it unanswered */
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "forms", required_argument, NULL, 'f' },
		{ "day", required_argument, NULL, 'D' },
		{ "count", required_argument, NULL, 'n' },
		{ "inspectors", required_argument, NULL, 'i' },
		{ "devices", required_argument, NULL, 'v' },
		{ "seed", required_argument, NULL, 's' },
		{ "first", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *dir = NULL, *day = NULL;
	char *inspectors = xstrdup("alice,bob,chen"), *devices = xstrdup("hh-1,hh-2");
	char *insp[16], *dev[16], *cause = NULL, *save;
	size_t ninsp = 0, ndev = 0;
	unsigned long count = 0, first = 0;
	struct form_library *lib;
	const struct form **newest = NULL;
	size_t nnewest = 0;
	struct store *st;
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'f': dir = optarg; break;
		case 'D': day = optarg; break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'i': free(inspectors); inspectors = xstrdup(optarg); break;
		case 'v': free(devices); devices = xstrdup(optarg); break;
		case 's': rng_state = strtoul(optarg, NULL, 10); break;
		case 'F': first = strtoul(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	if (db == NULL || dir == NULL || day == NULL || !fc_valid_day(day) || count == 0) {
		fputs("usage: review_seed --db PATH --forms DIR --day YYYY-MM-DD --count N "
		    "[--inspectors a,b] [--devices d1,d2] [--seed S]\n", stderr);
		return 2;
	}
	for (char *t = strtok_r(inspectors, ",", &save); t != NULL && ninsp < 16; t = strtok_r(NULL, ",", &save))
		insp[ninsp++] = t;
	for (char *t = strtok_r(devices, ",", &save); t != NULL && ndev < 16; t = strtok_r(NULL, ",", &save))
		dev[ndev++] = t;
	lib = form_library_load(dir, diag, NULL);
	/* The newest version of each id: the library sorts each id's versions last-newest. */
	for (size_t k = 0; lib != NULL && k < form_library_count(lib); k++) {
		const struct form *f = form_library_get(lib, k);

		if (k + 1 == form_library_count(lib) ||
		    strcmp(form_id(form_library_get(lib, k + 1)), form_id(f)) != 0) {
			newest = xreallocarray(newest, nnewest + 1, sizeof *newest);
			newest[nnewest++] = f;
		}
	}
	if (nnewest == 0) {
		fprintf(stderr, "review_seed: no forms in %s\n", dir);
		return 1;
	}
	if (store_open(db, STORE_READ_WRITE, &st, &cause) != 0) {
		fprintf(stderr, "review_seed: %s\n", cause);
		return 1;
	}
	for (unsigned long i = 0; i < count; i++) {
		size_t who = i % ninsp;
		const struct form *f = newest[rnd((unsigned)nnewest)];
		struct form_session *s = form_session_new(f, NULL);
		struct store_record *rec = store_record_new();
		unsigned secs = (unsigned)(i * 28800 / count);   /* 08:00 .. 16:00 local */

		for (size_t q = 0; q < form_question_count(f); q++)
			if (form_session_relevant(s, q))
				answer(s, f, q, (unsigned)(first + i), day);
		form_session_answers(s, keep_answer, rec);
		form_session_free(s);
		fc_strlcpy(rec->form_id, form_id(f), sizeof rec->form_id);
		fc_strlcpy(rec->form_version, form_version(f), sizeof rec->form_version);
		fc_strlcpy(rec->form_hash, form_hash(f), sizeof rec->form_hash);
		fc_strlcpy(rec->inspector, insp[who], sizeof rec->inspector);
		fc_strlcpy(rec->device, dev[who % ndev], sizeof rec->device);
		fc_strlcpy(rec->day, day, sizeof rec->day);
		/* Local 08:00 in UTC+8 is 00:00Z. */
		snprintf(rec->created_at, sizeof rec->created_at, "%sT%02u:%02u:%02u.000Z", day,
		    secs / 3600, secs / 60 % 60, secs % 60);
		if (i % 20 == 7) {
			rec->pos.source = STORE_POS_NONE;
			fc_strlcpy(rec->pos.reason, "underpass, no sky", sizeof rec->pos.reason);
		} else {
			/* Each inspector walks a route of their own across town. */
			double t = (double)i / (double)count;
			rec->pos.source = i % 20 == 3 ? STORE_POS_MANUAL : STORE_POS_GPSD;
			rec->pos.lat = 31.20 + 0.03 * (double)who + 0.02 * sin(6.0 * t + (double)who);
			rec->pos.lon = 121.44 + 0.06 * t + 0.004 * (double)rnd(5);
			rec->pos.accuracy_m = rec->pos.source == STORE_POS_MANUAL ? 25 : 3 + rnd(8);
			if (rec->pos.source == STORE_POS_MANUAL)
				fc_strlcpy(rec->pos.reason, "typed from the map: tall buildings",
				    sizeof rec->pos.reason);
			else {
				rec->pos.fix_mode = 3;
				rec->pos.satellites = 6 + (int)rnd(6);
			}
		}
		if (store_finalize(st, rec, &cause) != 0) {
			fprintf(stderr, "review_seed: %s\n", cause);
			return 1;
		}
		store_record_free(rec);
	}
	store_close(st);
	free(newest);
	form_library_free(lib);
	free(inspectors);
	free(devices);
	return 0;
}
