/*
 * fieldcheck track — the patrol track points in the database, one wire line
 * (track/track.h: delta-encoded integers, readable with jq) per device,
 * inspector and day:
 *
 *   fieldcheck track [--day YYYY-MM-DD] [--inspector ID]
 *
 * On the handheld: what was recorded on duty; at the depot (--db the depot's
 * file): what the devices sent.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "track/track.h"
#include "util/util.h"

static int
print_run(void *ctx, const char *device, const char *inspector, const char *day,
    const struct store_track_point *pts, size_t n)
{
	size_t len;
	char *line = track_wire_encode(device, inspector, day, pts, n, &len);

	(void)ctx;
	fwrite(line, 1, len, stdout);
	fputc('\n', stdout);
	free(line);
	return 0;
}

int
cmd_track(struct cli_globals *g, int argc, char **argv)
{
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ "day", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store *st = NULL;
	struct track_group *grp;
	const char *day = NULL;
	char *db, *cause = NULL;
	int opt, status = 1;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'd')
			day = optarg;
		else if (opt == 'h') {
			fputs("usage: fieldcheck track [--day YYYY-MM-DD] [--inspector ID]\n", stdout);
			return 0;
		} else if (!cli_common_option(g, opt, optarg))
			goto usage;
	}
	if (optind != argc)
		goto usage;
	if (day != NULL && !fc_valid_day(day))
		return cli_error("--day %s: not YYYY-MM-DD", day), 2;
	db = cli_db_path(g);
	if (store_open(db, STORE_READ_ONLY, &st, &cause) != 0)
		goto out;
	grp = track_group_new(print_run, NULL);
	if (store_track_list(st, day, g->inspector, track_group_point, grp, &cause) != 0) {
		track_group_finish(grp);
		goto out;
	}
	track_group_finish(grp);
	status = 0;
out:
	if (cause != NULL) {
		cli_error("%s", cause);
		free(cause);
	}
	store_close(st);
	free(db);
	return status;
usage:
	fputs("usage: fieldcheck track [--day YYYY-MM-DD] [--inspector ID]\n", stderr);
	return 2;
}
