/*
 * fieldcheck supervisor set-pin | check-pin | reset-pin | pin-log
 *
 * set-pin reads the current PIN (when one is set) and then the new one
 * twice, and stores only its salted slow hash (supervisor_pin_set).  From a
 * terminal the PINs are read without echo, and the terminal is restored on
 * every exit path, an interrupt included; when stdin is not a terminal
 * (scripts, tests) they are read as lines from it.  check-pin reads one PIN
 * the same way and exits 0 when it matches; wrong PINs make the next try
 * wait (supervisor/pin.c).  reset-pin clears a forgotten PIN without it, and
 * the PIN log keeps that it did, when and by which user; pin-log prints
 * that log.
 */
#include "cli/cli.h"

#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <pwd.h>
#include <unistd.h>

#include "supervisor/supervisor.h"
#include "store/store.h"
#include "util/util.h"

static struct termios saved_tio;
static volatile sig_atomic_t echo_off;

static void
restore_echo(void)
{
	if (echo_off) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
		echo_off = 0;
	}
}

static void
on_signal(int sig)
{
	restore_echo();
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Reads one line into buf (size bytes) without echo when stdin is a
 * terminal.  A line that does not fit is refused, not cut.
 */
static int
read_pin(const char *prompt, char *buf, size_t size, char **cause)
{
	bool tty = isatty(STDIN_FILENO);
	size_t len;
	int c;

	if (tty) {
		struct termios tio;

		if (tcgetattr(STDIN_FILENO, &saved_tio) != 0)
			return fc_fail(cause, "cannot read the terminal's settings");
		tio = saved_tio;
		tio.c_lflag &= ~(tcflag_t)ECHO;
		tio.c_lflag |= ECHONL;
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		signal(SIGHUP, on_signal);
		echo_off = 1;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio) != 0) {
			echo_off = 0;
			return fc_fail(cause, "cannot turn the terminal's echo off");
		}
		fputs(prompt, stderr);
		fflush(stderr);
	}
	if (fgets(buf, (int)size, stdin) == NULL) {
		restore_echo();
		return fc_fail(cause, "no PIN given (end of input)");
	}
	restore_echo();
	len = strlen(buf);
	if (len > 0 && buf[len - 1] != '\n' && !feof(stdin)) {
		while ((c = getchar()) != EOF && c != '\n')
			;
		sodium_memzero(buf, size);
		return fc_fail(cause, "the PIN is too long: at most %d bytes", SUPERVISOR_PIN_MAX);
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	return 0;
}

static int
print_pin_event(void *ctx, const char *at, const char *event, const char *detail)
{
	(void)ctx;
	printf("%s\t%s\t%s\n", at, event, detail[0] != '\0' ? detail : "-");
	return 0;
}

static void
supervisor_usage(FILE *f)
{
	fputs("usage: fieldcheck supervisor [--db PATH] set-pin | check-pin | reset-pin | pin-log\n"
	      "  set-pin    read the current PIN (when one is set), then a new PIN twice\n"
	      "             (no echo), and store its salted hash\n"
	      "  check-pin  read a PIN; exit 0 when it is the supervisor's (wrong PINs make\n"
	      "             the next try wait)\n"
	      "  reset-pin  clear a forgotten PIN; the database keeps when and by whom\n"
	      "  pin-log    print every PIN set, change, reset and check\n", f);
}

int
cmd_supervisor(struct cli_globals *g, int argc, char **argv)
{
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char pin[SUPERVISOR_PIN_MAX + 2], again[SUPERVISOR_PIN_MAX + 2], current[SUPERVISOR_PIN_MAX + 2];
	struct store *st = NULL;
	char *path = NULL, *cause = NULL;
	const char *action;
	int opt, status = 1;
	bool ok;

	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		if (cli_common_option(g, opt, optarg))
			continue;
		supervisor_usage(opt == 'h' ? stdout : stderr);
		return opt == 'h' ? 0 : 2;
	}
	if (optind + 1 != argc) {
		supervisor_usage(stderr);
		return 2;
	}
	action = argv[optind];
	if (strcmp(action, "set-pin") != 0 && strcmp(action, "check-pin") != 0 &&
	    strcmp(action, "reset-pin") != 0 && strcmp(action, "pin-log") != 0) {
		cli_error("supervisor: unknown action '%s'", action);
		supervisor_usage(stderr);
		return 2;
	}
	memset(pin, 0, sizeof pin);
	memset(again, 0, sizeof again);
	memset(current, 0, sizeof current);
	path = cli_db_path(g);
	if (store_open(path, STORE_READ_WRITE, &st, &cause) != 0)
		goto fail;
	if (strcmp(action, "set-pin") == 0) {
		bool is_set;

		if (supervisor_pin_is_set(st, &is_set, &cause) != 0)
			goto fail;
		if (is_set && read_pin("Current supervisor PIN: ", current, sizeof current, &cause) != 0)
			goto fail;
		if (read_pin("New supervisor PIN: ", pin, sizeof pin, &cause) != 0 ||
		    supervisor_pin_valid(pin, &cause) != 0 ||
		    read_pin("The same PIN again: ", again, sizeof again, &cause) != 0)
			goto fail;
		if (strcmp(pin, again) != 0) {
			cause = xstrdup("the two PINs differ; nothing was changed");
			goto fail;
		}
		if (supervisor_pin_set(st, is_set ? current : NULL, pin, &cause) != 0)
			goto fail;
		fputs("fieldcheck: supervisor PIN set\n", stderr);
		status = 0;
	} else if (strcmp(action, "reset-pin") == 0) {
		struct passwd *pw = getpwuid(getuid());
		char who[128];

		snprintf(who, sizeof who, "uid %u (%s)", (unsigned)getuid(), pw != NULL ? pw->pw_name : "?");
		if (supervisor_pin_reset(st, who, &cause) != 0)
			goto fail;
		fputs("fieldcheck: supervisor PIN cleared (recorded in the PIN log); set a new one with "
		    "'fieldcheck supervisor set-pin'\n", stderr);
		status = 0;
	} else if (strcmp(action, "pin-log") == 0) {
		if (store_pin_log(st, print_pin_event, NULL, &cause) != 0)
			goto fail;
		status = 0;
	} else {
		if (read_pin("Supervisor PIN: ", pin, sizeof pin, &cause) != 0 ||
		    supervisor_pin_verify(st, pin, &ok, &cause) != 0)
			goto fail;
		if (!ok) {
			cause = xstrdup("wrong supervisor PIN");
			goto fail;
		}
		status = 0;
	}
	goto done;
fail:
	cli_error("%s", cause != NULL ? cause : "supervisor failed");
done:
	sodium_memzero(pin, sizeof pin);
	sodium_memzero(again, sizeof again);
	sodium_memzero(current, sizeof current);
	store_close(st);
	free(cause);
	free(path);
	return status;
}
