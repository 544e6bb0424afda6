/*
 * depot — the catalogue of checklists and the tasks, from the command line
 * (docs/sync-protocol.md, "Change feed"; docs/review.md, "Cases"):
 *
 *   fieldcheck-depot --db D forms add FILE.csv | list | retire ID [VERSION]
 *   fieldcheck-depot --db D task add --form ID --asset TEXT --inspector ID [--device ID]
 *                                    [--at LAT,LON] [--due TIME] [--follows RECORD] [--note TEXT]
 *   fieldcheck-depot --db D task list [--inspector ID] [--open] | assign UUID DEVICE | cancel UUID
 *
 * A checklist is validated by the same form engine the handhelds run
 * before it enters the catalogue; every version is kept with its hash.
 */
#include "depot/depot.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/forms.h"
#include "store/depot_store.h"
#include "util/util.h"

#define DOCK_MAX_CHECKLIST (4u * 1024u * 1024u)

static const char dock_usage[] =
    "usage: fieldcheck-depot --db PATH forms add FILE.csv | list | retire ID [VERSION]\n"
    "       fieldcheck-depot --db PATH task add --form ID --asset TEXT --inspector ID [--device ID]\n"
    "                        [--at LAT,LON] [--due TIME] [--follows RECORD] [--note TEXT]\n"
    "       fieldcheck-depot --db PATH task list [--inspector ID] [--open] | assign UUID DEVICE\n"
    "                        | cancel UUID\n";

static int
usage(void)
{
	fputs(dock_usage, stderr);
	return 2;
}

static int
fail(char *cause)
{
	fprintf(stderr, "fieldcheck-depot: %s\n", cause);
	free(cause);
	return 1;
}

static void
form_diag(void *ctx, const char *file, unsigned line, unsigned col, const char *message)
{
	(void)ctx;
	fprintf(stderr, "fieldcheck-depot: %s:%u:%u: %s\n", file, line, col, message);
}

static int
print_checklist(void *ctx, const struct store_checklist *c)
{
	(void)ctx;
	printf("%s\t%s\t%s\t%s\t%s\n", c->form_id, c->version[0] != '\0' ? c->version : "-", c->hash,
	    c->added_at, c->retired_at[0] != '\0' ? "retired" : "offered");
	return 0;
}

static int
forms_add(struct depot_store *ds, const char *path)
{
	struct store_checklist c = { 0 };
	struct form *f;
	char *data = NULL, *cause = NULL;
	size_t len = 0;
	bool already = false;

	if (fc_read_file(path, DOCK_MAX_CHECKLIST, &data, &len, &cause) != 0)
		return fail(cause);
	f = form_load_buffer(path, data, len, form_diag, NULL);
	if (f == NULL) {
		free(data);
		fprintf(stderr, "fieldcheck-depot: %s: not added: the checklist does not load\n", path);
		return 1;
	}
	fc_strlcpy(c.form_id, form_id(f), sizeof c.form_id);
	fc_strlcpy(c.version, form_version(f), sizeof c.version);
	fc_strlcpy(c.hash, form_hash(f), sizeof c.hash);
	form_free(f);
	c.csv = data;
	c.csv_len = len;
	if (depot_store_checklist_add(ds, &c, &already, &cause) != 0) {
		free(data);
		return fail(cause);
	}
	free(data);
	printf("%s %s version %s (%s)\n", already ? "already held:" : "added:", c.form_id,
	    c.version[0] != '\0' ? c.version : "-", c.hash);
	return 0;
}

static int
cmd_forms(struct depot_store *ds, int argc, char **argv)
{
	char *cause = NULL;

	if (argc == 3 && strcmp(argv[1], "add") == 0)
		return forms_add(ds, argv[2]);
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		if (depot_store_checklist_list(ds, print_checklist, NULL, &cause) != 0)
			return fail(cause);
		return 0;
	}
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "retire") == 0) {
		if (depot_store_checklist_retire(ds, argv[2], argc == 4 ? argv[3] : NULL, &cause) != 0)
			return fail(cause);
		printf("retired: %s%s%s\n", argv[2], argc == 4 ? " version " : "", argc == 4 ? argv[3] : "");
		return 0;
	}
	return usage();
}

static int
print_task(void *ctx, const struct store_task *t)
{
	(void)ctx;
	printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t->uuid, store_task_state_name(t->state),
	    t->kind, t->inspector, t->device[0] != '\0' ? t->device : "-", t->form_id, t->asset,
	    t->due[0] != '\0' ? t->due : "-", t->follows[0] != '\0' ? t->follows : "-",
	    t->done_record[0] != '\0' ? t->done_record : "-");
	return 0;
}

/* LAT,LON in degrees, each within its range. */
static bool
parse_at(const char *s, double *lat, double *lon)
{
	char *end;

	*lat = strtod(s, &end);
	if (end == s || *end != ',')
		return false;
	s = end + 1;
	*lon = strtod(s, &end);
	return end != s && *end == '\0' && isfinite(*lat) && isfinite(*lon) && fabs(*lat) <= 90 &&
	    fabs(*lon) <= 180;
}

/* A due time: YYYY-MM-DD (the end of that day, UTC) or an ISO 8601 UTC time. */
static bool
parse_due(const char *s, char out[FC_TIME_LEN])
{
	size_t n = strlen(s);
	int y, mo, d, h = 23, mi = 59, sec = 59;

	if (n == 10 && sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) == 3) {
		/* the end of the day */
	} else if ((n == 20 || n == 24) && s[n - 1] == 'Z' &&
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) == 6) {
		/* a time */
	} else {
		return false;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || mi < 0 || sec < 0 || h > 23 || mi > 59 || sec > 60 || y < 2000 || y > 9999)
		return false;
	snprintf(out, FC_TIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", y % 10000, mo % 100, d % 100,
	    h % 100, mi % 100, sec % 100);
	return true;
}

static int
task_add(struct depot_store *ds, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "form", required_argument, NULL, 'f' },
		{ "version", required_argument, NULL, 'v' },
		{ "asset", required_argument, NULL, 'a' },
		{ "inspector", required_argument, NULL, 'i' },
		{ "device", required_argument, NULL, 'd' },
		{ "at", required_argument, NULL, 'p' },
		{ "due", required_argument, NULL, 'u' },
		{ "follows", required_argument, NULL, 'F' },
		{ "note", required_argument, NULL, 'n' },
		{ "by", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_task t;
	char *cause = NULL;
	int opt, index = 0;

	memset(&t, 0, sizeof t);
	t.lat = t.lon = NAN;
	fc_strlcpy(t.created_by, "depot", sizeof t.created_by);
	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, &index)) != -1) {
		size_t size = 0, n;
		char *dst = NULL;

		switch (opt) {
		case 'f': dst = t.form_id; size = sizeof t.form_id; break;
		case 'v': dst = t.form_version; size = sizeof t.form_version; break;
		case 'a': dst = t.asset; size = sizeof t.asset; break;
		case 'i': dst = t.inspector; size = sizeof t.inspector; break;
		case 'd': dst = t.device; size = sizeof t.device; break;
		case 'n': dst = t.note; size = sizeof t.note; break;
		case 'b': dst = t.created_by; size = sizeof t.created_by; break;
		case 'F':
			if (!fc_valid_uuid(optarg))
				return fprintf(stderr, "fieldcheck-depot: --follows %s: not a record UUID\n",
				    optarg), 2;
			dst = t.follows;
			size = sizeof t.follows;
			break;
		case 'p':
			if (!parse_at(optarg, &t.lat, &t.lon))
				return fprintf(stderr, "fieldcheck-depot: --at %s: expected LAT,LON in "
				    "degrees\n", optarg), 2;
			continue;
		case 'u':
			if (!parse_due(optarg, t.due))
				return fprintf(stderr, "fieldcheck-depot: --due %s: expected YYYY-MM-DD or "
				    "YYYY-MM-DDTHH:MM:SSZ\n", optarg), 2;
			continue;
		default:
			return usage();
		}
		n = strlen(optarg);
		if (n >= size || !fc_utf8_valid(optarg, n))
			return fprintf(stderr, "fieldcheck-depot: --%s: longer than %zu bytes or not "
			    "UTF-8\n", opts[index].name, size - 1), 2;
		memcpy(dst, optarg, n + 1);
	}
	if (optind != argc || t.form_id[0] == '\0' || t.asset[0] == '\0' || t.inspector[0] == '\0')
		return usage();
	if (depot_store_task_add(ds, &t, &cause) != 0)
		return fail(cause);
	printf("%s\n", t.uuid);
	if (t.state == STORE_TASK_OPEN)
		fprintf(stderr, "fieldcheck-depot: task %s is open: no device has delivered a record of "
		    "inspector %s yet; give --device ID to assign it\n", t.uuid, t.inspector);
	return 0;
}

static int
task_list(struct depot_store *ds, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "inspector", required_argument, NULL, 'i' },
		{ "open", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *inspector = NULL;
	bool open_only = false;
	char *cause = NULL;
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'i': inspector = optarg; break;
		case 'o': open_only = true; break;
		default: return usage();
		}
	}
	if (optind != argc)
		return usage();
	if (depot_store_task_list(ds, inspector, open_only, print_task, NULL, &cause) != 0)
		return fail(cause);
	return 0;
}

static int
cmd_task(struct depot_store *ds, int argc, char **argv)
{
	char *cause = NULL;

	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return task_add(ds, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return task_list(ds, argc - 1, argv + 1);
	if (argc == 4 && strcmp(argv[1], "assign") == 0) {
		if (depot_store_task_assign(ds, argv[2], argv[3], &cause) != 0)
			return fail(cause);
		printf("assigned: %s to %s\n", argv[2], argv[3]);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "cancel") == 0) {
		if (depot_store_task_cancel(ds, argv[2], &cause) != 0)
			return fail(cause);
		printf("cancelled: %s\n", argv[2]);
		return 0;
	}
	return usage();
}

int
depot_dock(const char *db, int argc, char **argv)
{
	struct depot_store *ds = NULL;
	char *cause = NULL;
	int rc;

	if (argc < 2)
		return usage();
	if (db == NULL) {
		fprintf(stderr, "fieldcheck-depot: %s commands need --db PATH\n", argv[0]);
		return 2;
	}
	if (depot_store_open(db, &ds, &cause) != 0)
		return fail(cause);
	rc = strcmp(argv[0], "forms") == 0 ? cmd_forms(ds, argc, argv) : cmd_task(ds, argc, argv);
	depot_store_close(ds);
	return rc;
}
