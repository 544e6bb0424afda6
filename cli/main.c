/*
 * fieldcheck — entry point: global options, then a command, else the TUI.
 */
#include "cli/cli.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	const char *help;
	int (*run)(struct cli_globals *, int, char **);
};

#define CLI_ENTRY(n, h) { #n, h, cmd_##n },
static const struct command commands[] = { CLI_COMMANDS(CLI_ENTRY) };
#undef CLI_ENTRY

static void
usage(FILE *out)
{
	fputs("usage: fieldcheck [--db PATH] [--forms DIR] [--gpsd HOST:PORT|none]\n"
	      "                  [--inspector ID] [--lang zh|en] [--bench-startup] [COMMAND [ARGS]]\n"
	      "\nWithout a command, fieldcheck opens the inspector's screen (--bench-startup:\n"
	      "and leaves it right after the first painted frame, for timing).\n\nCommands:\n", out);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].help);
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ "bench-startup", no_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_globals g = { 0 };
	int opt;

	setlocale(LC_ALL, "");
	/* '+' stops at the command name, leaving its options to it. */
	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return 0;
		}
		if (opt == 'B') {
			g.bench_startup = true;
			continue;
		}
		if (!cli_common_option(&g, opt, optarg)) {
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	optind = 0;  /* glibc: 0 fully reinitialises getopt for the command */
	if (argc > 0 && g.bench_startup) {
		cli_error("--bench-startup is for the screen, not '%s'", argv[0]);
		return 2;
	}
	if (argc == 0) {
		char *prog[] = { (char *)"fieldcheck", NULL };
		return cmd_tui(&g, 1, prog);
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			return commands[i].run(&g, argc, argv);
	cli_error("unknown command '%s'", argv[0]);
	usage(stderr);
	return 2;
}
