/*
 * fieldcheck gps — the live fix in one line per second, like a one-line cgps,
 * for inspectors and depot staff checking a receiver.
 *
 *   fieldcheck gps [--gpsd HOST:PORT] [--once] [--timeout S] [--changes] [--max-age S]
 *
 * --once waits for the first fix (up to --timeout, default 30 s), prints it
 * (the bare status line, no time stamp) and exits 0; without a fix it exits 1 saying why (no gpsd, or no fix).
 * While it waits it says so on stderr, and why, at once and at every change.
 * --changes prints a line on every change of state or fix instead of once a
 * second, each with what a record finalized at that moment would be stamped
 * with (record=gpsd age=S, or record=none when the last fix is older than
 * --max-age, default 10 s).  Without --once the command runs until
 * interrupted, or for --timeout seconds when given.
 *
 * One poll() loop over the gpsd socket, with the client's own timers and the
 * next print as its timeout: no busy loop, no sleeping.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "gps/gpsclient.h"
#include "util/util.h"

enum {
	OPT_ONCE = CLI_OPT_FIRST_FREE,
	OPT_TIMEOUT,
	OPT_CHANGES,
	OPT_MAX_AGE,
};

static volatile sig_atomic_t gps_interrupted;

static void
gps_on_signal(int sig)
{
	(void)sig;
	gps_interrupted = 1;
}

static int
gps_parse_seconds(const char *opt, const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end != '\0' || errno != 0 || !isfinite(v) || v < 0 || v > 86400 * 365)
		return cli_error("%s %s: expected a number of seconds from 0 to 31536000", opt, arg) + 1;
	*out = v;
	return 0;
}

/* The usage line: on stdout with status 0 when asked for (--help), else on stderr with 2. */
static int
gps_usage(FILE *out)
{
	fputs("usage: fieldcheck gps [--gpsd HOST:PORT|none] [--once] [--timeout S] "
	    "[--changes] [--max-age S]\n", out);
	return out == stdout ? 0 : 2;
}

/* Prints one line; false when stdout is gone (e.g. a closed pipe). */
static bool
gps_print(const struct gpsclient *gc, bool changes, bool once, double max_age_s)
{
	char desc[256];
	struct gps_fix fix;
	double age;

	gpsclient_describe(gc, desc, sizeof desc);
	if (changes) {
		enum gps_state st = gpsclient_state(gc);
		if (gpsclient_stamp(gc, max_age_s, &fix, &age))
			printf("%s\t%s\trecord=gpsd age=%.1f\n", gpsclient_state_name(st), desc, age);
		else
			printf("%s\t%s\trecord=none\n", gpsclient_state_name(st), desc);
	} else if (once) {
		printf("%s\n", desc);
	} else {
		char now[FC_TIME_LEN];
		fc_now_iso_utc(now);
		printf("%.19sZ  %s\n", now, desc);
	}
	return fflush(stdout) == 0 && !ferror(stdout);
}

/* What --once last said it was waiting for. */
struct gps_waiting {
	char said[512];
	int kind;           /* the state, and whether there was a reason */
	int64_t at_ms;
};

/* A changed reason of the same kind is said again only this often (a refused time changes every report). */
#define GPS_WAITING_REPEAT_MS 10000

/*
 * --once: says on stderr what it is waiting for and why, as soon as there is
 * a reason (a refused connection, a refused report) or after a second
 * without a fix, and again when that changes.
 */
static void
gps_say_waiting(const struct gpsclient *gc, const char *where, int64_t waited_ms,
    struct gps_waiting *w)
{
	char now[512];
	const char *why = gpsclient_error(gc);
	int64_t t = fc_monotonic_ms();
	int kind = (int)gpsclient_state(gc) * 2 + (*why != '\0');

	if (waited_ms < 1000 && (strcmp(why, "connecting") == 0 || *why == '\0'))
		return;   /* a fix usually comes at once: no news yet */

	switch (gpsclient_state(gc)) {
	case GPS_NO_GPSD:
		snprintf(now, sizeof now, "waiting for gpsd at %s: %s", where, why);
		break;
	case GPS_NO_FIX:
	case GPS_STALE:
		snprintf(now, sizeof now, "waiting for a fix from gpsd at %s%s%s", where,
		    *why != '\0' ? ": refused: " : "", why);
		break;
	default:
		return;
	}
	if (strcmp(now, w->said) == 0 ||
	    (w->said[0] != '\0' && kind == w->kind && t - w->at_ms < GPS_WAITING_REPEAT_MS))
		return;
	fc_strlcpy(w->said, now, sizeof w->said);
	w->kind = kind;
	w->at_ms = t;
	cli_error("%s", now);
}

/* What the command was asked to do. */
struct gps_watch {
	bool once, changes, have_timeout;
	double timeout_s, max_age_s;
	const char *where;  /* gpsd's HOST:PORT, as said in messages */
};

/*
 * How long poll() may sleep: until the client's next timer, the next
 * print, the deadline, or (with --changes) the moment the last fix grows
 * too old to stamp, which is a change too.  -1: no timer at all.
 */
static int64_t
gps_wait_ms(const struct gpsclient *gc, const struct gps_watch *w, int64_t now, int64_t start,
    int64_t next_print, int64_t deadline, bool said_waiting)
{
	int64_t wait = gpsclient_timeout_ms(gc);

	if (w->once && !said_waiting && now - start < 1000 && (wait < 0 || start + 1000 - now < wait))
		wait = start + 1000 - now;   /* to say what it waits for */

	if (!w->once && !w->changes && (wait < 0 || next_print - now < wait))
		wait = next_print - now;
	if (deadline >= 0 && (wait < 0 || deadline - now < wait))
		wait = deadline - now;
	if (w->changes) {
		/* Wake when the last fix grows too old to stamp: that is a change too. */
		double age = gpsclient_fix_age_s(gc);

		if (isfinite(age) && age <= w->max_age_s) {
			int64_t until = (int64_t)((w->max_age_s - age) * 1000) + 1;

			if (wait < 0 || until < wait)
				wait = until;
		}
	}
	return wait;
}

/* Says why --once found no fix in time. */
static void
gps_say_no_fix(const struct gpsclient *gc, const struct gps_watch *w)
{
	if (gpsclient_state(gc) == GPS_NO_GPSD)
		cli_error("no gpsd within %.0f s at %s: %s", w->timeout_s, w->where,
		    gpsclient_error(gc));
	else if (*gpsclient_error(gc) != '\0')
		cli_error("no fix within %.0f s: gpsd's report refused: %s", w->timeout_s,
		    gpsclient_error(gc));
	else
		cli_error("no fix within %.0f s (gpsd answers, the receiver has no fix)",
		    w->timeout_s);
}

/*
 * The poll() loop, until a fix (--once), the deadline, a signal or a
 * closed stdout.  Returns the exit status.
 */
static int
gps_watch_run(struct gpsclient *gc, const struct gps_watch *w)
{
	int64_t start = fc_monotonic_ms();
	int64_t deadline = (w->once || w->have_timeout) ? start + (int64_t)(w->timeout_s * 1000) : -1;
	int64_t next_print = start + 1000;
	enum gps_state last_printed = GPS_OFF;
	bool last_stampable = false;
	struct gps_waiting waiting = { .said = "" };
	int status = 1;

	while (!gps_interrupted) {
		bool changed = gpsclient_process(gc);
		int64_t now = fc_monotonic_ms(), wait;
		struct pollfd p = { .fd = gpsclient_fd(gc), .events = POLLIN };

		if (w->once) {
			if (gpsclient_state(gc) == GPS_FIX) {
				if (gps_print(gc, w->changes, true, w->max_age_s))
					status = 0;
				break;
			}
			gps_say_waiting(gc, w->where, now - start, &waiting);
		} else if (w->changes) {
			enum gps_state st = gpsclient_state(gc);
			struct gps_fix fix;
			double age;
			bool stampable = gpsclient_stamp(gc, w->max_age_s, &fix, &age);

			if ((changed || st != last_printed || stampable != last_stampable) &&
			    !gps_print(gc, true, false, w->max_age_s))
				break;
			last_printed = st;
			last_stampable = stampable;
		} else if (now >= next_print) {
			if (!gps_print(gc, false, false, w->max_age_s))
				break;
			while (next_print <= now)
				next_print += 1000;
		}
		if (deadline >= 0 && now >= deadline) {
			if (!w->once)
				status = 0;
			else
				gps_say_no_fix(gc, w);
			break;
		}
		wait = gps_wait_ms(gc, w, now, start, next_print, deadline, waiting.said[0] != '\0');
		if (poll(&p, 1, wait < 0 ? -1 : (int)wait) == -1 && errno != EINTR) {
			cli_error("poll: %s", strerror(errno));
			break;
		}
	}
	if (gps_interrupted && !w->once)
		status = 0;
	return status;
}

int
cmd_gps(struct cli_globals *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_OPTIONS,
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "changes", no_argument, NULL, OPT_CHANGES },
		{ "max-age", required_argument, NULL, OPT_MAX_AGE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gps_watch w = { .timeout_s = 30, .max_age_s = 10 };
	const char *hostport;
	struct gpsclient *gc = NULL;
	char *cause = NULL;
	int opt, status;
	struct sigaction sa;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_ONCE:
			w.once = true;
			break;
		case OPT_CHANGES:
			w.changes = true;
			break;
		case OPT_TIMEOUT:
			if (gps_parse_seconds("--timeout", optarg, &w.timeout_s) != 0)
				return 2;
			w.have_timeout = true;
			break;
		case OPT_MAX_AGE:
			if (gps_parse_seconds("--max-age", optarg, &w.max_age_s) != 0)
				return 2;
			break;
		case 'h':
			return gps_usage(stdout);
		default:
			if (cli_common_option(g, opt, optarg))
				break;
			return gps_usage(stderr);
		}
	}
	if (optind != argc)
		return gps_usage(stderr);

	hostport = cli_gpsd(g);
	w.where = hostport != NULL ? hostport : "localhost:2947";
	if (gpsclient_open(hostport, &gc, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		return 2;
	}
	if (gpsclient_state(gc) == GPS_OFF) {
		gpsclient_close(gc);
		return cli_error("GPS is off (--gpsd none)");
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = gps_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	status = gps_watch_run(gc, &w);
	gpsclient_close(gc);
	return status;
}
