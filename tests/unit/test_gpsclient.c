/*
 * Unit tests of gps/gpsclient against a real gpsd-protocol peer: the test
 * listens on 127.0.0.1, greets every connection with gpsd's VERSION line as
 * gpsd does, and writes crafted JSON lines to the client through libgps's
 * real socket code.  No mock of libgps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gps/gpsclient.h"
#include "util/util.h"

#define BANNER "{\"class\":\"VERSION\",\"release\":\"3.22\",\"rev\":\"3.22\",\"proto_major\":3,\"proto_minor\":14}\r\n"
/* The receiver's times are today's (UTC): gpsclient refuses a time far from the clock. */
#define TPV_FMT "{\"class\":\"TPV\",\"device\":\"/dev/pts/1\",\"mode\":%d,\"time\":\"%sT01:30:%02d.000Z\"," \
	"\"lat\":%.9f,\"lon\":%.9f,\"altHAE\":14.0,\"altMSL\":4.5,\"epx\":3.0,\"epy\":4.0,\"eph\":6.2}\r\n"

/* Today's UTC date, YYYY-MM-DD. */
static const char *
today(void)
{
	static char day[FC_TIME_LEN];   /* YYYY-MM-DD of an ISO time */

	fc_now_iso_utc(day);
	day[10] = '\0';
	return day;
}

struct peer {
	int listen_fd;
	int conn_fd;          /* the latest accepted connection, -1 if none */
	int accepted;
	int port;
	char hostport[32];
	struct gpsclient *gc;
};

static int
peer_setup(void **state)
{
	struct peer *p = xcalloc(1, sizeof *p);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;

	p->conn_fd = -1;
	p->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(p->listen_fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(p->listen_fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(p->listen_fd, 8), 0);
	assert_int_equal(getsockname(p->listen_fd, (struct sockaddr *)&sin, &len), 0);
	p->port = ntohs(sin.sin_port);
	snprintf(p->hostport, sizeof p->hostport, "127.0.0.1:%d", p->port);
	*state = p;
	return 0;
}

static int
peer_teardown(void **state)
{
	struct peer *p = *state;

	gpsclient_close(p->gc);
	if (p->conn_fd != -1)
		close(p->conn_fd);
	if (p->listen_fd != -1)
		close(p->listen_fd);
	free(p);
	return 0;
}

static void
peer_send(struct peer *p, const char *text, size_t len)
{
	size_t off = 0;

	assert_true(p->conn_fd >= 0);
	while (off < len) {
		ssize_t n = send(p->conn_fd, text + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN) {
			struct pollfd w = { .fd = p->conn_fd, .events = POLLOUT };
			(void)poll(&w, 1, 100);
			continue;
		}
		assert_true(n > 0);
		off += (size_t)n;
	}
}

static void
peer_sends(struct peer *p, const char *text)
{
	peer_send(p, text, strlen(text));
}

static void
peer_tpv(struct peer *p, int mode, int sec, double lat, double lon)
{
	char *line = xasprintf(TPV_FMT, mode, today(), sec, lat, lon);
	peer_sends(p, line);
	free(line);
}

/*
 * One turn of an application's loop: poll the client's descriptor (and the
 * listening socket, to accept and greet) with the client's own timeout,
 * then gpsclient_process().  Returns what process() returned.
 */
static bool
pump_once(struct peer *p, int max_wait_ms)
{
	struct pollfd fds[2] = {
		{ .fd = p->listen_fd, .events = POLLIN },
		{ .fd = gpsclient_fd(p->gc), .events = POLLIN },
	};
	int t = gpsclient_timeout_ms(p->gc);

	if (t < 0 || t > max_wait_ms)
		t = max_wait_ms;
	(void)poll(fds, 2, t);
	for (;;) {
		int c = accept4(p->listen_fd, NULL, NULL, SOCK_NONBLOCK);
		if (c < 0)
			break;
		if (p->conn_fd != -1)
			close(p->conn_fd);
		p->conn_fd = c;
		p->accepted++;
		peer_sends(p, BANNER);
	}
	return gpsclient_process(p->gc);
}

/* Runs the loop until the client reaches state st, or ms pass. */
static bool
pump_until_state(struct peer *p, enum gps_state st, int ms)
{
	int64_t end = fc_monotonic_ms() + ms;

	while (fc_monotonic_ms() < end) {
		(void)pump_once(p, 50);
		if (gpsclient_state(p->gc) == st)
			return true;
	}
	return false;
}

/*
 * Waits until the client has made both of its connections after `before`
 * accepted ones (the probe, then libgps's) and is streaming again.
 */
static bool
pump_until_connected(struct peer *p, int before, int ms)
{
	int64_t end = fc_monotonic_ms() + ms;

	while (fc_monotonic_ms() < end) {
		(void)pump_once(p, 50);
		if (p->accepted >= before + 2 && gpsclient_state(p->gc) == GPS_NO_FIX &&
		    p->conn_fd != -1)
			return true;
	}
	return false;
}

/* Connects the client to the peer: the probe and the libgps connection. */
static void
connect_client(struct peer *p)
{
	char *cause = NULL;

	assert_int_equal(gpsclient_open(p->hostport, &p->gc, &cause), 0);
	assert_null(cause);
	assert_true(pump_until_connected(p, 0, 3000));
	assert_int_equal(p->accepted, 2);
	assert_true(gpsclient_fd(p->gc) >= 0);
}

static void
test_hostport_errors(void **state)
{
	static const char *bad[] = {
		"host:0", "host:65536", "host:", "host:12ab", "[::1", "[::1]x", "a:b:c", ":2947",
		"bad host:2947",
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct gpsclient *gc = NULL;
		char *cause = NULL;
		assert_int_equal(gpsclient_open(bad[i], &gc, &cause), -1);
		assert_non_null(cause);
		assert_non_null(strstr(cause, "--gpsd"));
		assert_null(gc);
		free(cause);
	}
	char *longhost = xmalloc(400);
	memset(longhost, 'h', 399);
	longhost[399] = '\0';
	struct gpsclient *gc = NULL;
	char *cause = NULL;
	assert_int_equal(gpsclient_open(longhost, &gc, &cause), -1);
	assert_non_null(strstr(cause, "longer"));
	free(cause);
	free(longhost);
}

static void
test_off(void **state)
{
	struct gpsclient *gc = NULL;
	struct gps_fix stamped;
	double age;
	char buf[64];
	char *cause = NULL;

	(void)state;
	assert_int_equal(gpsclient_open("none", &gc, &cause), 0);
	assert_int_equal(gpsclient_state(gc), GPS_OFF);
	assert_int_equal(gpsclient_fd(gc), -1);
	assert_int_equal(gpsclient_timeout_ms(gc), -1);
	assert_false(gpsclient_process(gc));
	assert_false(gpsclient_stamp(gc, 100, &stamped, &age));
	assert_true(isnan(gpsclient_fix_age_s(gc)));
	gpsclient_describe(gc, buf, sizeof buf);
	assert_string_equal(buf, "GPS off");
	gpsclient_close(gc);
}

static void
test_absent_gpsd(void **state)
{
	struct peer *p = *state;
	char *cause = NULL;
	char buf[256];
	int port = p->port;

	/* Nothing listens once the peer's socket is closed. */
	close(p->listen_fd);
	p->listen_fd = -1;
	assert_int_equal(gpsclient_open(p->hostport, &p->gc, &cause), 0);
	for (int i = 0; i < 5; i++) {
		int t = gpsclient_timeout_ms(p->gc);
		struct pollfd f = { .fd = gpsclient_fd(p->gc), .events = POLLIN };
		(void)poll(&f, 1, t < 0 || t > 300 ? 300 : t);
		(void)gpsclient_process(p->gc);
		if (strstr(gpsclient_error(p->gc), "refused") != NULL)
			break;
	}
	assert_int_equal(gpsclient_state(p->gc), GPS_NO_GPSD);
	assert_non_null(strstr(gpsclient_error(p->gc), "refused"));
	assert_int_equal(gpsclient_fd(p->gc), -1);
	/* Retrying, with a timer rather than a busy loop. */
	assert_true(gpsclient_timeout_ms(p->gc) > 0);
	gpsclient_describe(p->gc, buf, sizeof buf);
	assert_non_null(strstr(buf, "no gpsd"));
	(void)port;
}

static void
test_fix_and_stamp(void **state)
{
	struct peer *p = *state;
	struct gps_fix fix, stamped;
	double age;
	char buf[256];

	connect_client(p);
	assert_false(gpsclient_last_fix(p->gc, &fix));
	assert_false(gpsclient_stamp(p->gc, 60, &stamped, &age));
	peer_sends(p, "{\"class\":\"SKY\",\"hdop\":0.9,\"satellites\":[{\"PRN\":2,\"el\":45,\"az\":120,"
	    "\"ss\":40,\"used\":true},{\"PRN\":5,\"el\":60,\"az\":45,\"ss\":42,\"used\":true},"
	    "{\"PRN\":9,\"el\":70,\"az\":300,\"ss\":45,\"used\":true},{\"PRN\":12,\"el\":25,\"az\":80,"
	    "\"ss\":20,\"used\":false}]}\r\n");
	peer_tpv(p, 3, 5, 31.2304, 121.4737);
	assert_true(pump_until_state(p, GPS_FIX, 2000));
	assert_true(gpsclient_last_fix(p->gc, &fix));
	assert_int_equal(fix.mode, 3);
	assert_true(fabs(fix.lat - 31.2304) < 1e-9);
	assert_true(fabs(fix.lon - 121.4737) < 1e-9);
	assert_true(fabs(fix.alt_msl - 4.5) < 1e-9);
	assert_true(fabs(fix.accuracy_m - 6.2) < 1e-9);
	assert_int_equal(fix.satellites_used, 3);
	assert_true(fabs(fix.hdop - 0.9) < 1e-9);
	char want[FC_TIME_LEN];
	snprintf(want, sizeof want, "%.10sT01:30:05.000Z", today());
	assert_string_equal(fix.time, want);

	assert_true(gpsclient_stamp(p->gc, 10, &stamped, &age));
	assert_int_equal(stamped.mode, 3);
	assert_int_equal(stamped.satellites_used, 3);
	assert_true(fabs(stamped.lat - 31.2304) < 1e-9);
	assert_true(age >= 0 && age < 2);
	assert_string_equal(stamped.time, want);
	gpsclient_describe(p->gc, buf, sizeof buf);
	assert_non_null(strstr(buf, "3D 31.23040 121.47370"));
	assert_non_null(strstr(buf, "3 sats"));

	/* Accuracy from epx/epy when eph is missing. */
	peer_sends(p, "{\"class\":\"TPV\",\"mode\":2,\"lat\":31.2305,\"lon\":121.4738,\"epx\":3.0,\"epy\":4.0}\r\n");
	int64_t end = fc_monotonic_ms() + 2000;
	while (fc_monotonic_ms() < end) {
		(void)pump_once(p, 50);
		if (gpsclient_last_fix(p->gc, &fix) && fix.mode == 2)
			break;
	}
	assert_int_equal(fix.mode, 2);
	assert_true(fabs(fix.accuracy_m - 5.0) < 1e-9);
	assert_true(isnan(fix.alt_msl));   /* 2D: no altitude */
	assert_string_equal(fix.time, "");

	/* The receiver loses the fix: no fix, at once. */
	peer_sends(p, "{\"class\":\"TPV\",\"mode\":1}\r\n");
	assert_true(pump_until_state(p, GPS_NO_FIX, 2000));
	/* The last good fix may still be stamped, with its age, only within max_age_s. */
	assert_true(gpsclient_stamp(p->gc, 10, &stamped, &age));
	assert_false(gpsclient_stamp(p->gc, 0, &stamped, &age) && age > 0);
}

static void
test_drain_many_lines(void **state)
{
	struct peer *p = *state;
	struct gps_fix fix;
	size_t cap = 200 * 256, n = 0;
	char *all = xmalloc(cap);

	connect_client(p);
	/* 200 fixes in one write: after the wakeup, the client must reach the last. */
	for (int i = 0; i < 200; i++) {
		int w = snprintf(all + n, cap - n, TPV_FMT, 3, today(), i % 60, 31.0 + i * 0.001, 121.0);
		assert_true(w > 0 && (size_t)w < cap - n);
		n += (size_t)w;
	}
	peer_send(p, all, n);
	free(all);
	int64_t end = fc_monotonic_ms() + 3000;
	while (fc_monotonic_ms() < end) {
		(void)pump_once(p, 50);
		if (gpsclient_last_fix(p->gc, &fix) && fabs(fix.lat - 31.199) < 1e-9)
			break;
	}
	assert_true(fabs(fix.lat - 31.199) < 1e-9);
	assert_int_equal(gpsclient_state(p->gc), GPS_FIX);
}

static void
test_garbage(void **state)
{
	static const char *garbage[] = {
		"{\"class\":\"TPV\",\"mode\":3,\"lat\":31.2,\"lon\":\r\n",           /* cut */
		"{\"class\":\"TPV\",\"mode\":3,\"lat\":\"31.2\",\"lon\":121.4}\r\n",   /* string lat */
		"{\"class\":\"TPV\",\"mode\":3,\"lat\":931.2,\"lon\":121.4}\r\n",      /* out of range */
		"{\"class\":\"TPV\",\"mode\":3,\"lat\":1e999,\"lon\":121.4}\r\n",      /* infinite */
		"{\"class\":\"TPV\",\"mode\":3}\r\n",                                  /* no position */
		"{\"class\":\"TPV\",\"mode\":7,\"lat\":31.2,\"lon\":121.4}\r\n",       /* bad mode */
		"{\"class\":\"TPV\",\"mode\":3,\"lat\":31.2,\"lon\":121.4,\"lat\":1}\r\n", /* duplicate */
		"{\"class\":\"TPV\",\"mode\":3,\"lat\":31.2,\"lon\":121.4}}\r\n",      /* trailing */
		"{\"class\":\"TPV\",\"mode\":3,\"lat\":31.2,\"lon\":121.4\r\n",        /* unclosed */
		"[\"class\",\"TPV\",\"mode\",3]\r\n",
		"{\"class\":\"TPV\",\"mode\":3,\"lat\":31.2,\0\"lon\":121.4}\r\n",
		"\xff\xfe\x01\x02 binary junk\r\n",
		"{\"class\":\"TPV\",\"mode\":3,\"lat\":31.2,\"lon\":121.4,\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}\r\n",
		"\r\n",
		"{\"class\":\"SKY\",\"hdop\":\"abc\",\"satellites\":[{\"PRN\":\"x\"}]}\r\n",
		"{\"class\":\"TPV\",\"mode\":3,\"lat\":31.2,\"lon\":121.4,\"time\":\"not a time\"}\r\n",
		/* libgps 3.22's own parser loops forever on this one (found by fuzz_gpsd). */
		"{s\":\"{\"class\":\"VERSION\"\r\n",
		/* And on this well-formed one: an unknown array of objects in a DEVICES line. */
		"{\"class\":\"DEVICES\",\"devisec\":[{\"class\":\"DEVICE\",\"path\":\"/dev/x\"}]}\r\n",
	};
	struct peer *p = *state;
	struct gps_fix fix;

	connect_client(p);
	for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
		const char *g = garbage[i];
		size_t len = strlen(g);
		if (i == 10)
			len = sizeof "{\"class\":\"TPV\",\"mode\":3,\"lat\":31.2,\0\"lon\":121.4}\r\n" - 1;
		/* A peer may cut the connection after garbage; reconnect to keep feeding. */
		if (gpsclient_state(p->gc) == GPS_NO_GPSD)
			assert_true(pump_until_connected(p, p->accepted, 12000));
		peer_send(p, g, len);
		for (int k = 0; k < 4; k++)
			(void)pump_once(p, 20);
		if (gpsclient_state(p->gc) == GPS_FIX)
			print_message("garbage %zu made a fix\n", i);
		assert_int_not_equal(gpsclient_state(p->gc), GPS_FIX);
		if (gpsclient_last_fix(p->gc, &fix)) {
			/* Only the one TPV libgps and jansson both accept may count. */
			print_message("garbage %zu gave a fix %.6f %.6f\n", i, fix.lat, fix.lon);
			fail();
		}
	}
	/* A line longer than gpsd's limit without a newline: the client drops the connection. */
	if (gpsclient_state(p->gc) == GPS_NO_GPSD)
		assert_true(pump_until_connected(p, p->accepted, 12000));
	size_t huge_len = 64 * 1024;
	char *huge = xmalloc(huge_len);
	memset(huge, 'x', huge_len);
	static const char head[] = "{\"class\":\"TPV\",\"mode\":3,\"lat\":31.2,\"lon\":121.4,\"junk\":\"";
	memcpy(huge, head, sizeof head - 1);
	peer_send(p, huge, huge_len);
	free(huge);
	assert_true(pump_until_state(p, GPS_NO_GPSD, 3000));
	assert_false(gpsclient_last_fix(p->gc, &fix));

	/* And then it recovers by itself, and believes a good line. */
	assert_true(pump_until_connected(p, p->accepted, 12000));
	peer_tpv(p, 3, 1, 31.2304, 121.4737);
	assert_true(pump_until_state(p, GPS_FIX, 2000));
}

static void
test_stale_and_reconnect(void **state)
{
	struct peer *p = *state;
	struct gps_fix stamped;
	double age;
	char buf[256];

	connect_client(p);
	peer_tpv(p, 3, 1, 31.2304, 121.4737);
	assert_true(pump_until_state(p, GPS_FIX, 2000));
	assert_true(gpsclient_stale_after_s(p->gc) >= 3.0);
	/* The receiver goes quiet: stale after three cycles, from the client's own timer. */
	int64_t t0 = fc_monotonic_ms();
	assert_true(pump_until_state(p, GPS_STALE, 6000));
	assert_true(fc_monotonic_ms() - t0 >= 2500);
	gpsclient_describe(p->gc, buf, sizeof buf);
	assert_non_null(strstr(buf, "stale"));
	/* A stale fix is never stamped as fresh. */
	assert_false(gpsclient_stamp(p->gc, 2.0, &stamped, &age));
	assert_true(gpsclient_stamp(p->gc, 60.0, &stamped, &age));
	assert_true(age >= 2.9);

	/* gpsd goes away: no gpsd; it comes back: fixes again without help. */
	close(p->conn_fd);
	p->conn_fd = -1;
	assert_true(pump_until_state(p, GPS_NO_GPSD, 2000));
	assert_int_equal(gpsclient_fd(p->gc), -1);
	assert_true(pump_until_connected(p, p->accepted, 12000));
	peer_tpv(p, 3, 2, 31.2310, 121.4740);
	assert_true(pump_until_state(p, GPS_FIX, 2000));
}

/* Sends a TPV at lat/lon with the given time text (NULL: none), mode 3, eph. */
static void
peer_tpv_at(struct peer *p, int mode, const char *time, double lat, double lon, double eph)
{
	char tfield[64] = "", efield[32] = "";
	char *line;

	if (time != NULL)
		snprintf(tfield, sizeof tfield, ",\"time\":\"%s\"", time);
	if (!isnan(eph))
		snprintf(efield, sizeof efield, ",\"eph\":%.3f", eph);
	line = xasprintf("{\"class\":\"TPV\",\"device\":\"/dev/pts/1\",\"mode\":%d%s,"
	    "\"lat\":%.9f,\"lon\":%.9f%s}\r\n", mode, tfield, lat, lon, efield);
	peer_sends(p, line);
	free(line);
}

/* An ISO UTC time offset_s from now. */
static void
time_from_now(char buf[FC_TIME_LEN], long offset_s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += offset_s;
	ts.tv_nsec = 0;
	fc_time_iso_utc(buf, ts);
}

/* Runs the loop until the last fix has latitude lat, or ms pass. */
static bool
pump_until_lat(struct peer *p, double lat, int ms)
{
	int64_t end = fc_monotonic_ms() + ms;
	struct gps_fix fix;

	while (fc_monotonic_ms() < end) {
		(void)pump_once(p, 50);
		if (gpsclient_last_fix(p->gc, &fix) && fabs(fix.lat - lat) < 1e-9)
			return true;
	}
	return false;
}

/* Lets the client read what was sent and close any epoch (pump for ms). */
static void
pump_for(struct peer *p, int ms)
{
	int64_t end = fc_monotonic_ms() + ms;

	while (fc_monotonic_ms() < end)
		(void)pump_once(p, 20);
}

static void
test_refuse_nonsense_time(void **state)
{
	struct peer *p = *state;
	struct gps_fix fix;
	char t[FC_TIME_LEN], buf[256];
	static const char *nonsense[] = {
		"9999-99-99T99:99:99.000Z",   /* not a time at all */
		"2099-03-01T12:00:00.000Z",   /* a century off */
		"1980-01-06T00:00:00.000Z",   /* the GPS epoch: the receiver has no week yet */
		"2034-10-16T05:32:33.438Z",   /* gpsd 3.22's date for the beidou-gb log */
	};

	connect_client(p);
	for (size_t i = 0; i < sizeof nonsense / sizeof nonsense[0]; i++) {
		peer_tpv_at(p, 3, nonsense[i], 31.2304, 121.4737, 4.0);
		pump_for(p, 500);
		if (gpsclient_last_fix(p->gc, &fix))
			print_message("time %s gave a fix\n", nonsense[i]);
		assert_false(gpsclient_last_fix(p->gc, &fix));
		assert_int_equal(gpsclient_state(p->gc), GPS_NO_FIX);
		assert_non_null(strstr(gpsclient_error(p->gc), "receiver time"));
		gpsclient_describe(p->gc, buf, sizeof buf);
		assert_non_null(strstr(buf, "refused"));
	}
	/* Two years ago (a week-number rollover looks like this, only more so). */
	time_from_now(t, -2L * 366 * 86400);
	peer_tpv_at(p, 3, t, 31.2304, 121.4737, 4.0);
	pump_for(p, 500);
	assert_false(gpsclient_last_fix(p->gc, &fix));
	assert_non_null(strstr(gpsclient_error(p->gc), "more than a year"));

	/* A day behind the clock, or a day ahead of it, is believed: clocks drift. */
	time_from_now(t, -86400);
	peer_tpv_at(p, 3, t, 31.2305, 121.4737, 4.0);
	assert_true(pump_until_lat(p, 31.2305, 2000));
	assert_string_equal(gpsclient_error(p->gc), "");
	time_from_now(t, 86400);
	peer_tpv_at(p, 3, t, 31.2306, 121.4737, 4.0);
	assert_true(pump_until_lat(p, 31.2306, 2000));
	assert_int_equal(gpsclient_state(p->gc), GPS_FIX);
}

static void
test_refuse_null_island(void **state)
{
	struct peer *p = *state;
	struct gps_fix fix;
	char t[FC_TIME_LEN];

	connect_client(p);
	time_from_now(t, 0);
	peer_tpv_at(p, 3, t, 0.0, 0.0, 4.0);
	pump_for(p, 500);
	assert_false(gpsclient_last_fix(p->gc, &fix));
	assert_int_equal(gpsclient_state(p->gc), GPS_NO_FIX);
	assert_non_null(strstr(gpsclient_error(p->gc), "0,0"));
	/* Without a time too. */
	peer_tpv_at(p, 2, NULL, 0.0, 0.0, NAN);
	pump_for(p, 500);
	assert_false(gpsclient_last_fix(p->gc, &fix));
	/* Near 0,0 is a place (in the Gulf of Guinea), not a receiver's blank. */
	time_from_now(t, 1);
	peer_tpv_at(p, 3, t, 0.0, 0.00001, 4.0);
	assert_true(pump_until_state(p, GPS_FIX, 2000));
	assert_true(gpsclient_last_fix(p->gc, &fix));
	assert_true(fabs(fix.lon - 0.00001) < 1e-12);
}

static void
test_epoch_best_fix(void **state)
{
	struct peer *p = *state;
	struct gps_fix fix;
	char t1[FC_TIME_LEN], t2[FC_TIME_LEN], t3[FC_TIME_LEN];

	connect_client(p);
	time_from_now(t1, -3);
	time_from_now(t2, -2);
	time_from_now(t3, -1);
	/* One epoch as gpsd reports it for the Quectel L70: 2D from RMC, then 3D. */
	peer_tpv_at(p, 2, t1, 51.0681, -114.0956, NAN);
	peer_tpv_at(p, 3, t1, 51.0681, -114.0956, 4.465);
	assert_true(pump_until_state(p, GPS_FIX, 2000));
	assert_true(gpsclient_last_fix(p->gc, &fix));
	assert_int_equal(fix.mode, 3);
	assert_true(fabs(fix.accuracy_m - 4.465) < 1e-9);

	/* A late, worse report of the same epoch does not replace it. */
	peer_tpv_at(p, 2, t1, 51.0682, -114.0956, NAN);
	pump_for(p, 600);
	assert_true(gpsclient_last_fix(p->gc, &fix));
	assert_int_equal(fix.mode, 3);
	assert_true(fabs(fix.lat - 51.0681) < 1e-9);

	/* The best of an epoch is the most accurate of its 3D reports. */
	peer_tpv_at(p, 3, t2, 51.0683, -114.0956, 9.0);
	peer_tpv_at(p, 3, t2, 51.0684, -114.0956, 3.0);
	peer_tpv_at(p, 3, t2, 51.0685, -114.0956, 6.0);
	assert_true(pump_until_lat(p, 51.0684, 2000));
	pump_for(p, 400);
	assert_true(gpsclient_last_fix(p->gc, &fix));
	assert_true(fabs(fix.lat - 51.0684) < 1e-9);

	/* The next epoch's first report closes the epoch before it. */
	peer_tpv_at(p, 2, t3, 51.0686, -114.0956, NAN);
	assert_true(pump_until_lat(p, 51.0686, 2000));
	assert_true(gpsclient_last_fix(p->gc, &fix));
	assert_int_equal(fix.mode, 2);
	assert_true(isnan(fix.accuracy_m));
}

static void
test_sky_complete_count(void **state)
{
	struct peer *p = *state;
	struct gps_fix fix;
	char t[FC_TIME_LEN];
	char sats[2048];
	size_t n = 0;

	connect_client(p);
	/* The whole sky: 12 used of 14, with gpsd's own counts. */
	n += (size_t)snprintf(sats + n, sizeof sats - n,
	    "{\"class\":\"SKY\",\"hdop\":0.8,\"nSat\":14,\"uSat\":12,\"satellites\":[");
	for (int i = 1; i <= 14; i++)
		n += (size_t)snprintf(sats + n, sizeof sats - n, "%s{\"PRN\":%d,\"el\":40,\"az\":%d,"
		    "\"ss\":40,\"used\":%s}", i > 1 ? "," : "", i, i * 20, i <= 12 ? "true" : "false");
	snprintf(sats + n, sizeof sats - n, "]}\r\n");
	peer_sends(p, sats);
	/* Then a report of one GSV group only: 3 used, no uSat. */
	peer_sends(p, "{\"class\":\"SKY\",\"satellites\":[{\"PRN\":70,\"el\":45,\"az\":120,\"ss\":40,"
	    "\"used\":true},{\"PRN\":71,\"el\":60,\"az\":45,\"ss\":42,\"used\":true},"
	    "{\"PRN\":72,\"el\":70,\"az\":300,\"ss\":45,\"used\":true}]}\r\n");
	time_from_now(t, -2);
	peer_tpv_at(p, 3, t, 31.2304, 121.4737, 4.0);
	assert_true(pump_until_state(p, GPS_FIX, 2000));
	assert_true(gpsclient_last_fix(p->gc, &fix));
	assert_int_equal(fix.satellites_used, 12);
	assert_int_equal(fix.satellites_visible, 14);
	assert_true(fabs(fix.hdop - 0.8) < 1e-9);

	/* The next epoch without a SKY keeps the count; one with a SKY without uSat counts "used". */
	peer_sends(p, "{\"class\":\"SKY\",\"satellites\":[{\"PRN\":2,\"el\":45,\"az\":120,\"ss\":40,"
	    "\"used\":true},{\"PRN\":5,\"el\":60,\"az\":45,\"ss\":42,\"used\":true},"
	    "{\"PRN\":9,\"el\":70,\"az\":300,\"ss\":45,\"used\":true},{\"PRN\":12,\"el\":25,\"az\":80,"
	    "\"ss\":20,\"used\":true},{\"PRN\":13,\"el\":25,\"az\":80,\"ss\":20,\"used\":false}]}\r\n");
	time_from_now(t, -1);
	peer_tpv_at(p, 3, t, 31.2305, 121.4737, 4.0);
	assert_true(pump_until_lat(p, 31.2305, 2000));
	assert_true(gpsclient_last_fix(p->gc, &fix));
	assert_int_equal(fix.satellites_used, 4);
	assert_int_equal(fix.satellites_visible, 5);
	assert_true(fabs(fix.hdop - 0.8) < 1e-9);   /* no hdop in that SKY: the last one stands */
}

static void
test_describe_bounds(void **state)
{
	struct peer *p = *state;
	char tiny[8];

	connect_client(p);
	peer_tpv(p, 3, 1, -33.8688, 151.2093);
	assert_true(pump_until_state(p, GPS_FIX, 2000));
	memset(tiny, 'Z', sizeof tiny);
	gpsclient_describe(p->gc, tiny, sizeof tiny);
	assert_int_equal(strlen(tiny), sizeof tiny - 1);
	memset(tiny, 'Y', sizeof tiny);
	gpsclient_describe(p->gc, tiny, 0);   /* no write at all */
	for (size_t i = 0; i < sizeof tiny; i++)
		assert_int_equal(tiny[i], 'Y');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostport_errors),
		cmocka_unit_test(test_off),
		cmocka_unit_test_setup_teardown(test_absent_gpsd, peer_setup, peer_teardown),
		cmocka_unit_test_setup_teardown(test_fix_and_stamp, peer_setup, peer_teardown),
		cmocka_unit_test_setup_teardown(test_drain_many_lines, peer_setup, peer_teardown),
		cmocka_unit_test_setup_teardown(test_garbage, peer_setup, peer_teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_reconnect, peer_setup, peer_teardown),
		cmocka_unit_test_setup_teardown(test_refuse_nonsense_time, peer_setup, peer_teardown),
		cmocka_unit_test_setup_teardown(test_refuse_null_island, peer_setup, peer_teardown),
		cmocka_unit_test_setup_teardown(test_epoch_best_fix, peer_setup, peer_teardown),
		cmocka_unit_test_setup_teardown(test_sky_complete_count, peer_setup, peer_teardown),
		cmocka_unit_test_setup_teardown(test_describe_bounds, peer_setup, peer_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
