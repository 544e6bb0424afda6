/* Placeholder until its issue lands: says so plainly instead of pretending. */
#include "cli/cli.h"

int
cmd_review(struct cli_globals *g, int argc, char **argv)
{
	(void)g;
	(void)argc;
	(void)argv;
	return cli_error("'review' is not built yet");
}
