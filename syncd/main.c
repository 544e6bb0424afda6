/*
 * fieldcheck-sync — entry point (see syncd/syncd.h).
 */
#include "syncd/syncd.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sync/sync.h"

/* --tui-worker --db PATH --device ID: what sync_proc_start() passes. */
static int
tui_worker(int argc, char **argv)
{
	static const struct option options[] = {
		{ "tui-worker", no_argument, NULL, 'w' },
		{ "db", required_argument, NULL, 'b' },
		{ "device", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct sync_options o = { 0 };
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'w': break;
		case 'b': o.db_path = optarg; break;
		case 'd': o.device = optarg; break;
		default: return 2;
		}
	}
	if (o.db_path == NULL || optind != argc)
		return cli_error("--tui-worker needs --db PATH and no arguments"), 2;
	sync_options_fill(&o, cli_config());
	if (o.device == NULL)
		o.device = cli_device();
	return syncd_relay(&o);
}

int
main(int argc, char **argv)
{
	struct cli_globals g = { 0 };

	setlocale(LC_ALL, "");
	if (argc > 1 && strcmp(argv[1], "--tui-worker") == 0)
		return tui_worker(argc, argv);
	return syncd_dock(&g, argc, argv);
}
