/*
 * capture — the configured camera command (`photo_command`), run beside
 * the screen's poll loop, never waited on: the loop polls the pipe that
 * holds the command's output (EOF when it exits) and wakes for its
 * deadline.  The output path is given as the command's last argument, as
 * fswebcam, libcamera-still -o and ffmpeg take it.  A command that runs
 * past its time is killed with its whole process group.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tui/tui_internal.h"
#include "util/util.h"

extern char **environ;

struct tui_capture {
	pid_t pid;
	int fd;                  /* read end of the command's stdout and stderr; -1 at EOF */
	int64_t deadline_ms;
	unsigned timeout_s;
	char path[256];          /* where the command is to write the photo */
	char tail[160];          /* the last line it printed, for a failure's message */
	bool exited;
	int status;
};

int
tui_capture_start(const char *command, unsigned timeout_s, struct tui_capture **out,
    char **cause)
{
	struct tui_capture *c;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int p[2], tmp;
	char *script;
	const char *tmpdir = getenv("TMPDIR");

	*out = NULL;
	if (pipe2(p, O_CLOEXEC) != 0)
		return fc_fail(cause, "cannot start the camera command: %s", strerror(errno));
	c = xcalloc(1, sizeof *c);
	c->fd = p[0];
	c->timeout_s = timeout_s;
	snprintf(c->path, sizeof c->path, "%s/fieldcheck-photo-XXXXXX.jpg",
	    tmpdir != NULL && tmpdir[0] != '\0' ? tmpdir : "/tmp");
	if ((tmp = mkstemps(c->path, 4)) < 0) {
		fc_fail(cause, "cannot make a file for the photo: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		free(c);
		return -1;
	}
	close(tmp);
	/* sh -c 'COMMAND "$1"' sh PATH: the path as one last argument, whatever it holds. */
	script = xasprintf("%s \"$1\"", command);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&at, 0);
	{
		char *argv[] = { (char *)"sh", (char *)"-c", script, (char *)"sh", c->path, NULL };
		int rc = posix_spawn(&c->pid, "/bin/sh", &fa, &at, argv, environ);

		posix_spawn_file_actions_destroy(&fa);
		posix_spawnattr_destroy(&at);
		free(script);
		close(p[1]);
		if (rc != 0) {
			fc_fail(cause, "cannot start the camera command: %s", strerror(rc));
			close(p[0]);
			unlink(c->path);
			free(c);
			return -1;
		}
	}
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	c->deadline_ms = fc_monotonic_ms() + (int64_t)timeout_s * 1000;
	*out = c;
	return 0;
}

int
tui_capture_fd(const struct tui_capture *c)
{
	return c->fd;
}

int
tui_capture_timeout_ms(const struct tui_capture *c)
{
	int64_t left = c->deadline_ms - fc_monotonic_ms();

	/* After EOF the process is reaped on the next turns of the loop. */
	if (c->fd < 0)
		return 20;
	return left < 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

const char *
tui_capture_path(const struct tui_capture *c)
{
	return c->path;
}

/* Keeps the last line of what the command printed. */
static void
read_output(struct tui_capture *c)
{
	char buf[512];
	ssize_t n;

	while ((n = read(c->fd, buf, sizeof buf - 1)) > 0) {
		char *line;

		buf[n] = '\0';
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = '\0';
		line = strrchr(buf, '\n');
		line = line != NULL ? line + 1 : buf;
		if (line[0] != '\0')
			fc_strlcpy(c->tail, line, sizeof c->tail);
	}
	if (n == 0) {
		close(c->fd);
		c->fd = -1;
	}
}

enum tui_capture_state
tui_capture_poll(struct tui_capture *c, char *message, size_t size)
{
	struct stat st;
	pid_t r;

	if (c->fd >= 0)
		read_output(c);
	if (!c->exited && (r = waitpid(c->pid, &c->status, WNOHANG)) == c->pid)
		c->exited = true;
	if (!c->exited && fc_monotonic_ms() >= c->deadline_ms) {
		kill(-c->pid, SIGKILL);
		waitpid(c->pid, &c->status, 0);
		c->exited = true;
		snprintf(message, size, "%u", c->timeout_s);
		return TUI_CAPTURE_TIMED_OUT;
	}
	if (!c->exited || c->fd >= 0)
		return TUI_CAPTURE_RUNNING;
	if (!WIFEXITED(c->status) || WEXITSTATUS(c->status) != 0) {
		snprintf(message, size, "%d%s%s", WIFEXITED(c->status) ? WEXITSTATUS(c->status) :
		    128 + WTERMSIG(c->status), c->tail[0] != '\0' ? ": " : "", c->tail);
		return TUI_CAPTURE_FAILED;
	}
	if (stat(c->path, &st) != 0 || st.st_size == 0) {
		message[0] = '\0';
		return TUI_CAPTURE_NOTHING;
	}
	message[0] = '\0';
	return TUI_CAPTURE_DONE;
}

void
tui_capture_free(struct tui_capture *c)
{
	if (c == NULL)
		return;
	if (!c->exited) {
		kill(-c->pid, SIGKILL);
		waitpid(c->pid, &c->status, 0);
	}
	if (c->fd >= 0)
		close(c->fd);
	unlink(c->path);
	free(c);
}
