/*
 * fieldcheck list — records, one per line.
 *
 * Tab-separated columns (for cut/awk), in this order:
 *   uuid status created_at day form_id form_version inspector device
 *   position_source lat lon accuracy_m answer_count
 * or with --json one whole record per line (answers and position included).
 *
 * The database is opened as every command opens it (created where missing,
 * upgraded where older), so a fresh device lists nothing rather than failing,
 * and a read-only, foreign, damaged or newer file is refused untouched.
 */
#include "cli/cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/depot_store.h"
#include "store/store.h"
#include "util/util.h"

struct list_output {
	struct store_json *json;   /* kept from record to record; NULL without --json */
	bool failed;
};

/* An empty field for an unknown number, so that a column never says "nan". */
static void
print_number(double v, const char *fmt)
{
	if (isfinite(v))
		printf(fmt, v);
}

static int
print_record(void *ctx, const struct store_record *rec)
{
	struct list_output *out = ctx;

	if (out->json != NULL) {
		size_t len;
		const char *json = store_json_render(out->json, rec, &len);

		fwrite(json, 1, len, stdout);
		putchar('\n');
	} else {
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t", rec->uuid, store_status_name(rec->status),
		    rec->created_at, rec->day, rec->form_id, rec->form_version, rec->inspector,
		    rec->device, store_pos_source_name(rec->pos.source));
		print_number(rec->pos.lat, "%.7f");
		putchar('\t');
		print_number(rec->pos.lon, "%.7f");
		putchar('\t');
		print_number(rec->pos.accuracy_m, "%.1f");
		printf("\t%zu\n", rec->answer_count);
	}
	if (ferror(stdout)) {
		out->failed = true;
		return 1;
	}
	return 0;
}

static void
list_usage(FILE *f)
{
	fputs("usage: fieldcheck list [--db PATH] [--day YYYY-MM-DD] [--status draft|final|bundled|sent]\n"
	      "                       [--inspector ID] [--form ID] [--limit N] [--json]\n", f);
}

int
cmd_list(struct cli_globals *g, int argc, char **argv)
{
	enum { OPT_DAY = CLI_OPT_FIRST_FREE, OPT_STATUS, OPT_FORM, OPT_LIMIT, OPT_JSON };
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ "day", required_argument, NULL, OPT_DAY },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "form", required_argument, NULL, OPT_FORM },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_filter filter = STORE_FILTER_ALL;
	struct list_output out = { 0 };
	struct store *st = NULL;
	struct depot_store *ds = NULL;
	char *path, *cause = NULL, *end;
	int opt, status = 1;
	bool json = false;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (cli_common_option(g, opt, optarg))
			continue;
		switch (opt) {
		case OPT_DAY:
			if (!fc_valid_day(optarg))
				return cli_error("--day: '%s' is not a date (YYYY-MM-DD)", optarg);
			filter.day = optarg;
			break;
		case OPT_STATUS:
			if (store_status_parse(optarg, &filter.status) != 0)
				return cli_error("--status: '%s' is not draft, final, bundled or sent", optarg);
			filter.any_status = false;
			break;
		case OPT_FORM:
			filter.form_id = optarg;
			break;
		case OPT_LIMIT:
			filter.limit = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || optarg[0] == '-')
				return cli_error("--limit: '%s' is not a count", optarg);
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'h':
			list_usage(stdout);
			return 0;
		default:
			list_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		list_usage(stderr);
		return 2;
	}
	filter.inspector = g->inspector;
	if (json)
		out.json = store_json_new();

	path = cli_db_path(g);
	if (store_target_is_postgresql(path)) {
		if (depot_store_open_reader(path, &ds, &cause) != 0)
			goto fail;
	} else {
		/* A listing reads each page once, in order: SQLite's 2 MiB cache would only hold what is done. */
		if (store_open(path, STORE_READ_ONLY, &st, &cause) != 0 ||
		    store_small_cache(st, &cause) != 0)
			goto fail;
		ds = depot_store_borrow(st);
	}
	if (depot_store_list(ds, &filter, print_record, &out, &cause) != 0)
		goto fail;
	if (fflush(stdout) != 0 || out.failed) {
		cli_error("cannot write the list: output error");
		goto done;
	}
	status = 0;
	goto done;
fail:
	cli_error("%s", cause);
done:
	free(cause);
	free(path);
	store_json_free(out.json);
	depot_store_close(ds);
	store_close(st);
	return status;
}
