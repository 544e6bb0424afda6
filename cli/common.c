/*
 * What every command shares: the common options, the error line, and the
 * database path, configuration, inspector and device they default from.
 * Apart from main.c so that fieldcheck-sync (syncd/) links the same code.
 */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forms/forms.h"
#include "util/util.h"

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
forms_warning(void *ctx, const char *file, unsigned line, unsigned col, const char *message)
{
	(void)ctx;
	fprintf(stderr, "fieldcheck: warning: %s:%u:%u: %s\n", file, line, col, message);
}

struct form_library *
cli_load_forms(const struct cli_globals *g)
{
	char *dir = form_default_dir(g->forms_dir);
	struct form_library *lib = form_library_load(dir, forms_warning, NULL);

	free(dir);
	return lib;
}
