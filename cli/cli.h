/*
 * cli — the `fieldcheck` command line: one file per command, dispatched from
 * main.c.  Commands parse their own options; the options every command
 * shares (--db, --forms, --lang, --inspector, --gpsd) may also stand before
 * the command name and arrive in struct cli_globals.
 *
 * Each command returns the process exit status: 0 success, 1 failure (a
 * message on stderr, prefixed "fieldcheck: "), 2 usage error.
 */
#ifndef FIELDCHECK_CLI_H
#define FIELDCHECK_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "forms/forms.h"

struct cli_globals {
	const char *db_path;     /* --db; NULL: fc_default_db_path() */
	const char *forms_dir;   /* --forms; NULL: form_default_dir() */
	const char *lang;        /* --lang */
	const char *inspector;   /* --inspector */
	const char *gpsd;        /* --gpsd HOST:PORT|none */
	bool bench_startup;      /* --bench-startup: the screen exits after its first frame */
};

/* Options shared by every command, for getopt_long tables; values >= 0x1000. */
enum {
	CLI_OPT_DB = 0x1000,
	CLI_OPT_FORMS,
	CLI_OPT_LANG,
	CLI_OPT_INSPECTOR,
	CLI_OPT_GPSD,
	CLI_OPT_FIRST_FREE = 0x1100,
};
#define CLI_COMMON_OPTIONS \
	{ "db", required_argument, NULL, CLI_OPT_DB }, \
	{ "forms", required_argument, NULL, CLI_OPT_FORMS }, \
	{ "lang", required_argument, NULL, CLI_OPT_LANG }, \
	{ "inspector", required_argument, NULL, CLI_OPT_INSPECTOR }, \
	{ "gpsd", required_argument, NULL, CLI_OPT_GPSD }

/* Stores a common option's value; false when opt is not one of them. */
bool cli_common_option(struct cli_globals *g, int opt, const char *arg);

/* Prints "fieldcheck: MESSAGE" on stderr; returns 1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The database path to use (caller frees). */
char *cli_db_path(const struct cli_globals *g);

/*
 * The user's configuration ($XDG_CONFIG_HOME/fieldcheck/config), loaded once
 * on first use; NULL (after a message on stderr) when it is malformed.
 * Owned by cli; lives until exit.
 */
struct fc_config *cli_config(void);
/* --inspector, else the config's `inspector`, else NULL.  Not freed. */
const char *cli_inspector(const struct cli_globals *g);
/* gpsd's HOST:PORT (or "none"): --gpsd, else the configuration's `gpsd`; NULL: the default. */
const char *cli_gpsd(const struct cli_globals *g);
/* The config's `device`, else the host name.  Not freed. */
const char *cli_device(void);

struct form_library;
/*
 * The checklists of --forms (or the default directory).  A broken file is a
 * warning on stderr with its file:line:column, not an error: a report or an
 * export of stored records must not fail over an unrelated form.
 */
struct form_library *cli_load_forms(const struct cli_globals *g);
/* Adds the checklists the depot's feed installed in the database (sync/feed.c) to lib. */
void cli_add_installed_forms(const struct cli_globals *g, struct form_library *lib, form_diag_fn *diag,
    void *ctx);

struct platform_codes;
struct platform_grid;
/*
 * The shipped code table with the city's over it (city, else the
 * configuration's `codes`); NULL with *cause (caller frees).  Caller frees.
 */
struct platform_codes *cli_load_codes(const char *city, char **cause);
/*
 * The unit grid (grid, else `grid`) and its names (names, else
 * `grid_names`): 0 with *out NULL when no grid is configured.  Caller frees.
 */
int cli_load_grid(const char *grid, const char *names, struct platform_grid **out, char **cause);
/*
 * The configured grid for a screen (the save screen's and the review's
 * cells), or NULL: none configured, or one that cannot be read (said as a
 * warning: saving and reviewing go on without cells).  Caller frees.
 */
struct platform_grid *cli_screen_grid(void);

struct coverage_zones;
struct coverage_calendar;
/* The zones file and, when calendar is not NULL, the calendar; -1 with *cause.  Caller frees both. */
int cli_coverage_load(const char *zones, const char *calendar, struct coverage_zones **z,
    struct coverage_calendar **cal, char **cause);

/* The commands.  argv[0] is the command's name; getopt state is reset. */
#define CLI_COMMANDS(X) \
	X(list,       "list records (tab-separated, or --json)") \
	X(forms,      "forms check [--codes FILE] FILE... | forms list") \
	X(record,     "record add --form ID name=value...") \
	X(gps,        "show the live GPS fix (--once: wait for one)") \
	X(sync,       "send queued records to the depot") \
	X(bundle,     "bundle cat|check FILE: print or check a bundle") \
	X(outbox,     "outbox list | outbox retry UUID: bundles waiting or refused") \
	X(photo,      "photo cat SHA256 > FILE | photo gc: the photos records keep") \
	X(review,     "review a day's records (supervisor)") \
	X(export,     "export a day as CSV, GeoJSON or platform cases") \
	X(report,     "print a day's report") \
	X(track,      "the patrol track points, one jq-readable line per inspector and day") \
	X(coverage,   "a day's patrol zones: visits done / required, overdue first") \
	X(supervisor, "supervisor set-pin|check-pin|reset-pin|pin-log")

#define CLI_DECLARE(name, help) int cmd_##name(struct cli_globals *g, int argc, char **argv);
CLI_COMMANDS(CLI_DECLARE)
#undef CLI_DECLARE

/* No command: the inspector's TUI. */
int cmd_tui(struct cli_globals *g, int argc, char **argv);

#endif
