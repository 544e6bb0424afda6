/*
 * gpsclient — positions from gpsd through libgps, with honest fix quality.
 *
 * Connection life cycle.  While disconnected the client waits for a retry
 * timer (backoff 0.5 s doubling to 10 s).  When it fires, the client first
 * makes a non-blocking "probe" connect of its own, so that an unreachable
 * host never blocks the application's loop; the probe descriptor is what
 * gpsclient_fd() returns meanwhile.  gpsd greets every client with a VERSION
 * line, so a successful probe becomes readable; a failed one reports an
 * error.  Only then does gps_open() connect for real — a blocking connect in
 * libgps, but to a host that has just answered.  (Name resolution is done by
 * getaddrinfo() and blocks; use an address or "localhost".)
 *
 * Reading.  The client reads the non-blocking socket itself and splits it
 * into lines.  jansson reads each line first, and libgps unpacks only the
 * fields the client uses of a TPV or SKY line, re-encoded (gc_screen_line):
 * gps_read() would hand libgps's lenient parser every line unchecked, and
 * it loops forever on some (see gc_screen_line), which would freeze the
 * screen.  A TPV is a fix only with mode >= 2, LATLON_SET
 * and finite coordinates that agree with the raw line.
 * fix.status is never used: gpsd sends it only above plain GPS.
 *
 * Honest times and places.  A TPV whose time is not a real UTC time, or lies
 * more than a year from the system clock (GC_CLOCK_SLACK_S; a clock before
 * GC_CLOCK_FLOOR was never set, and then only times from the floor up to two
 * GPS week-number periods after it are believed), is not a fix: receivers
 * report 1980 (the GPS epoch) before they know the week, dates 1024 weeks
 * off after a week-number rollover, and gpsd 3.22 itself dates one real
 * log 2034.  Nor is a position at exactly 0,0, a receiver's "no position".
 *
 * Epochs.  gpsd may send several TPVs for one epoch (one time): with some
 * receivers first a 2D one without accuracy (from RMC), then the 3D one
 * (from GGA/GSA).  The client keeps the epoch's best report and makes it the
 * fix only when the epoch closes: at the first report of a later time, or
 * GC_EPOCH_WAIT_MS after the epoch's latest report (gpsd's JSON has no
 * end-of-cycle marker).  The satellite count of an epoch is the largest of
 * the SKY reports since the previous epoch closed, so a SKY that covers only
 * part of the sky (gpsd sends one per GSV group) never replaces the whole.
 *
 * Staleness is measured on the monotonic clock: a fix older than three
 * reporting cycles (cycle estimated from the TPV interval, clamped to
 * 1..10 s) is stale.
 *
 * gps_close() is called exactly once per successful gps_open(): `open` says
 * whether the gps_data_t holds a live connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gps.h>
#include <jansson.h>

#include "gps/gpsclient.h"
#include "util/util.h"

#if GPSD_API_MAJOR_VERSION < 9
#error "gpsclient needs libgps API 9 or later (gpsd 3.20+): fix.time must be a timespec"
#endif
/*
 * gpsd 3.23.1 renamed STATUS_NO_FIX to STATUS_UNK and later versions moved
 * more status names; this module reads neither, so only MODE_* matters and
 * those are stable.  Keep it that way: judge fixes by mode.
 */
#ifndef MODE_2D
#define MODE_2D 2
#endif

#define GC_HOST_MAX        256
#define GC_PORT_MAX        8
#define GC_BACKOFF_MIN_MS  500
#define GC_BACKOFF_MAX_MS  10000
#define GC_PROBE_LIMIT_MS  5000
#define GC_PROBE_CHECK_MS  250
#define GC_CYCLE_MIN_MS    1000
#define GC_CYCLE_MAX_MS    10000
#define GC_STALE_CYCLES    3
/*
 * Reports of one epoch arrive within a few hundred milliseconds even at
 * 4800 baud; a report of the same time arriving later still upgrades the
 * fix if it is better (gc_commit).
 */
#define GC_EPOCH_WAIT_MS   300
/* 2010-01-01T00:00:00Z: a clock before it was never set (RTCs start at 1970 or 2000). */
#define GC_CLOCK_FLOOR     ((time_t)1262304000)
#define GC_CLOCK_SLACK_S   ((time_t)366 * 86400)
/* One GPS week-number period: 1024 weeks. */
#define GC_WEEK_PERIOD_S   ((time_t)1024 * 7 * 86400)
/*
 * gpsd's limit on one JSON response (GPS_JSON_RESPONSE_MAX, private to
 * gpsd) is 10240 bytes in 3.22; libgps buffers twice that, and so do we.
 * A peer that sends a longer line is not gpsd: the client drops it.
 */
#define GC_LINE_MAX        (2 * 10240 + 1)
/* Lines handled per gpsclient_process() call before yielding to the loop. */
#define GC_DRAIN_MAX       256

enum gc_conn {
	GC_OFF,
	GC_WAITING,     /* for the retry timer */
	GC_PROBING,     /* non-blocking probe connect in flight */
	GC_OPEN,        /* libgps connection streaming */
};

struct gpsclient {
	char host[GC_HOST_MAX];
	char port[GC_PORT_MAX];
	enum gc_conn conn;

	struct gps_data_t *data;   /* heap: the struct is large */
	bool open;                 /* data holds a live gps_open() */
	int probe_fd;
	int64_t probe_started_ms;
	int64_t retry_at_ms;
	int backoff_ms;
	bool pending;              /* lines may be left in libgps's buffer */
	bool ever_tried;           /* a probe has been started */
	char error[256];

	/* What the receiver says now. */
	bool seen_tpv;
	int rx_mode;               /* mode of the latest TPV */
	int sats_used, sats_visible;  /* of the last closed epoch */
	double hdop;
	char refused[160];         /* why the latest position report was not a fix, or "" */

	/* The epoch being reported: its best fix so far, not yet believed. */
	bool epoch_open;
	struct gps_fix epoch_best;
	int64_t epoch_last_ms;     /* when its latest report arrived */
	int epoch_sats_used, epoch_sats_visible;   /* largest SKY counts since the last close */

	/* The last good fix. */
	bool have_fix;
	struct gps_fix fix;
	int64_t cycle_ms;          /* estimated reporting cycle */
	int64_t last_tpv_ms;

	enum gps_state reported;   /* state at the end of the last process() */
	char reported_error[256];  /* error at the end of the last process(): a new reason is news */
	char in[GC_LINE_MAX];      /* bytes read, not yet a complete line */
	size_t in_len;
	char line[GC_LINE_MAX];
	char clean[GC_LINE_MAX];   /* what libgps is given of a line (gc_screen_line) */
};

static void
gc_set_error(struct gpsclient *gc, const char *fmt, const char *arg)
{
	snprintf(gc->error, sizeof gc->error, fmt, arg);
}

/* Why a connection failed, in the words of a sentence: "connection refused". */
static void
gc_set_errno(struct gpsclient *gc, int err)
{
	gc_set_error(gc, "%s", strerror(err));
	if (gc->error[0] >= 'A' && gc->error[0] <= 'Z' && gc->error[1] >= 'a' && gc->error[1] <= 'z')
		gc->error[0] = (char)(gc->error[0] - 'A' + 'a');
}

static int
gc_parse_hostport(const char *hp, char *host, size_t hsize, char *port, size_t psize, char **cause)
{
	const char *colon, *h = hp;
	size_t hlen;

	if (*hp == '[') {
		const char *close = strchr(hp, ']');
		if (close == NULL)
			return fc_fail(cause, "--gpsd %s: missing ']' after the IPv6 address", hp);
		h = hp + 1;
		hlen = (size_t)(close - h);
		colon = close[1] == ':' ? close + 1 : NULL;
		if (close[1] != '\0' && colon == NULL)
			return fc_fail(cause, "--gpsd %s: expected ':PORT' after ']'", hp);
	} else {
		colon = strrchr(hp, ':');
		if (colon != NULL && strchr(hp, ':') != colon)
			return fc_fail(cause, "--gpsd %s: write IPv6 addresses as [ADDR]:PORT", hp);
		hlen = colon != NULL ? (size_t)(colon - hp) : strlen(hp);
	}
	if (hlen == 0 || hlen >= hsize)
		return fc_fail(cause, "--gpsd %s: the host name is empty or longer than %zu bytes",
		    hp, hsize - 1);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	for (size_t i = 0; i < hlen; i++) {
		unsigned char c = (unsigned char)host[i];
		if (c <= ' ' || c >= 0x7f)
			return fc_fail(cause, "--gpsd %s: bad character in the host name", hp);
	}
	if (colon == NULL) {
		fc_strlcpy(port, "2947", psize);
		return 0;
	}
	char *end;
	errno = 0;
	long p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || p < 1 || p > 65535)
		return fc_fail(cause, "--gpsd %s: the port must be a number from 1 to 65535", hp);
	snprintf(port, psize, "%ld", p);
	return 0;
}

int
gpsclient_open(const char *hostport, struct gpsclient **out, char **cause)
{
	struct gpsclient *gc = xcalloc(1, sizeof *gc);

	gc->probe_fd = -1;
	gc->rx_mode = MODE_NOT_SEEN;
	gc->sats_used = gc->sats_visible = -1;
	gc->epoch_sats_used = gc->epoch_sats_visible = -1;
	gc->hdop = NAN;
	gc->cycle_ms = GC_CYCLE_MIN_MS;
	gc->backoff_ms = GC_BACKOFF_MIN_MS;
	if (hostport != NULL && strcmp(hostport, "none") == 0) {
		gc->conn = GC_OFF;
		gc->reported = GPS_OFF;
		*out = gc;
		return 0;
	}
	if (hostport == NULL || *hostport == '\0')
		hostport = "localhost:2947";
	if (gc_parse_hostport(hostport, gc->host, sizeof gc->host, gc->port, sizeof gc->port,
	    cause) != 0)
		goto fail;
	gc->data = xcalloc(1, sizeof *gc->data);
	gc->conn = GC_WAITING;
	gc->retry_at_ms = fc_monotonic_ms();   /* try at the first process() */
	gc_set_error(gc, "%s", "not connected yet");
	gc->reported = GPS_NO_GPSD;
	*out = gc;
	return 0;
fail:
	free(gc);
	return -1;
}

static void
gc_disconnect(struct gpsclient *gc)
{
	if (gc->open) {
		(void)gps_close(gc->data);
		gc->open = false;
	}
	if (gc->probe_fd != -1) {
		close(gc->probe_fd);
		gc->probe_fd = -1;
	}
	gc->pending = false;
	gc->seen_tpv = false;
	gc->rx_mode = MODE_NOT_SEEN;
	gc->epoch_open = false;
	gc->epoch_sats_used = gc->epoch_sats_visible = -1;
	gc->conn = GC_WAITING;
	gc->retry_at_ms = fc_monotonic_ms() + gc->backoff_ms;
	gc->backoff_ms *= 2;
	if (gc->backoff_ms > GC_BACKOFF_MAX_MS)
		gc->backoff_ms = GC_BACKOFF_MAX_MS;
}

void
gpsclient_close(struct gpsclient *gc)
{
	if (gc == NULL)
		return;
	if (gc->open)
		(void)gps_stream(gc->data, WATCH_DISABLE, NULL);
	gc_disconnect(gc);
	free(gc->data);
	free(gc);
}

/* Starts the non-blocking probe connect; on failure schedules a retry. */
static void
gc_start_probe(struct gpsclient *gc)
{
	struct addrinfo hints, *res = NULL;
	int fd = -1, rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(gc->host, gc->port, &hints, &res);
	if (rc != 0) {
		gc_set_error(gc, "cannot resolve the gpsd host: %s", gai_strerror(rc));
		gc_disconnect(gc);
		return;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		gc_set_error(gc, "socket: %s", strerror(errno));
		goto fail;
	}
	if (connect(fd, res->ai_addr, res->ai_addrlen) != 0 && errno != EINPROGRESS) {
		gc_set_errno(gc, errno);
		goto fail;
	}
	freeaddrinfo(res);
	if (!gc->ever_tried)
		gc_set_error(gc, "%s", "connecting");   /* until the first answer or failure */
	gc->ever_tried = true;
	gc->probe_fd = fd;
	gc->probe_started_ms = fc_monotonic_ms();
	gc->conn = GC_PROBING;
	return;
fail:
	if (fd != -1)
		close(fd);
	freeaddrinfo(res);
	gc_disconnect(gc);
}

/* The real connection, once the probe has shown gpsd answers. */
static void
gc_open_libgps(struct gpsclient *gc)
{
	int flags;

	memset(gc->data, 0, sizeof *gc->data);
	errno = 0;
	if (gps_open(gc->host, gc->port, gc->data) != 0) {
		gc_set_error(gc, "gps_open: %s", gps_errstr(errno));
		gc_disconnect(gc);
		return;
	}
	gc->open = true;
	flags = fcntl(gc->data->gps_fd, F_GETFL);
	if (flags == -1 || fcntl(gc->data->gps_fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		gc_set_error(gc, "fcntl: %s", strerror(errno));
		gc_disconnect(gc);
		return;
	}
	(void)fcntl(gc->data->gps_fd, F_SETFD, FD_CLOEXEC);
	if (gps_stream(gc->data, WATCH_ENABLE | WATCH_JSON, NULL) != 0) {
		gc_set_error(gc, "%s", "gpsd refused the WATCH request");
		gc_disconnect(gc);
		return;
	}
	gc->conn = GC_OPEN;
	gc->in_len = 0;
	gc->pending = true;   /* the banner may already be waiting */
	gc->error[0] = '\0';
}

static void
gc_check_probe(struct gpsclient *gc, int64_t now)
{
	struct pollfd p = { .fd = gc->probe_fd, .events = POLLIN | POLLOUT };
	int err = 0;
	socklen_t len = sizeof err;

	if (poll(&p, 1, 0) <= 0) {
		if (now - gc->probe_started_ms >= GC_PROBE_LIMIT_MS) {
			gc_set_error(gc, "%s", "connection timed out");
			gc_disconnect(gc);
		}
		return;
	}
	if (getsockopt(gc->probe_fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err == 0 && (p.revents & (POLLERR | POLLHUP)) != 0 && (p.revents & POLLIN) == 0)
		err = ECONNRESET;
	if (err != 0) {
		gc_set_errno(gc, err);
		gc_disconnect(gc);
		return;
	}
	close(gc->probe_fd);
	gc->probe_fd = -1;
	gc_open_libgps(gc);
}

static bool
gc_finite(double d)
{
	return isfinite(d) != 0;
}

/*
 * The raw line, checked independently of libgps: it must be one JSON object
 * with a string "class".  For TPV, returns the mode and coordinates as
 * written so that a fix is believed only when both parsers agree.
 */
struct gc_raw {
	char cls[16];
	int mode;
	bool has_latlon;
	bool has_time;
	bool has_hdop;
	char time[40];       /* as written, when a string short enough; else "" */
	double lat, lon;
	int sky_used;        /* SKY: uSat, else the satellites marked used; -1 unknown */
	int sky_visible;     /* SKY: nSat, else the satellites listed; -1 unknown */
};

/*
 * What libgps is given: the fields the client reads, of the types gpsd
 * writes, re-encoded by jansson.  libgps 3.22's parser loops forever on
 * some lines, malformed or not (an unknown array of objects, another
 * class's name inside a string, a satellite without a PRN: found by
 * fuzz_gpsd and the unit tests), so it never sees gpsd's text itself, only
 * this flat, known subset.
 */
enum gc_field_type { GC_STRING, GC_INT, GC_REAL, GC_BOOL };

struct gc_field {
	const char *name;
	enum gc_field_type type;
};

static const struct gc_field gc_tpv_fields[] = {
	{ "device", GC_STRING }, { "time", GC_STRING }, { "mode", GC_INT },
	{ "lat", GC_REAL }, { "lon", GC_REAL }, { "altHAE", GC_REAL }, { "altMSL", GC_REAL },
	{ "eph", GC_REAL }, { "epx", GC_REAL }, { "epy", GC_REAL },
};
static const struct gc_field gc_sky_fields[] = {
	{ "device", GC_STRING }, { "time", GC_STRING }, { "hdop", GC_REAL },
	{ "nSat", GC_INT }, { "uSat", GC_INT },
};
static const struct gc_field gc_satellite_fields[] = {
	{ "PRN", GC_INT }, { "used", GC_BOOL }, { "el", GC_REAL }, { "az", GC_REAL },
	{ "ss", GC_REAL }, { "gnssid", GC_INT }, { "svid", GC_INT },
};

#define GC_FIELDS(a) (a), sizeof(a) / sizeof((a)[0])

/* Copies the listed fields of from that have their expected type into a new object. */
static json_t *
gc_subset(json_t *from, const struct gc_field *fields, size_t n)
{
	json_t *to = json_object();

	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(from, fields[i].name), *copy = NULL;

		if (v == NULL)
			continue;
		switch (fields[i].type) {
		case GC_STRING:
			/* gpsd's strings are short; a long one is not gpsd's. */
			if (json_is_string(v) && json_string_length(v) < 64 &&
			    strlen(json_string_value(v)) == json_string_length(v))
				copy = json_string(json_string_value(v));
			break;
		case GC_INT:
			if (json_is_integer(v) && json_integer_value(v) > -100000 &&
			    json_integer_value(v) < 100000)
				copy = json_integer(json_integer_value(v));
			break;
		case GC_REAL:
			if (json_is_number(v))
				copy = json_real(json_number_value(v));
			break;
		case GC_BOOL:
			if (json_is_boolean(v))
				copy = json_boolean(json_is_true(v));
			break;
		}
		if (copy != NULL)
			json_object_set_new(to, fields[i].name, copy);
	}
	return to;
}

/* A count gpsd wrote, if it is one: 0..MAXCHANNELS, else -1. */
static int
gc_count(json_t *v)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > MAXCHANNELS)
		return -1;
	return (int)json_integer_value(v);
}

/*
 * The satellite counts of one SKY report: gpsd's uSat and nSat when given
 * (gpsd 3.20+), else counted over the report's satellites.
 */
static void
gc_sky_counts(json_t *sky, struct gc_raw *raw)
{
	json_t *sats = json_object_get(sky, "satellites"), *v;
	int used = 0, listed = 0;
	size_t i;

	raw->sky_used = gc_count(json_object_get(sky, "uSat"));
	raw->sky_visible = gc_count(json_object_get(sky, "nSat"));
	if (!json_is_array(sats) || json_array_size(sats) > MAXCHANNELS)
		return;
	json_array_foreach(sats, i, v) {
		listed++;
		if (json_is_true(json_object_get(v, "used")))
			used++;
	}
	if (raw->sky_used < 0)
		raw->sky_used = used;
	if (raw->sky_visible < 0)
		raw->sky_visible = listed;
}

/*
 * Checks line and, for TPV and SKY, writes libgps's subset of it to clean
 * (NUL-terminated).  Returns false for a line that is not believed; true
 * with clean[0] == '\0' for a good line of a class the client ignores.
 */
static bool
gc_screen_line(const char *line, size_t len, struct gc_raw *raw, char *clean, size_t size)
{
	json_error_t jerr;
	json_t *root, *v, *subset = NULL;
	const char *cls;
	bool ok = false;
	size_t n;

	memset(raw, 0, sizeof *raw);
	clean[0] = '\0';
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return false;
	if (!json_is_object(root))
		goto out;
	v = json_object_get(root, "class");
	if (!json_is_string(v))
		goto out;
	cls = json_string_value(v);
	if (strlen(cls) >= sizeof raw->cls)
		goto out;
	fc_strlcpy(raw->cls, cls, sizeof raw->cls);
	v = json_object_get(root, "mode");
	raw->mode = json_is_integer(v) ? (int)json_integer_value(v) : 0;
	json_t *lat = json_object_get(root, "lat"), *lon = json_object_get(root, "lon");
	if (json_is_number(lat) && json_is_number(lon)) {
		raw->has_latlon = true;
		raw->lat = json_number_value(lat);
		raw->lon = json_number_value(lon);
	}
	v = json_object_get(root, "time");
	raw->has_time = v != NULL;
	if (json_is_string(v) && json_string_length(v) < sizeof raw->time)
		fc_strlcpy(raw->time, json_string_value(v), sizeof raw->time);
	raw->has_hdop = json_object_get(root, "hdop") != NULL;
	raw->sky_used = raw->sky_visible = -1;
	ok = true;
	if (strcmp(cls, "TPV") == 0) {
		subset = gc_subset(root, GC_FIELDS(gc_tpv_fields));
	} else if (strcmp(cls, "SKY") == 0) {
		json_t *sats = json_object_get(root, "satellites"), *list = json_array();
		size_t i;

		gc_sky_counts(root, raw);

		subset = gc_subset(root, GC_FIELDS(gc_sky_fields));
		json_array_foreach(sats, i, v) {
			if (i >= MAXCHANNELS)
				break;
			json_t *sat = json_is_object(v) ? gc_subset(v, GC_FIELDS(gc_satellite_fields)) : NULL;

			/* A satellite without its PRN is one more line libgps never returns from. */
			if (sat != NULL && json_object_get(sat, "PRN") != NULL)
				json_array_append_new(list, sat);
			else
				json_decref(sat);
		}
		json_object_set_new(subset, "satellites", list);
	} else
		goto out;
	json_object_set_new(subset, "class", json_string(cls));
	n = json_dumpb(subset, clean, size - 1, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (n == 0 || n >= size - 1)
		ok = false;   /* cannot happen with these bounds; never pass a cut line on */
	else
		clean[n] = '\0';
out:
	json_decref(subset);
	json_decref(root);
	return ok;
}

static void
gc_handle_sky(struct gpsclient *gc, const struct gc_raw *raw)
{
	const struct gps_data_t *d = gc->data;

	if (raw->sky_used > gc->epoch_sats_used)
		gc->epoch_sats_used = raw->sky_used;
	if (raw->sky_visible > gc->epoch_sats_visible)
		gc->epoch_sats_visible = raw->sky_visible;
	/* NMEA writes 99.99 for "no DOP": that is unknown, not terrible. */
	if (!raw->has_hdop)
		return;
	if (gc_finite(d->dop.hdop) && d->dop.hdop > 0 && d->dop.hdop < 99)
		gc->hdop = d->dop.hdop;
	else
		gc->hdop = NAN;
}

/*
 * Whether a receiver's time is one to believe, judged against the system
 * clock (see the file comment); otherwise says why in why.
 */
static bool
gc_time_plausible(const char *text, struct timespec t, time_t clock, char *why, size_t size)
{
	time_t lo, hi;

	if (clock >= GC_CLOCK_FLOOR) {
		lo = clock - GC_CLOCK_SLACK_S;
		hi = clock + GC_CLOCK_SLACK_S;
	} else {
		lo = GC_CLOCK_FLOOR - GC_CLOCK_SLACK_S;
		hi = GC_CLOCK_FLOOR + 2 * GC_WEEK_PERIOD_S;
	}
	if (t.tv_sec >= lo && t.tv_sec <= hi)
		return true;
	snprintf(why, size, "receiver time %.24s is %s", text,
	    clock >= GC_CLOCK_FLOOR ? "more than a year from the system clock" :
	    "not plausible (the system clock is not set)");
	return false;
}

/* Whether fix a is better than b: 3D over 2D, a known accuracy, then a smaller one. */
static bool
gc_better(const struct gps_fix *a, const struct gps_fix *b)
{
	if (a->mode != b->mode)
		return a->mode > b->mode;
	if (isnan(a->accuracy_m) != isnan(b->accuracy_m))
		return !isnan(a->accuracy_m);
	return !isnan(a->accuracy_m) && a->accuracy_m < b->accuracy_m;
}

static bool
gc_same_epoch(const struct gps_fix *a, const struct gps_fix *b)
{
	return a->time[0] != '\0' && strcmp(a->time, b->time) == 0;
}

/*
 * Closes the open epoch: its best report becomes the fix, with the epoch's
 * satellite count (the last closed epoch's when no SKY came).  A report of
 * an epoch already made the fix replaces it only when better.
 */
static void
gc_commit(struct gpsclient *gc)
{
	struct gps_fix *f = &gc->epoch_best;

	if (!gc->epoch_open)
		return;
	gc->epoch_open = false;
	if (gc->epoch_sats_used > 0)
		gc->sats_used = gc->epoch_sats_used;
	if (gc->epoch_sats_visible >= 0)
		gc->sats_visible = gc->epoch_sats_visible;
	gc->epoch_sats_used = gc->epoch_sats_visible = -1;
	if (gc->have_fix && gc_same_epoch(f, &gc->fix) && !gc_better(f, &gc->fix))
		return;
	/* A fix from no satellite is impossible: 0 means gpsd did not say. */
	f->satellites_used = gc->sats_used > 0 ? gc->sats_used : -1;
	f->satellites_visible = gc->sats_visible;
	f->hdop = gc->hdop;
	gc->fix = *f;
	gc->have_fix = true;
}

/*
 * The receiver says it has no fix, or said something not to believe: the
 * open epoch's best report was good, so it still becomes the last fix.
 */
static void
gc_no_fix(struct gpsclient *gc)
{
	gc_commit(gc);
	gc->rx_mode = MODE_NO_FIX;
}

static void
gc_handle_tpv(struct gpsclient *gc, const struct gc_raw *raw, int64_t now)
{
	const struct gps_data_t *d = gc->data;
	const struct gps_fix_t *f = &d->fix;
	struct gps_fix fix;
	struct timespec rt;

	gc->seen_tpv = true;
	if ((d->set & MODE_SET) == 0)
		return;
	gc->rx_mode = f->mode;
	if (f->mode < MODE_2D || f->mode > MODE_3D || raw->mode != f->mode) {
		gc->refused[0] = '\0';
		gc_no_fix(gc);
		return;
	}
	if ((d->set & LATLON_SET) == 0 || !raw->has_latlon) {
		gc_no_fix(gc);
		return;
	}
	if (!gc_finite(f->latitude) || !gc_finite(f->longitude) ||
	    fabs(f->latitude) > 90 || fabs(f->longitude) > 180 ||
	    fabs(f->latitude - raw->lat) > 1e-7 || fabs(f->longitude - raw->lon) > 1e-7) {
		gc_no_fix(gc);
		return;
	}
	if (raw->lat == 0 && raw->lon == 0) {
		fc_strlcpy(gc->refused, "position 0,0 (a receiver's \"no position\")",
		    sizeof gc->refused);
		gc_no_fix(gc);
		return;
	}
	/*
	 * A time that libgps could not read means a line we do not understand;
	 * one that jansson's text and libgps disagree on, or out of the window,
	 * is nonsense.
	 */
	bool time_ok = (d->set & TIME_SET) != 0 && f->time.tv_sec > 0 && f->time.tv_nsec >= 0 &&
	    f->time.tv_nsec < 1000000000L;
	if (raw->has_time) {
		if (!time_ok || fc_parse_iso_utc(raw->time, &rt) != 0 || rt.tv_sec != f->time.tv_sec) {
			snprintf(gc->refused, sizeof gc->refused, "receiver time \"%.24s\" is not a time",
			    raw->time);
			gc_no_fix(gc);
			return;
		}
		if (!gc_time_plausible(raw->time, rt, time(NULL), gc->refused, sizeof gc->refused)) {
			gc_no_fix(gc);
			return;
		}
	}
	gc->refused[0] = '\0';
	memset(&fix, 0, sizeof fix);
	fix.mode = f->mode;
	fix.lat = f->latitude;
	fix.lon = f->longitude;
	fix.alt_msl = f->mode == MODE_3D && gc_finite(f->altMSL) ? f->altMSL : NAN;
	fix.alt_hae = f->mode == MODE_3D && gc_finite(f->altHAE) ? f->altHAE : NAN;
	if (gc_finite(f->eph) && f->eph >= 0)
		fix.accuracy_m = f->eph;
	else if (gc_finite(f->epx) && gc_finite(f->epy) && f->epx >= 0 && f->epy >= 0)
		fix.accuracy_m = sqrt(f->epx * f->epx + f->epy * f->epy);
	else
		fix.accuracy_m = NAN;
	if (raw->has_time)
		fc_time_iso_utc(fix.time, f->time);
	fix.received_ms = now;

	if (gc->epoch_open && gc_same_epoch(&fix, &gc->epoch_best)) {
		if (gc_better(&fix, &gc->epoch_best))
			gc->epoch_best = fix;
		gc->epoch_last_ms = now;
		return;
	}
	gc_commit(gc);
	if (gc->last_tpv_ms != 0) {
		/* Smooth the epoch interval so one late epoch does not move it much. */
		int64_t dt = now - gc->last_tpv_ms;
		if (dt > 0) {
			gc->cycle_ms = (gc->cycle_ms * 3 + dt) / 4;
			if (gc->cycle_ms < GC_CYCLE_MIN_MS)
				gc->cycle_ms = GC_CYCLE_MIN_MS;
			if (gc->cycle_ms > GC_CYCLE_MAX_MS)
				gc->cycle_ms = GC_CYCLE_MAX_MS;
		}
	}
	gc->last_tpv_ms = now;
	gc->epoch_best = fix;
	gc->epoch_open = true;
	gc->epoch_last_ms = now;
}

/*
 * Moves the next complete line out of gc->in into gc->line (NUL-terminated,
 * without its CR LF) and returns its length, or -1 when no line is complete.
 */
static long
gc_next_line(struct gpsclient *gc)
{
	char *nl = memchr(gc->in, '\n', gc->in_len);
	size_t len, used;

	if (nl == NULL)
		return -1;
	len = (size_t)(nl - gc->in);
	used = len + 1;
	if (len > 0 && gc->in[len - 1] == '\r')
		len--;
	memcpy(gc->line, gc->in, len);
	gc->line[len] = '\0';
	memmove(gc->in, gc->in + used, gc->in_len - used);
	gc->in_len -= used;
	return (long)len;
}

/* Handles one line: believed only when jansson and then libgps accept it. */
static void
gc_handle_line(struct gpsclient *gc, size_t len, int64_t now)
{
	struct gc_raw raw;

	if (memchr(gc->line, '\0', len) != NULL ||
	    !gc_screen_line(gc->line, len, &raw, gc->clean, sizeof gc->clean) || gc->clean[0] == '\0')
		return;
	gc->data->set = 0;
	if (gps_unpack(gc->clean, gc->data) != 0)
		return;
	if (strcmp(raw.cls, "TPV") == 0)
		gc_handle_tpv(gc, &raw, now);
	else if ((gc->data->set & SATELLITE_SET) != 0)
		gc_handle_sky(gc, &raw);
}

/* Reads and handles what gpsd sent, a bounded amount per call; disconnects on EOF or error. */
static void
gc_drain(struct gpsclient *gc, int64_t now)
{
	for (int i = 0; i < GC_DRAIN_MAX; i++) {
		long len = gc_next_line(gc);
		ssize_t n;

		if (len >= 0) {
			gc_handle_line(gc, (size_t)len, now);
			continue;
		}
		if (gc->in_len == sizeof gc->in) {
			gc_set_error(gc, "%s", "gpsd sent an overlong line");
			gc_disconnect(gc);
			return;
		}
		n = read(gc->data->gps_fd, gc->in + gc->in_len, sizeof gc->in - gc->in_len);
		if (n > 0) {
			gc->in_len += (size_t)n;
			gc->backoff_ms = GC_BACKOFF_MIN_MS;   /* gpsd talks: a later loss retries fast */
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			gc->pending = false;
			return;
		}
		if (n == 0)
			gc_set_error(gc, "%s", "gpsd closed the connection");
		else
			gc_set_error(gc, "gpsd connection lost: %s", strerror(errno));
		gc_disconnect(gc);
		return;
	}
	gc->pending = true;   /* more may be waiting: come back at once */
}

static int64_t
gc_stale_ms(const struct gpsclient *gc)
{
	return gc->cycle_ms * GC_STALE_CYCLES;
}

static enum gps_state
gc_state_at(const struct gpsclient *gc, int64_t now)
{
	if (gc->conn == GC_OFF)
		return GPS_OFF;
	if (gc->conn != GC_OPEN)
		return GPS_NO_GPSD;
	if (!gc->have_fix || gc->rx_mode < MODE_2D)
		return GPS_NO_FIX;
	if (now - gc->fix.received_ms > gc_stale_ms(gc))
		return GPS_STALE;
	return GPS_FIX;
}

int
gpsclient_fd(const struct gpsclient *gc)
{
	if (gc->conn == GC_PROBING)
		return gc->probe_fd;
	if (gc->conn == GC_OPEN)
		return gc->data->gps_fd;
	return -1;
}

int
gpsclient_timeout_ms(const struct gpsclient *gc)
{
	int64_t now = fc_monotonic_ms(), due = -1;

	switch (gc->conn) {
	case GC_OFF:
		return -1;
	case GC_WAITING:
		/* An overdue retry is due now, never "no timer" (-1). */
		due = gc->retry_at_ms > now ? gc->retry_at_ms - now : 0;
		break;
	case GC_PROBING:
		due = GC_PROBE_CHECK_MS;
		break;
	case GC_OPEN:
		if (gc->pending)
			return 0;
		if (gc->have_fix && gc->rx_mode >= MODE_2D) {
			due = gc->fix.received_ms + gc_stale_ms(gc) + 1 - now;
			if (due < 0)
				due = -1;   /* already stale: nothing more to time */
		}
		if (gc->epoch_open) {
			int64_t close = gc->epoch_last_ms + GC_EPOCH_WAIT_MS - now;
			if (close < 0)
				close = 0;
			if (due < 0 || close < due)
				due = close;
		}
		break;
	}
	if (due > 60000)
		due = 60000;
	return (int)due;
}

bool
gpsclient_process(struct gpsclient *gc)
{
	int64_t now = fc_monotonic_ms();
	int64_t fix_before = gc->have_fix ? gc->fix.received_ms : 0;
	enum gps_state st;

	switch (gc->conn) {
	case GC_OFF:
		break;
	case GC_WAITING:
		if (now >= gc->retry_at_ms)
			gc_start_probe(gc);
		if (gc->conn == GC_PROBING)
			gc_check_probe(gc, now);
		if (gc->conn == GC_OPEN)
			gc_drain(gc, now);
		break;
	case GC_PROBING:
		gc_check_probe(gc, now);
		if (gc->conn == GC_OPEN)
			gc_drain(gc, now);
		break;
	case GC_OPEN:
		gc_drain(gc, now);
		break;
	}
	if (gc->epoch_open && fc_monotonic_ms() - gc->epoch_last_ms >= GC_EPOCH_WAIT_MS)
		gc_commit(gc);
	st = gc_state_at(gc, fc_monotonic_ms());
	bool changed = st != gc->reported || (gc->have_fix && gc->fix.received_ms != fix_before) ||
	    strcmp(gc->error, gc->reported_error) != 0;
	gc->reported = st;
	fc_strlcpy(gc->reported_error, gc->error, sizeof gc->reported_error);
	return changed;
}

enum gps_state
gpsclient_state(const struct gpsclient *gc)
{
	return gc_state_at(gc, fc_monotonic_ms());
}

const char *
gpsclient_error(const struct gpsclient *gc)
{
	if (gc->conn == GC_OFF)
		return "GPS is off (--gpsd none)";
	if (gc->conn == GC_OPEN)
		return gc->rx_mode < MODE_2D ? gc->refused : "";
	return gc->error;
}

bool
gpsclient_last_fix(const struct gpsclient *gc, struct gps_fix *out)
{
	if (!gc->have_fix)
		return false;
	*out = gc->fix;
	return true;
}

double
gpsclient_fix_age_s(const struct gpsclient *gc)
{
	if (!gc->have_fix)
		return NAN;
	return (double)(fc_monotonic_ms() - gc->fix.received_ms) / 1000.0;
}

double
gpsclient_stale_after_s(const struct gpsclient *gc)
{
	return (double)gc_stale_ms(gc) / 1000.0;
}

bool
gpsclient_stamp(const struct gpsclient *gc, double max_age_s, struct gps_fix *fix, double *age_s)
{
	double age;

	if (!gc->have_fix || !isfinite(max_age_s) || max_age_s < 0)
		return false;
	age = gpsclient_fix_age_s(gc);
	if (!(age <= max_age_s))
		return false;
	*fix = gc->fix;
	*age_s = age;
	return true;
}

const char *
gpsclient_state_name(enum gps_state st)
{
	switch (st) {
	case GPS_OFF: return "off";
	case GPS_NO_GPSD: return "no gpsd";
	case GPS_NO_FIX: return "no fix";
	case GPS_STALE: return "stale";
	case GPS_FIX: return "fix";
	}
	return "?";
}

/* Appends the quality words of a fix: accuracy, satellites, HDOP, age. */
static void
gc_describe_fix(const struct gps_fix *f, double age, char *buf, size_t size)
{
	size_t n = strnlen(buf, size);

#define GC_APPEND(...) do { \
	if (n < size) { \
		int w_ = snprintf(buf + n, size - n, __VA_ARGS__); \
		if (w_ > 0) n += (size_t)w_; \
	} \
} while (0)
	GC_APPEND("%dD %.5f %.5f", f->mode, f->lat, f->lon);
	if (isfinite(f->accuracy_m))
		GC_APPEND(" ±%.0f m", f->accuracy_m);
	if (f->satellites_used >= 0)
		GC_APPEND(" %d sats", f->satellites_used);
	if (isfinite(f->hdop))
		GC_APPEND(" HDOP %.1f%s", f->hdop, f->hdop > GPSCLIENT_POOR_HDOP ? " poor" : "");
	GC_APPEND(" %.1f s", age);
#undef GC_APPEND
}

void
gpsclient_describe(const struct gpsclient *gc, char *buf, size_t size)
{
	enum gps_state st = gpsclient_state(gc);
	double age = gpsclient_fix_age_s(gc);

	if (size == 0)
		return;
	buf[0] = '\0';
	switch (st) {
	case GPS_OFF:
		fc_strlcpy(buf, "GPS off", size);
		return;
	case GPS_NO_GPSD:
		snprintf(buf, size, "no gpsd at %s:%s (%s)", gc->host, gc->port, gc->error);
		return;
	case GPS_NO_FIX:
		if (gc->refused[0] != '\0')
			snprintf(buf, size, "no fix (refused: %s)", gc->refused);
		else if (gc->have_fix)
			snprintf(buf, size, "no fix (last fix %.0f s ago)", age);
		else
			fc_strlcpy(buf, gc->seen_tpv ? "no fix" : "no fix (no report yet)", size);
		return;
	case GPS_STALE:
		fc_strlcpy(buf, "stale: ", size);
		gc_describe_fix(&gc->fix, age, buf, size);
		return;
	case GPS_FIX:
		gc_describe_fix(&gc->fix, age, buf, size);
		return;
	}
}
