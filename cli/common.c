/*
 * What every command shares: the common options, the error line, and the
 * database path, configuration, inspector and device they default from
 * (the configuration and the device name themselves are util's, which
 * fieldcheck-sync uses too).
 */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forms/forms.h"
#include "store/store.h"
#include "sync/sync.h"
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

	va_start(ap, fmt);
	fc_verror(fmt, ap);
	va_end(ap);
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
	return fc_config_user();
}

const char *
cli_inspector(const struct cli_globals *g)
{
	if (g->inspector != NULL && g->inspector[0] != '\0')
		return g->inspector;
	return fc_config_get(cli_config(), "inspector");
}

const char *
cli_gpsd(const struct cli_globals *g)
{
	if (g->gpsd != NULL && g->gpsd[0] != '\0')
		return g->gpsd;
	return fc_config_get(cli_config(), "gpsd");
}

const char *
cli_device(void)
{
	return fc_device_name(cli_config());
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
	cli_add_installed_forms(g, lib, forms_warning, NULL);
	return lib;
}

void
cli_add_installed_forms(const struct cli_globals *g, struct form_library *lib, form_diag_fn *diag,
    void *ctx)
{
	struct store *st = NULL;
	char *db = cli_db_path(g);

	/* A handheld that never docked (or a database from before version 6) has none: not an error. */
	if (access(db, F_OK) == 0 && store_open(db, STORE_READ_ONLY, &st, NULL) == 0)
		sync_feed_checklists(st, lib, diag, ctx, NULL);
	store_close(st);
	free(db);
}
