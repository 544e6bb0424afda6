/*
 * The no-command entry: the inspector's screen.  The global options arrive
 * in struct cli_globals; --bench-startup makes the screen exit right after
 * its first painted frame (for bench/bench_tui.sh).
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "platform/platform.h"
#include "tui/tui.h"
#include "util/util.h"

int
cmd_tui(struct cli_globals *g, int argc, char **argv)
{
	struct tui_options opt = { 0 };
	struct platform_grid *grid;
	char *db, *cause = NULL;
	int rc;

	(void)argv;
	if (argc > 1)
		return cli_error("the screen takes no arguments (see 'fieldcheck --help')");
	if (g->lang != NULL && strcmp(g->lang, "zh") != 0 && strcmp(g->lang, "en") != 0)
		return cli_error("--lang: '%s' is not zh or en", g->lang), 2;
	db = cli_db_path(g);
	if (fc_mkdir_parents(db, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		free(db);
		return 1;
	}
	opt.db_path = db;
	opt.forms_dir = g->forms_dir;
	opt.gpsd = cli_gpsd(g);
	opt.inspector = cli_inspector(g);
	opt.lang = g->lang;
	opt.device = cli_device();
	opt.config = cli_config();
	opt.bench_startup = g->bench_startup;
	grid = cli_screen_grid();
	opt.grid = grid;
	rc = tui_run(&opt, &cause);
	if (rc != 0) {
		cli_error("%s", cause);
		free(cause);
	}
	platform_grid_free(grid);
	free(db);
	return rc == 0 ? 0 : 1;
}
