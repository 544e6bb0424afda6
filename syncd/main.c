/*
 * fieldcheck-sync — entry point (see syncd/syncd.h).
 */
#include "syncd/syncd.h"

#include <getopt.h>
#include <locale.h>
#include <string.h>

#include "sync/sync.h"
#include "util/util.h"

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
		return fc_error("--tui-worker needs --db PATH and no arguments"), 2;
	sync_options_fill(&o, fc_config_user());
	if (o.device == NULL)
		o.device = fc_device_name(fc_config_user());
	return syncd_worker(&o);
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc > 1 && strcmp(argv[1], "--tui-worker") == 0)
		return tui_worker(argc, argv);
	return syncd_dock(argc, argv);
}
