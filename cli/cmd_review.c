/*
 * fieldcheck review [--day YYYY-MM-DD] [--reviewer NAME]
 *
 * The supervisor's review of a day in the terminal (tui/review*.c), on a
 * handheld or against the depot's database.  Reading needs nothing; every
 * decision needs the supervisor PIN (fieldcheck supervisor set-pin), asked
 * for inside the screen.  Without the PIN an inspector with an identity
 * sees only their own records.
 *
 * --bench-startup paints the first frame and exits (for the benchmark).
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "platform/platform.h"
#include "store/store.h"
#include "tui/tui.h"
#include "util/util.h"

static void
review_usage(FILE *f)
{
	fputs("usage: fieldcheck review [--db PATH] [--forms DIR] [--lang zh|en] [--inspector ID]\n"
	      "                         [--day YYYY-MM-DD] [--reviewer NAME]\n"
	      "The day defaults to today; [ and ] step between days.  Decisions need the\n"
	      "supervisor PIN ('fieldcheck supervisor set-pin').\n", f);
}

int
cmd_review(struct cli_globals *g, int argc, char **argv)
{
	enum { OPT_DAY = CLI_OPT_FIRST_FREE, OPT_REVIEWER, OPT_BENCH };
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ "day", required_argument, NULL, OPT_DAY },
		{ "reviewer", required_argument, NULL, OPT_REVIEWER },
		{ "bench-startup", no_argument, NULL, OPT_BENCH },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tui_options opt = { 0 };
	struct platform_grid *grid;
	char today[FC_DAY_LEN], *path, *cause = NULL;
	int ch, status = 0;

	fc_local_day(today, time(NULL));
	opt.review_day = today;
	while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (cli_common_option(g, ch, optarg))
			continue;
		switch (ch) {
		case OPT_DAY:
			if (!fc_valid_day(optarg))
				return cli_error("--day: '%s' is not a date (YYYY-MM-DD)", optarg);
			opt.review_day = optarg;
			break;
		case OPT_REVIEWER:
			opt.reviewer = optarg;
			break;
		case OPT_BENCH:
			opt.bench_startup = true;
			break;
		case 'h':
			review_usage(stdout);
			return 0;
		default:
			review_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		review_usage(stderr);
		return 2;
	}
	path = cli_db_path(g);
	if (store_target_is_postgresql(path)) {
		/* Decisions, the PIN and its log are SQLite's alone so far (docs/depot-postgresql.md). */
		cli_error("review: --db names a PostgreSQL database: the review stores its decisions in a "
		    "SQLite depot only so far (list, export and report read PostgreSQL) / 审核暂只支持 "
		    "SQLite 库");
		free(path);
		return 1;
	}
	opt.db_path = path;
	opt.forms_dir = g->forms_dir;
	/* The review needs no live position: gpsd only when asked for. */
	opt.gpsd = g->gpsd != NULL ? g->gpsd : "none";
	opt.inspector = cli_inspector(g);
	opt.lang = g->lang;
	opt.device = cli_device();
	opt.config = cli_config();
	grid = cli_screen_grid();
	opt.grid = grid;
	if (tui_run(&opt, &cause) != 0) {
		cli_error("%s", cause != NULL ? cause : "the review could not start");
		status = 1;
	}
	free(cause);
	free(path);
	platform_grid_free(grid);
	return status;
}
