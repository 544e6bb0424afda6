/*
 * util — the small things every module needs: allocation that aborts only
 * on out-of-memory, bounded string copies, UTC/local time stamps, UUIDs,
 * paths, and the key = value configuration file.
 *
 * No module state lives here except the configuration a caller loads.
 */
#ifndef FIELDCHECK_UTIL_H
#define FIELDCHECK_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* Allocation: these never return NULL; they abort on out-of-memory only. */
void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/*
 * A growable byte buffer: zero-initialise it, free data with free().  data
 * is kept NUL-terminated past len, so text built in it is a C string.
 */
struct fc_buf {
	char *data;
	size_t len, cap;
};
/* Makes room for n more bytes and the NUL, doubling the capacity. */
void fc_buf_grow(struct fc_buf *b, size_t n);
/* Appends n bytes.  Inline: exports and bundles append a few bytes at a
 * time, hundreds of times per record, and the call cost more than the copy. */
static inline void
fc_buf_append(struct fc_buf *b, const void *bytes, size_t n)
{
	if (b->cap - b->len < n + 1)
		fc_buf_grow(b, n);
	if (n > 0)
		memcpy(b->data + b->len, bytes, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Caller frees the result. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/*
 * Copies src into dst of size dstsize, always NUL-terminated.  Returns
 * strlen(src); a result >= dstsize means src was truncated.
 */
size_t fc_strlcpy(char *dst, const char *src, size_t dstsize);

/* Sets *cause (caller frees) to a formatted message; returns -1. */
int fc_fail(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Time.  ISO 8601 UTC with milliseconds: 2026-11-24T08:15:02.123Z. */
#define FC_TIME_LEN 32
void fc_time_iso_utc(char buf[FC_TIME_LEN], struct timespec when);
void fc_now_iso_utc(char buf[FC_TIME_LEN]);
/* The local calendar day (YYYY-MM-DD) of a UTC instant, in the device's zone. */
#define FC_DAY_LEN 11
void fc_local_day(char buf[FC_DAY_LEN], time_t when);
/* Parses the ISO 8601 UTC form above (fraction optional); -1 if malformed. */
int fc_parse_iso_utc(const char *s, struct timespec *out);
/* Milliseconds on the monotonic clock, for timers and staleness. */
int64_t fc_monotonic_ms(void);
/* True when s is a valid YYYY-MM-DD date. */
bool fc_valid_day(const char *s);

/* A random (version 4) UUID in its 36-character text form. */
#define FC_UUID_LEN 37
void fc_uuid_v4(char buf[FC_UUID_LEN]);
bool fc_valid_uuid(const char *s);

/* True when the n bytes at s are well-formed UTF-8 (no overlongs, no surrogates). */
bool fc_utf8_valid(const char *s, size_t n);
/* The length (1 to 4) of the well-formed UTF-8 character at s, within n bytes; 0 if none. */
size_t fc_utf8_len(const char *s, size_t n);
/*
 * Makes s, a peer's words (a server's error, a platform's reason), safe to
 * print on a terminal or keep in a log a terminal shows later: each control
 * character, C0, DEL and C1 (U+0080-U+009F, which a UTF-8 terminal obeys as
 * ESC [ and the like), and each byte that is not well-formed UTF-8 becomes
 * `replacement`.  In place; the text never grows.
 */
void fc_text_for_terminal(char *s, char replacement);

/*
 * Reads the whole regular file at path, refusing one over max bytes.  On 0,
 * *data (caller frees; NUL-terminated past *len) and *len; on -1, *cause
 * naming path and the reason.
 */
int fc_read_file(const char *path, size_t max, char **data, size_t *len, char **cause);

/* mkdir -p for the directory part of path (the last component is a file). */
int fc_mkdir_parents(const char *path, char **cause);

/*
 * The database path: $FIELDCHECK_DB, else $XDG_DATA_HOME/fieldcheck/fieldcheck.db,
 * else ~/.local/share/fieldcheck/fieldcheck.db.  Caller frees.
 */
char *fc_default_db_path(void);
/* $XDG_CACHE_HOME/fieldcheck, else ~/.cache/fieldcheck: files fieldcheck can remake.  Caller frees. */
char *fc_cache_dir(void);
/* $XDG_CONFIG_HOME/fieldcheck/config, else ~/.config/fieldcheck/config.  Caller frees. */
char *fc_config_path(void);

/*
 * The configuration file: lines of "key = value", '#' comments, blank lines.
 * Unknown keys are kept (later modules read them).  Keys and values are
 * bounded; a malformed line is an error naming the file and line.
 */
struct fc_config;
/* A missing file is an empty configuration, not an error.  Caller frees with fc_config_free. */
int fc_config_load(const char *path, struct fc_config **out, char **cause);
void fc_config_free(struct fc_config *cfg);
/* The value of key, or NULL.  Owned by cfg. */
const char *fc_config_get(const struct fc_config *cfg, const char *key);
/* Sets key and rewrites the file atomically (write, fsync, rename), mode 0600. */
int fc_config_set(struct fc_config *cfg, const char *key, const char *value, char **cause);
/*
 * The user's configuration (fc_config_path()), loaded on first use and kept
 * until exit.  NULL when it is malformed, said once on stderr (fc_error).
 */
struct fc_config *fc_config_user(void);
/* Prints "fieldcheck: MESSAGE" and a newline on stderr; returns 1 (an exit status). */
int fc_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fc_verror(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* cfg's `device`, else the host name, else "unknown-device".  Not freed. */
const char *fc_device_name(const struct fc_config *cfg);

#endif
