/*
 * sync — the screen's side of the background worker: a child process,
 * fieldcheck-sync --tui-worker, and the two pipes to it (protocol in
 * sync.h).  A thread would load libcurl and its ~30 libraries into the
 * screen's own process; a child keeps them, and the memory they cost, there.
 */
#include "sync/sync.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROC_STOP_WAIT_MS 3000

extern char **environ;

struct sync_proc {
	pid_t pid;
	int news;                   /* the child's stdout; -1 once it ended */
	int wake;                   /* the child's stdin */
	unsigned char buf[sizeof(struct sync_status)];
	size_t have;                /* bytes of a status not yet complete */
	struct sync_status status;
	bool fresh;                 /* a status arrived since the last read */
};

char *
sync_helper_path(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash, *path;

	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			path = xasprintf("%s/fieldcheck-sync", self);
			if (access(path, X_OK) == 0)
				return path;
			free(path);
		}
	}
	return xstrdup("fieldcheck-sync");
}

static void
reap(struct sync_proc *p, bool wait)
{
	if (p->pid > 0 && waitpid(p->pid, NULL, wait ? 0 : WNOHANG) != 0)
		p->pid = -1;
}

int
sync_proc_start(const char *db_path, const char *device, struct sync_proc **out, char **cause)
{
	struct sync_proc *p = xcalloc(1, sizeof *p);
	int news[2] = { -1, -1 }, wake[2] = { -1, -1 }, rc;
	posix_spawn_file_actions_t fa;
	char *helper = sync_helper_path();
	char *argv[8];
	size_t n = 0;

	*out = NULL;
	p->pid = -1;
	p->news = p->wake = -1;
	if (pipe2(news, O_CLOEXEC) != 0 || pipe2(wake, O_CLOEXEC) != 0) {
		fc_fail(cause, "sync: pipe: %s", strerror(errno));
		goto fail;
	}
	argv[n++] = helper;
	argv[n++] = (char *)"--tui-worker";
	argv[n++] = (char *)"--db";
	argv[n++] = (char *)db_path;
	if (device != NULL) {
		argv[n++] = (char *)"--device";
		argv[n++] = (char *)device;
	}
	argv[n] = NULL;
	/* dup2 clears close-on-exec on the child's copies; every other descriptor closes. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, wake[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, news[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	rc = strchr(helper, '/') != NULL ? posix_spawn(&p->pid, helper, &fa, NULL, argv, environ) :
	    posix_spawnp(&p->pid, helper, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		p->pid = -1;
		fc_fail(cause, "sync: cannot run %s: %s", helper, strerror(rc));
		goto fail;
	}
	close(wake[0]);
	close(news[1]);
	wake[0] = news[1] = -1;
	p->news = news[0];
	p->wake = wake[1];
	if (fcntl(p->news, F_SETFL, O_NONBLOCK) != 0 || fcntl(p->wake, F_SETFL, O_NONBLOCK) != 0) {
		fc_fail(cause, "sync: pipe: %s", strerror(errno));
		goto fail;
	}
	free(helper);
	*out = p;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (news[i] >= 0 && news[i] != p->news)
			close(news[i]);
		if (wake[i] >= 0 && wake[i] != p->wake)
			close(wake[i]);
	}
	free(helper);
	sync_proc_stop(p);
	return -1;
}

int
sync_proc_fd(const struct sync_proc *p)
{
	return p->news;
}

int
sync_proc_read(struct sync_proc *p, struct sync_status *out)
{
	int changed;

	while (p->news >= 0) {
		ssize_t n = read(p->news, p->buf + p->have, sizeof p->buf - p->have);

		if (n > 0) {
			p->have += (size_t)n;
			if (p->have == sizeof p->buf) {
				memcpy(&p->status, p->buf, sizeof p->status);
				p->status.message[sizeof p->status.message - 1] = '\0';
				p->have = 0;
				p->fresh = true;
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		/* End of file (or a broken pipe): the child is done. */
		close(p->news);
		p->news = -1;
		reap(p, false);
	}
	*out = p->status;
	changed = p->fresh;
	p->fresh = false;
	return changed;
}

void
sync_proc_nudge(struct sync_proc *p)
{
	char byte = 'g';

	if (p->wake < 0 || write(p->wake, &byte, 1) == -1)
		return;  /* full: a nudge is already pending */
}

void
sync_proc_stop(struct sync_proc *p)
{
	int64_t until = fc_monotonic_ms() + PROC_STOP_WAIT_MS;

	if (p == NULL)
		return;
	if (p->wake >= 0)
		close(p->wake);
	p->wake = -1;
	/* The child stops on end of file; its stdout closing says it has. */
	while (p->news >= 0 && p->pid > 0) {
		struct pollfd pfd = { .fd = p->news, .events = POLLIN };
		int64_t left = until - fc_monotonic_ms();
		char buf[512];
		ssize_t n;

		if (left <= 0) {
			kill(p->pid, SIGKILL);
			break;
		}
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			break;
		n = read(p->news, buf, sizeof buf);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
	}
	if (p->news >= 0)
		close(p->news);
	reap(p, true);
	free(p);
}
