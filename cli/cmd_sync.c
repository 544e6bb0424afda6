/*
 * fieldcheck sync — runs fieldcheck-sync with the same arguments (and
 * --db), which drains the queue to the depot (syncd/dock.c).  The upload
 * lives in that program because it alone links libcurl, whose libraries
 * would otherwise load into every fieldcheck process, the inspector's screen
 * included (see docs/tui.md, "Memory").
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sync/sync.h"
#include "util/util.h"

int
cmd_sync(struct cli_globals *g, int argc, char **argv)
{
	char **av = xcalloc((size_t)argc + 4, sizeof *av);
	char *helper = sync_helper_path();
	size_t n = 0;

	av[n++] = helper;
	if (g->db_path != NULL) {
		av[n++] = (char *)"--db";
		av[n++] = (char *)g->db_path;
	}
	for (int i = 1; i < argc; i++)
		av[n++] = argv[i];
	av[n] = NULL;
	execvp(helper, av);
	cli_error("cannot run %s: %s (it is installed beside fieldcheck)", helper, strerror(errno));
	free(helper);
	free(av);
	return 1;
}
