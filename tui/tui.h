/*
 * tui — the inspector's screen: pick a checklist, answer it one question at
 * a time, review, save.  The only module that includes curses.
 *
 * tui_run() owns the terminal from start to return: it restores it on every
 * exit path (normal, error, SIGTERM/SIGHUP/SIGINT, fatal signals).  It runs
 * one poll() loop over the keyboard, the gpsd socket, the pipe from the sync
 * worker process (when the config names a depot `server`) and a signal
 * self-pipe, and
 * redraws at most once per wakeup.
 */
#ifndef FIELDCHECK_TUI_H
#define FIELDCHECK_TUI_H

#include <stdbool.h>

struct fc_config;
struct platform_grid;

struct tui_options {
	const char *db_path;      /* the store; required */
	const char *forms_dir;    /* NULL: form_default_dir() */
	const char *gpsd;         /* "HOST:PORT", "none", NULL: localhost */
	const char *inspector;    /* NULL or "": ask once and remember in config */
	const char *lang;         /* "zh", "en", NULL: each form's default */
	const char *device;       /* the device name records carry */
	struct fc_config *config; /* where the inspector is remembered; may be NULL */
	/* The unit grid (docs/platform.md): the save screen and the review show
	 * each position's cell.  NULL: none.  Not owned; outlives tui_run. */
	const struct platform_grid *grid;
	bool bench_startup;       /* exit right after the first painted frame */
	/* Review mode (fieldcheck review, tui/review*.c): opens the supervisor's
	 * review of this day (YYYY-MM-DD) instead of the inspector's home. */
	const char *review_day;
	const char *reviewer;     /* the name decisions are stored under */
};

/*
 * Runs the TUI until the inspector quits or a terminating signal arrives.
 * Returns 0, or -1 with *cause (caller frees) when it could not start
 * (unreadable database, no forms, not a terminal).
 */
int tui_run(const struct tui_options *opt, char **cause);

#endif
