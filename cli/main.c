/*
 * fieldcheck — entry point: global options, then a command, else the TUI.
 */
#include "cli/cli.h"

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

struct command {
	const char *name;
	const char *help;
	int (*run)(struct cli_globals *, int, char **);
};

#define CLI_ENTRY(n, h) { #n, h, cmd_##n },
static const struct command commands[] = { CLI_COMMANDS(CLI_ENTRY) };
#undef CLI_ENTRY

bool
cli_common_option(struct cli_globals *g, int opt, const char *arg)
{
	switch (opt) {
	case CLI_OPT_DB: g->db_path = arg; return true;
	case CLI_OPT_FORMS: g->forms_dir = arg; return true;
	case CLI_OPT_LANG: g->lang = arg; return true;
	case CLI_OPT_INSPECTOR: g->inspector = arg; return true;
	case CLI_OPT_GPSD: g->gpsd = arg; return true;
	default: return false;
	}
}

int
cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("fieldcheck: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

char *
cli_db_path(const struct cli_globals *g)
{
	return g->db_path != NULL ? xstrdup(g->db_path) : fc_default_db_path();
}

struct fc_config *
cli_config(void)
{
	static struct fc_config *cfg;
	static bool loaded;
	char *cause = NULL;
	char *path;

	if (loaded)
		return cfg;
	loaded = true;
	path = fc_config_path();
	if (fc_config_load(path, &cfg, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		cfg = NULL;
	}
	free(path);
	return cfg;
}

const char *
cli_inspector(const struct cli_globals *g)
{
	if (g->inspector != NULL && g->inspector[0] != '\0')
		return g->inspector;
	return fc_config_get(cli_config(), "inspector");
}

const char *
cli_device(void)
{
	static char host[65];
	const char *device = fc_config_get(cli_config(), "device");

	if (device != NULL && device[0] != '\0')
		return device;
	if (host[0] == '\0' && (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0'))
		fc_strlcpy(host, "unknown-device", sizeof host);
	return host;
}

static void
usage(FILE *out)
{
	fputs("usage: fieldcheck [--db PATH] [--forms DIR] [--gpsd HOST:PORT|none]\n"
	      "                  [--inspector ID] [--lang zh|en] [COMMAND [ARGS]]\n"
	      "\nWithout a command, fieldcheck opens the inspector's screen.\n\nCommands:\n", out);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].help);
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
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
		if (!cli_common_option(&g, opt, optarg)) {
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	optind = 0;  /* glibc: 0 fully reinitialises getopt for the command */
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
