/*
 * gpsclient — positions from gpsd, with honest fix quality.
 *
 * The client never blocks and never owns the event loop: the application
 * polls gpsclient_fd() for reading together with its other descriptors, uses
 * gpsclient_timeout_ms() in its poll() timeout, and calls gpsclient_process()
 * after every wakeup.  While gpsd is away the client reconnects by itself with
 * backoff (up to about 10 s between tries).
 *
 * Only this module includes <gps.h>.
 */
#ifndef FIELDCHECK_GPSCLIENT_H
#define FIELDCHECK_GPSCLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

struct gpsclient;

enum gps_state {
	GPS_OFF,            /* --gpsd none */
	GPS_NO_GPSD,        /* not connected; retrying */
	GPS_NO_FIX,         /* connected, never had a fix or the receiver says no fix */
	GPS_STALE,          /* last good fix older than the stale limit */
	GPS_FIX,            /* a current 2D/3D fix */
};

struct gps_fix {
	int mode;                 /* 2 or 3 */
	double lat, lon;
	double alt_msl, alt_hae;  /* NAN when unknown */
	double accuracy_m;        /* horizontal: eph, or from epx/epy; NAN when unknown */
	double hdop;              /* NAN when unknown */
	int satellites_used;      /* -1 when unknown */
	int satellites_visible;   /* -1 when unknown */
	char time[FC_TIME_LEN];   /* the receiver's UTC time of the fix, "" if unknown */
	int64_t received_ms;      /* fc_monotonic_ms() when it arrived */
};

/*
 * Starts a client for "HOST:PORT" (NULL: localhost:2947; "none": GPS off).
 * Never fails for an absent gpsd: the client retries.  Caller frees.
 */
int gpsclient_open(const char *hostport, struct gpsclient **out, char **cause);
void gpsclient_close(struct gpsclient *gc);

/* The descriptor to poll for reading, or -1 while disconnected. */
int gpsclient_fd(const struct gpsclient *gc);
/* Milliseconds until the client needs gpsclient_process() again (-1: no timer). */
int gpsclient_timeout_ms(const struct gpsclient *gc);
/*
 * Reads everything available, handles timers (reconnect, staleness).
 * Returns true when the state, the fix or the reason gpsd is missing
 * changed (the caller redraws).
 */
bool gpsclient_process(struct gpsclient *gc);

enum gps_state gpsclient_state(const struct gpsclient *gc);
/*
 * For GPS_NO_GPSD, why there is no connection ("connecting", "connection
 * refused"); for GPS_NO_FIX, why gpsd's latest position report was refused
 * ("receiver time 2099-... is more than a year from the system clock",
 * "position 0,0 ..."), or "" when the receiver simply has no fix.
 */
const char *gpsclient_error(const struct gpsclient *gc);
/*
 * The last good fix: the best report of the latest closed epoch (see
 * gpsclient.c); false when there never was one.
 */
bool gpsclient_last_fix(const struct gpsclient *gc, struct gps_fix *out);
/* Age in seconds of the last good fix, NAN when none. */
double gpsclient_fix_age_s(const struct gpsclient *gc);
/* The stale limit in seconds (3 reporting cycles). */
double gpsclient_stale_after_s(const struct gpsclient *gc);

/*
 * The fix to stamp a record with: the current one, or the last good one no
 * older than max_age_s, with its age in *age_s.  Returns false and leaves
 * both untouched when there is none, so that nothing is ever stamped with a
 * stale or invented position.  The record layer turns the fix into the
 * record's position: this module knows nothing of records.
 */
bool gpsclient_stamp(const struct gpsclient *gc, double max_age_s, struct gps_fix *fix,
    double *age_s);

/*
 * One status line, like cgps in one line:
 * "3D 46.49829 7.56741 ±4 m 9 sats HDOP 0.9 0.4 s" (HDOP followed by "poor"
 * above GPSCLIENT_POOR_HDOP), "stale: 3D ...", "no fix (last fix 12 s ago)",
 * "no fix (refused: receiver time ...)", "no gpsd at localhost:2947
 * (connection refused)", "GPS off".
 */
void gpsclient_describe(const struct gpsclient *gc, char *buf, size_t size);

/* Added by the GPS module: */
/* HDOP above which a description calls the fix poor. */
#define GPSCLIENT_POOR_HDOP 5.0
/* "off", "no gpsd", "no fix", "stale", "fix". */
const char *gpsclient_state_name(enum gps_state st);

#endif
