/*
 * fieldcheck record add --form ID [--inspector ID] [--at LAT,LON[,ACC_M]] name=value...
 *
 * A photo question's name=@FILE imports the photo (photo/: checked,
 * downscaled to the question's max-pixels, stripped) into the photo store
 * beside the database, synced before the record is saved; its answer names
 * the photo by SHA-256.  A question with appearance `multiple` takes
 * several (name=@A name=@B).
 *
 * Saves one final record from the command line, for scripts, tests,
 * benchmarks and imports from other tools.  The answers go through the same
 * form session as the TUI's: types, constraints, relevance and required are
 * checked exactly as on the handheld, and only then is the record written,
 * durably, by store_finalize.  Answers are applied in form order (not
 * argument order) so that a question's relevance sees the answers before it,
 * as it would on screen.
 */
#include "cli/cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/forms.h"
#include "meaning/meaning.h"
#include "photo/photo.h"
#include "store/store.h"
#include "util/util.h"

enum { OPT_FORM = CLI_OPT_FIRST_FREE, OPT_AT };

struct pair {
	char *name;
	const char *value;
	long q;
	size_t entry;     /* "cracks[2]/length": 1; SIZE_MAX outside repeats */
	long at;          /* where the screen asks it: q, or its repeat's row */
	/* A photo question's @FILE arguments, in order; value is then their answer, owned. */
	const char **files;
	size_t nfiles;
	char *owned;
};

/* Form order, a repeat's answers entry by entry, as the screen asks them. */
static int
cmp_pairs(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->entry != y->entry)
		return x->entry < y->entry ? -1 : 1;
	return x->q < y->q ? -1 : x->q > y->q;
}

/* Makes pair p's entry current (adding entries up to it), so that p's question is read there. */
static void
enter(const struct form *f, struct form_session *s, const struct pair *p)
{
	long r = form_question_repeat(f, (size_t)p->q);
	char *msg = NULL;

	if (r < 0)
		return;
	while (!form_repeat_counted(f, (size_t)r) && p->entry != SIZE_MAX &&
	    form_session_entry_count(s, (size_t)r) <= p->entry &&
	    form_session_add_entry(s, (size_t)r, &msg) == 0)
		;
	free(msg);
	if (p->entry != SIZE_MAX)
		form_session_select_entry(s, (size_t)r, p->entry);
}

/* Gives the session this device's last saved record of the form, for ${last-saved#x}. */
static int
last_saved(struct store *st, const struct form *f, struct form_session *s, char **cause)
{
	struct store_record *last = NULL;

	if (store_last_saved(st, form_id(f), cli_device(), &last, cause) != 0)
		return -1;
	for (size_t i = 0; last != NULL && i < last->answer_count; i++)
		form_session_set_last_saved(s, last->answers[i].name, last->answers[i].value);
	store_record_free(last);
	return 0;
}

static void
add_answer(void *ctx, const char *name, const char *value)
{
	store_record_set_answer(ctx, name, value);
}

static void
print_diag(void *ctx, const char *file, unsigned line, unsigned col, const char *message)
{
	(void)ctx;
	if (line == 0)
		fprintf(stderr, "%s: error: %s\n", file, message);
	else
		fprintf(stderr, "%s:%u:%u: error: %s\n", file, line, col, message);
}

/* Prints the message, adding the question's name when the message lacks it. */
static int
answer_error(const char *qname, const char *message)
{
	char quoted[80];

	snprintf(quoted, sizeof quoted, "'%s'", qname);
	if (strstr(message, quoted) != NULL)
		return cli_error("%s", message);
	return cli_error("%s: %s", qname, message);
}

/*
 * The name=value arguments as answers to f's questions, plus (when at is
 * given) one for every geopoint question not answered explicitly, whose
 * value is NULL until apply_answers fills it.  0 with *out (free with
 * free_pairs), or -1 after saying what is wrong.
 */
static int
read_pairs(const struct form *f, int first, int argc, char **argv, bool at,
    struct pair **out, size_t *n)
{
	struct pair *pairs = xcalloc((size_t)argc + 1, sizeof *pairs);
	size_t npairs = 0;

	*out = pairs;
	*n = 0;
	for (int i = first; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		struct pair *p = &pairs[npairs];

		if (eq == NULL || eq == argv[i]) {
			cli_error("'%s': expected name=value", argv[i]);
			return -1;
		}
		p->name = xstrndup(argv[i], (size_t)(eq - argv[i]));
		p->value = eq + 1;
		p->q = form_question_locate(f, p->name, &p->entry);
		*n = ++npairs;
		if (p->q < 0) {
			cli_error("form '%s' has no question '%s'", form_id(f), p->name);
			return -1;
		}
		p->at = form_question_repeat(f, (size_t)p->q) >= 0 ?
		    form_question_repeat(f, (size_t)p->q) : p->q;
		for (size_t k = 0; k + 1 < npairs; k++)
			if (pairs[k].q == p->q && pairs[k].entry == p->entry) {
				if (p->value[0] == '@' && pairs[k].nfiles > 0) {
					/* Another photo for the same question. */
					pairs[k].files = xreallocarray(pairs[k].files,
					    pairs[k].nfiles + 1, sizeof *pairs[k].files);
					pairs[k].files[pairs[k].nfiles++] = p->value + 1;
					free(p->name);
					*n = --npairs;
					break;
				}
				cli_error("'%s' is answered twice", p->name);
				return -1;
			}
		if (npairs > 0 && &pairs[npairs - 1] == p && p->value[0] == '@' &&
		    form_question_type(f, (size_t)p->q) == FORM_PHOTO) {
			if (!form_question_is_image(f, (size_t)p->q)) {
				cli_error("%s: @FILE imports a photo, and this question takes an audio, "
				    "video or other file: give its path", p->name);
				return -1;
			}
			p->files = xcalloc(1, sizeof *p->files);
			p->files[p->nfiles++] = p->value + 1;
		}
	}
	for (size_t q = 0; at && q < form_question_count(f); q++) {
		bool given = false;

		if (form_question_type(f, q) != FORM_GEOPOINT)
			continue;
		for (size_t k = 0; k < npairs; k++)
			given |= pairs[k].q == (long)q;
		if (given)
			continue;
		pairs = xreallocarray(pairs, npairs + 2, sizeof *pairs);
		*out = pairs;
		memset(&pairs[npairs], 0, sizeof pairs[npairs]);
		pairs[npairs].name = xstrdup(form_question_name(f, q));
		pairs[npairs].value = NULL;
		pairs[npairs].q = (long)q;
		pairs[npairs].entry = SIZE_MAX;
		pairs[npairs].at = form_question_repeat(f, q) >= 0 ? form_question_repeat(f, q) :
		    (long)q;
		*n = ++npairs;
	}
	return 0;
}

/* The question's max-pixels (0: the default), as the form gave it. */
static unsigned
max_pixels(const struct form *f, size_t q)
{
	const char *v = form_question_parameter(f, q, "max-pixels");

	return v != NULL ? (unsigned)strtoul(v, NULL, 10) : 0;
}

/* Photos this command stored that were not there before: removed again if the record is not saved. */
struct new_photos {
	char (*sha)[PHOTO_HASH_LEN];
	size_t n;
};

/* Imports one @FILE of question q and stores it: 0 with *info, or -1 after saying why. */
static int
import_one(const struct form *f, size_t q, const char *file, struct photo_store *ps,
    struct new_photos *added, struct photo_info *info)
{
	char *cause = NULL;
	bool fresh;

	if (photo_store_import(ps, file, max_pixels(f, q), info, &fresh, &cause) != 0) {
		cli_error("%s: %s", form_question_name(f, q), cause);
		free(cause);
		return -1;
	}
	if (fresh) {
		added->sha = xreallocarray(added->sha, added->n + 1, sizeof *added->sha);
		memcpy(added->sha[added->n++], info->sha256, PHOTO_HASH_LEN);
	}
	return 0;
}

/* An answer typed in the photo form must name photos the store holds: the upload sends them. */
static int
check_stored(const struct form *f, size_t q, const char *value, struct photo_store *ps)
{
	struct photo_info ph[PHOTO_MAX_PER_ANSWER];
	size_t n;

	if (photo_answer_parse(value, ph, PHOTO_MAX_PER_ANSWER, &n) != 0)
		return cli_error("%s: '%s' is not a photo answer (sha256:HASH WxH BYTES TIME, "
		    "';' between photos, at most %d)", form_question_name(f, q), value,
		    PHOTO_MAX_PER_ANSWER);
	for (size_t i = 0; i < n; i++)
		if (!photo_store_has(ps, ph[i].sha256))
			return cli_error("%s: photo %s is not in %s", form_question_name(f, q),
			    ph[i].sha256, "the photo store");
	return 0;
}

/*
 * Imports each photo question's @FILE arguments into the photo store
 * beside the database (downscaled to the question's max-pixels) and makes
 * their answer.  Each photo is synced to disk when this returns, before
 * the record that names it is saved.  0, or -1 after saying what is wrong.
 */
static int
import_photos(const struct form *f, const char *db, struct pair *pairs, size_t npairs,
    struct photo_store **ps, struct new_photos *added)
{
	char *dir, *cause = NULL;

	for (size_t k = 0; k < npairs; k++) {
		struct pair *p = &pairs[k];
		struct photo_info ph[PHOTO_MAX_PER_ANSWER];

		if (form_question_type(f, (size_t)p->q) != FORM_PHOTO ||
		    (p->nfiles == 0 && !photo_answer_is(p->value)))
			continue;
		if (*ps == NULL) {
			dir = photo_store_dir_beside(db);
			if (photo_store_open(dir, ps, &cause) != 0) {
				cli_error("%s", cause);
				free(cause);
				free(dir);
				return -1;
			}
			free(dir);
		}
		if (p->nfiles == 0) {
			if (check_stored(f, (size_t)p->q, p->value, *ps) != 0)
				return -1;
			continue;
		}
		if (p->nfiles > PHOTO_MAX_PER_ANSWER)
			return cli_error("%s: %zu photos, more than the %d one question holds",
			    p->name, p->nfiles, PHOTO_MAX_PER_ANSWER);
		if (p->nfiles > 1 && strstr(form_question_appearance(f, (size_t)p->q), "multiple") == NULL)
			return cli_error("%s takes one photo (a question with appearance 'multiple' "
			    "takes several)", p->name);
		for (size_t i = 0; i < p->nfiles; i++)
			if (import_one(f, (size_t)p->q, p->files[i], *ps, added, &ph[i]) != 0)
				return -1;
		p->owned = photo_answer_format(ph, p->nfiles);
		p->value = p->owned;
	}
	return 0;
}

static void
free_pairs(struct pair *pairs, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		free(pairs[k].name);
		free(pairs[k].files);
		free(pairs[k].owned);
	}
	free(pairs);
}

/*
 * Applies the answers in form order, each question shown first as on
 * screen (its relevance sees the answers before it, its dynamic default
 * is computed), then checks the whole record.  A NULL value is a geopoint
 * that takes at (NULL: no position given), which start-geopoint is also
 * offered.  0, or -1 after saying what is wrong.
 */
static int
apply_answers(const struct form *f, struct form_session *s, struct pair *pairs, size_t npairs,
    const struct store_position *at)
{
	char point[128] = "", *msg = NULL;
	size_t bad_q, shown = 0;
	int rc = -1;

	if (at != NULL) {
		meaning_geopoint_text(at->lat, at->lon, NAN, at->accuracy_m, point, sizeof point);
		form_session_offer_position(s, point);
	}
	qsort(pairs, npairs, sizeof *pairs, cmp_pairs);
	for (size_t k = 0; k < npairs; k++) {
		const char *value = pairs[k].value != NULL ? pairs[k].value : point;

		while (shown <= (size_t)pairs[k].at)
			form_session_show(s, shown++);
		enter(f, s, &pairs[k]);
		/* inside an entry, its questions up to this one are shown first */
		for (size_t q = (size_t)pairs[k].at; q <= (size_t)pairs[k].q; q++)
			form_session_show(s, q);
		if (form_session_set(s, pairs[k].name, value, &msg) != 0) {
			answer_error(pairs[k].name, msg);
			goto out;
		}
	}
	while (shown < form_question_count(f))
		form_session_show(s, shown++);
	for (size_t r = 0; r < form_question_count(f); r++)
		for (size_t e = 0; form_question_is_repeat(f, r) &&
		    e < form_session_entry_count(s, r); e++) {
			form_session_select_entry(s, r, e);
			for (size_t q = r; q < form_question_end(f, r); q++)
				form_session_show(s, q);
		}
	/* An answer that a later answer made irrelevant was cleared: say so. */
	for (size_t k = 0; k < npairs; k++) {
		enter(f, s, &pairs[k]);
		if (pairs[k].value != NULL && pairs[k].value[0] != '\0' &&
		    !form_session_relevant(s, (size_t)pairs[k].q)) {
			cli_error("%s: this question does not apply with the other answers given",
			    pairs[k].name);
			goto out;
		}
	}
	if (form_session_check_all(s, &bad_q, &msg) != 0) {
		answer_error(form_question_name(f, bad_q), msg);
		goto out;
	}
	rc = 0;
out:
	free(msg);
	return rc;
}

/*
 * An empty record of form f by inspector, at the typed position at (NULL:
 * none given).  Caller frees; NULL after saying why not.
 */
static struct store_record *
new_record(const struct form *f, const char *inspector, const struct store_position *at)
{
	struct store_record *rec = store_record_new();

	fc_strlcpy(rec->form_id, form_id(f), sizeof rec->form_id);
	fc_strlcpy(rec->form_version, form_version(f), sizeof rec->form_version);
	fc_strlcpy(rec->form_hash, form_hash(f), sizeof rec->form_hash);
	fc_strlcpy(rec->inspector, inspector, sizeof rec->inspector);
	if (fc_strlcpy(rec->device, cli_device(), sizeof rec->device) >= sizeof rec->device) {
		cli_error("device name too long (at most %d bytes)", STORE_ID_LEN - 1);
		store_record_free(rec);
		return NULL;
	}
	store_position_clear(&rec->pos);
	if (at != NULL) {
		rec->pos = *at;
		fc_strlcpy(rec->pos.reason, "record add --at", sizeof rec->pos.reason);
	} else {
		rec->pos.source = STORE_POS_NONE;
		fc_strlcpy(rec->pos.reason, "no position given", sizeof rec->pos.reason);
	}
	return rec;
}

static int
record_add(struct cli_globals *g, int argc, char **argv)
{
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ "form", required_argument, NULL, OPT_FORM },
		{ "at", required_argument, NULL, OPT_AT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *form_name = NULL, *at = NULL, *inspector;
	struct store_position at_pos;
	struct form_library *lib = NULL;
	const struct form *f;
	struct form_session *s = NULL;
	struct store_record *rec = NULL;
	struct store *st = NULL;
	struct pair *pairs = NULL;
	size_t npairs = 0;
	struct photo_store *ps = NULL;
	struct new_photos added = { 0 };
	char *dir = NULL, *db = NULL, *cause = NULL;
	int opt, status = 1;

	store_position_clear(&at_pos);
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_FORM: form_name = optarg; break;
		case OPT_AT: at = optarg; break;
		case 'h':
			puts("usage: fieldcheck record add --form ID [--inspector ID] "
			     "[--at LAT,LON[,ACC_M]] name=value... (a photo: name=@FILE)");
			return 0;
		default:
			if (!cli_common_option(g, opt, optarg))
				return 2;
		}
	}
	if (form_name == NULL) {
		cli_error("record add: --form ID is required");
		return 2;
	}
	if (at != NULL && meaning_parse_position(at, &at_pos) != 0)
		return cli_error("--at '%s': expected LAT,LON[,ACCURACY_M] in degrees "
		    "(-90..90, -180..180) and metres", at);
	if ((inspector = cli_inspector(g)) == NULL || inspector[0] == '\0')
		return cli_error("no inspector: give --inspector ID or set 'inspector' in %s",
		    "the configuration file");
	if (strlen(inspector) >= STORE_ID_LEN)
		return cli_error("inspector id too long (at most %d bytes)", STORE_ID_LEN - 1);

	dir = form_default_dir(g->forms_dir);
	lib = form_library_load(dir, print_diag, NULL);
	cli_add_installed_forms(g, lib, print_diag, NULL);
	if ((f = form_library_find(lib, form_name, NULL)) == NULL) {
		cli_error("no form '%s' in %s", form_name, dir);
		goto out;
	}
	if (strlen(form_id(f)) >= STORE_ID_LEN || strlen(form_version(f)) >= STORE_VERSION_LEN) {
		cli_error("form id or version too long to store");
		goto out;
	}
	s = form_session_new(f, g->lang);
	form_session_set_identity(s, cli_device(), inspector);
	db = cli_db_path(g);
	if (store_open(db, STORE_READ_WRITE, &st, &cause) != 0 || last_saved(st, f, s, &cause) != 0) {
		cli_error("%s", cause != NULL ? cause : "could not open the records database");
		goto out;
	}
	if (read_pairs(f, optind, argc, argv, at != NULL, &pairs, &npairs) != 0 ||
	    import_photos(f, db, pairs, npairs, &ps, &added) != 0 ||
	    apply_answers(f, s, pairs, npairs, at != NULL ? &at_pos : NULL) != 0)
		goto out;

	if ((rec = new_record(f, inspector, at != NULL ? &at_pos : NULL)) == NULL)
		goto out;
	form_session_answers(s, add_answer, rec);

	if (store_finalize(st, rec, &cause) != 0) {
		cli_error("%s", cause != NULL ? cause : "could not save the record");
		goto out;
	}
	printf("%s\n", rec->uuid);
	status = 0;
out:
	/* Not saved: the photos stored for it alone go again (a crash here leaves them to the collection). */
	for (size_t i = 0; status != 0 && i < added.n; i++)
		(void)photo_store_remove(ps, added.sha[i], NULL);
	free(added.sha);
	photo_store_close(ps);
	free_pairs(pairs, npairs);
	free(cause);
	free(db);
	free(dir);
	if (st != NULL)
		store_close(st);
	store_record_free(rec);
	form_session_free(s);
	form_library_free(lib);
	return status;
}

int
cmd_record(struct cli_globals *g, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return record_add(g, argc - 1, argv + 1);
	fputs("usage: fieldcheck record add --form ID [--inspector ID] [--at LAT,LON[,ACC_M]] "
	    "name=value...\n", stderr);
	return 2;
}
