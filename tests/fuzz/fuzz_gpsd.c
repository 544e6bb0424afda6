/*
 * libFuzzer harness for the gpsd client: the input is what "gpsd" sends on
 * the socket after the WATCH request, byte for byte.  The harness plays
 * gpsd on a loopback port of its own, so the bytes travel the real path:
 * libgps's line buffer and JSON parser, our own check of each raw line, and
 * the TPV/SKY handling that decides what a fix is.  Whatever arrives, the
 * client must neither crash nor believe a fix that is out of range.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gps/gpsclient.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int listener = -1;
static char hostport[32];

static void
listen_once(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof addr;

	if (listener != -1)
		return;
	listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listener == -1 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
	    listen(listener, 8) != 0 || getsockname(listener, (struct sockaddr *)&addr, &len) != 0) {
		perror("fuzz_gpsd: loopback listener");
		abort();
	}
	snprintf(hostport, sizeof hostport, "127.0.0.1:%u", ntohs(addr.sin_port));
}

/*
 * The client connects twice: a non-blocking probe it closes at once, then
 * libgps's own connection.  The probe is the one whose peer has already
 * hung up; returns the other, or -1.
 */
static int
accept_stream(void)
{
	for (int tries = 0; tries < 4; tries++) {
		struct pollfd p = { .fd = listener, .events = POLLIN };
		char byte;
		int fd;

		if (poll(&p, 1, 1000) <= 0)
			return -1;
		fd = accept(listener, NULL, NULL);
		if (fd == -1)
			return -1;
		/* libgps has sent its WATCH request by now; the probe sends nothing. */
		p = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 1000) > 0 && recv(fd, &byte, 1, MSG_PEEK) == 1)
			return fd;
		close(fd);
	}
	return -1;
}

/* Runs the client's loop until it has handled everything and seen the end. */
static void
run_client(struct gpsclient *gc)
{
	for (int round = 0; round < 2000; round++) {
		struct pollfd p = { .fd = gpsclient_fd(gc), .events = POLLIN };
		int timeout = gpsclient_timeout_ms(gc);

		if (p.fd != -1)
			(void)poll(&p, 1, timeout < 0 || timeout > 50 ? 50 : timeout);
		gpsclient_process(gc);
		if (gpsclient_state(gc) == GPS_NO_GPSD)
			return;
	}
}

static void
check_fix(const struct gpsclient *gc)
{
	struct gps_fix stamped;
	double age;
	struct gps_fix fix;
	char text[256];

	gpsclient_describe(gc, text, sizeof text);
	if (memchr(text, '\0', sizeof text) == NULL)
		abort();
	if (gpsclient_last_fix(gc, &fix)) {
		if (!isfinite(fix.lat) || !isfinite(fix.lon) || fabs(fix.lat) > 90 || fabs(fix.lon) > 180 ||
		    fix.mode < 2 || fix.mode > 3 || (fix.lat == 0 && fix.lon == 0))
			abort();
	}
	(void)gpsclient_stamp(gc, 1e9, &stamped, &age);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpsclient *gc;
	char *cause = NULL;
	int stream;

	listen_once();
	if (gpsclient_open(hostport, &gc, &cause) != 0) {
		fprintf(stderr, "fuzz_gpsd: %s\n", cause);
		abort();
	}
	/* Let the probe connect and libgps open its stream. */
	for (int round = 0; round < 100 && gpsclient_state(gc) == GPS_NO_GPSD; round++) {
		struct pollfd p = { .fd = gpsclient_fd(gc), .events = POLLIN | POLLOUT };

		if (p.fd != -1)
			(void)poll(&p, 1, 10);
		gpsclient_process(gc);
	}
	stream = accept_stream();
	if (stream != -1) {
		size_t off = 0;

		while (off < size) {
			ssize_t n = send(stream, data + off, size - off, MSG_NOSIGNAL);

			if (n <= 0)
				break;
			off += (size_t)n;
		}
		shutdown(stream, SHUT_WR);
		run_client(gc);
		check_fix(gc);
		close(stream);
	}
	gpsclient_close(gc);
	return 0;
}
