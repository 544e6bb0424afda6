/*
 * fieldcheck report [--day YYYY-MM-DD] [--form ID] [--inspector ID]
 *
 * The day as plain text for printing or mailing from the depot: totals, per
 * inspector, per asset type, and every severe hazard with its position and
 * follow-up state.  Read only, like export.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coverage/coverage.h"
#include "forms/forms.h"
#include "report/report.h"
#include "store/store.h"
#include "util/util.h"

static void
report_usage(FILE *f)
{
	fputs("usage: fieldcheck report [--db PATH] [--forms DIR] [--lang zh|en]\n"
	      "                         [--day YYYY-MM-DD] [--form ID] [--inspector ID]\n"
	      "                         [--zones FILE [--calendar FILE]]\n"
	      "The day defaults to today; --zones adds the patrol coverage section.\n", f);
}

int
cmd_report(struct cli_globals *g, int argc, char **argv)
{
	enum { OPT_DAY = CLI_OPT_FIRST_FREE, OPT_FORM, OPT_ZONES, OPT_CAL };
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ "day", required_argument, NULL, OPT_DAY },
		{ "form", required_argument, NULL, OPT_FORM },
		{ "zones", required_argument, NULL, OPT_ZONES },
		{ "calendar", required_argument, NULL, OPT_CAL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_query q = { 0 };
	char today[FC_DAY_LEN];
	struct depot_store *ds = NULL;
	struct form_library *lib = NULL;
	struct report_day *day = NULL;
	const char *zones_path = NULL, *cal_path = NULL;
	struct coverage_zones *zones = NULL;
	struct coverage_calendar *cal = NULL;
	struct coverage_day *cov = NULL;
	char *path = NULL, *cause = NULL;
	int opt, status = 1;

	fc_local_day(today, time(NULL));
	q.day = today;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (cli_common_option(g, opt, optarg))
			continue;
		switch (opt) {
		case OPT_DAY:
			if (!fc_valid_day(optarg))
				return cli_error("--day: '%s' is not a date (YYYY-MM-DD)", optarg);
			q.day = optarg;
			break;
		case OPT_FORM:
			q.form_id = optarg;
			break;
		case OPT_ZONES:
			zones_path = optarg;
			break;
		case OPT_CAL:
			cal_path = optarg;
			break;
		case 'h':
			report_usage(stdout);
			return 0;
		default:
			report_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		report_usage(stderr);
		return 2;
	}
	q.inspector = g->inspector;
	if (cal_path != NULL && zones_path == NULL) {
		report_usage(stderr);
		return 2;
	}
	if (zones_path != NULL && cli_coverage_load(zones_path, cal_path, &zones, &cal, &cause) != 0)
		goto fail;

	path = cli_db_path(g);
	if (depot_store_open_reader(path, &ds, &cause) != 0)
		goto fail;
	lib = cli_load_forms(g);
	if (report_day_load(ds, lib, &q, &day, &cause) != 0 ||
	    report_write_text(day, g->lang, stdout, &cause) != 0)
		goto fail;
	if (zones != NULL) {
		struct store *st = depot_store_sqlite(ds);

		fputc('\n', stdout);
		if (st == NULL) {
			cause = xstrdup("--zones: patrol coverage is not on PostgreSQL depots yet "
			    "(docs/depot-postgresql.md)");
			goto fail;
		}
		if (coverage_compute(st, zones, cal, q.day, &cov, &cause) != 0 ||
		    report_write_coverage(cov, zones, g->lang, stdout, &cause) != 0)
			goto fail;
	}
	status = 0;
	goto done;
fail:
	cli_error("%s", cause != NULL ? cause : "report failed");
done:
	report_day_free(day);
	coverage_day_free(cov);
	coverage_zones_free(zones);
	coverage_calendar_free(cal);
	if (lib != NULL)
		form_library_free(lib);
	depot_store_close(ds);
	free(cause);
	free(path);
	return status;
}
