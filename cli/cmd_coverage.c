/*
 * fieldcheck coverage --zones FILE [--calendar FILE] [--day YYYY-MM-DD]
 *
 * Which patrol zones were visited on a day, against their plan (ordinary or
 * holiday by the calendar), overdue first (docs/coverage.md).  At the depot
 * (--db the depot's file) from every inspector's uploaded track and records;
 * on a handheld from its own.  Read only.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "coverage/coverage.h"
#include "report/report.h"
#include "store/store.h"
#include "util/util.h"

static void
coverage_usage(FILE *f)
{
	fputs("usage: fieldcheck coverage --zones FILE [--calendar FILE] [--day YYYY-MM-DD]\n"
	      "                           [--db PATH] [--lang zh|en]\n"
	      "The day defaults to today; the zones are a GeoJSON file (docs/coverage.md).\n", f);
}

int
cli_coverage_load(const char *zones_path, const char *calendar_path, struct coverage_zones **z,
    struct coverage_calendar **cal, char **cause)
{
	*z = NULL;
	*cal = NULL;
	if (coverage_zones_load(zones_path, z, cause) != 0)
		return -1;
	if (calendar_path != NULL && coverage_calendar_load(calendar_path, cal, cause) != 0) {
		coverage_zones_free(*z);
		*z = NULL;
		return -1;
	}
	return 0;
}

int
cmd_coverage(struct cli_globals *g, int argc, char **argv)
{
	enum { OPT_DAY = CLI_OPT_FIRST_FREE, OPT_ZONES, OPT_CAL };
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ "day", required_argument, NULL, OPT_DAY },
		{ "zones", required_argument, NULL, OPT_ZONES },
		{ "calendar", required_argument, NULL, OPT_CAL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char today[FC_DAY_LEN];
	const char *day = today, *zones_path = NULL, *cal_path = NULL;
	struct store *st = NULL;
	struct coverage_zones *z = NULL;
	struct coverage_calendar *cal = NULL;
	struct coverage_day *d = NULL;
	char *path = NULL, *cause = NULL;
	int opt, status = 1;

	fc_local_day(today, time(NULL));
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (cli_common_option(g, opt, optarg))
			continue;
		switch (opt) {
		case OPT_DAY:
			if (!fc_valid_day(optarg))
				return cli_error("--day: '%s' is not a date (YYYY-MM-DD)", optarg), 2;
			day = optarg;
			break;
		case OPT_ZONES:
			zones_path = optarg;
			break;
		case OPT_CAL:
			cal_path = optarg;
			break;
		case 'h':
			coverage_usage(stdout);
			return 0;
		default:
			coverage_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || zones_path == NULL) {
		coverage_usage(stderr);
		return 2;
	}
	if (cli_coverage_load(zones_path, cal_path, &z, &cal, &cause) != 0)
		goto done;
	path = cli_db_path(g);
	if (store_open(path, STORE_READ_ONLY, &st, &cause) != 0 ||
	    coverage_compute(st, z, cal, day, &d, &cause) != 0 ||
	    report_write_coverage(d, z, g->lang, stdout, &cause) != 0)
		goto done;
	status = 0;
done:
	if (cause != NULL)
		cli_error("%s", cause);
	coverage_day_free(d);
	coverage_zones_free(z);
	coverage_calendar_free(cal);
	store_close(st);
	free(cause);
	free(path);
	return status;
}
