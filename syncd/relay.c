/*
 * fieldcheck-sync --tui-worker: the screen's background sync, in a process
 * of its own so that libcurl's libraries never load into the screen.
 *
 * The worker itself is sync/worker.c's thread, unchanged; this is only the
 * relay between its status and the pipes the screen gave us.  Its life is
 * tied to fd 0: the screen closes it (or dies, and the kernel does) and the
 * worker stops, aborting a transfer in flight.  SIGINT and SIGHUP from the
 * terminal are the screen's to handle, so they are ignored here.
 */
#include "syncd/syncd.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sync/sync.h"

_Static_assert(sizeof(struct sync_status) <= PIPE_BUF, "a status must be one atomic pipe write");

static int
send_status(const struct sync_status *s)
{
	ssize_t n;

	do
		n = write(STDOUT_FILENO, s, sizeof *s);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof *s ? 0 : -1;
}

int
syncd_relay(const struct sync_options *o)
{
	struct sync_worker *w = NULL;
	struct sync_status s;
	char *cause = NULL;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	memset(&s, 0, sizeof s);
	if (sync_worker_start(o, &w, &cause) != 0) {
		s.last_result = SYNC_FAILED;
		snprintf(s.message, sizeof s.message, "%s", cause);
		free(cause);
		send_status(&s);
		return 1;
	}
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = sync_worker_fd(w), .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents != 0) {
			char buf[64];
			ssize_t n = read(STDIN_FILENO, buf, sizeof buf);

			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				break;  /* the screen is gone */
			sync_worker_nudge(w);
		}
		if ((p[1].revents & POLLIN) && sync_worker_read(w, &s) == 1 && send_status(&s) != 0)
			break;
	}
	sync_worker_stop(w);
	return 0;
}
