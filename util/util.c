/*
 * util — allocation, strings, time, UUIDs and paths shared by every module.
 */
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <sodium.h>

static void
out_of_memory(void)
{
	fputs("fieldcheck: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		out_of_memory();
	p = realloc(ptr, nmemb != 0 && size != 0 ? nmemb * size : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

void
fc_buf_grow(struct fc_buf *b, size_t n)
{
	size_t cap = b->cap != 0 ? b->cap : 1024;

	while (cap - b->len < n + 1)
		cap *= 2;
	b->data = xreallocarray(b->data, cap, 1);
	b->cap = cap;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		out_of_memory();
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory();
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

size_t
fc_strlcpy(char *dst, const char *src, size_t dstsize)
{
	size_t len = strlen(src);

	if (dstsize != 0) {
		size_t n = len < dstsize - 1 ? len : dstsize - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

int
fc_fail(char **cause, const char *fmt, ...)
{
	va_list ap;

	if (cause != NULL) {
		va_start(ap, fmt);
		*cause = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

void
fc_time_iso_utc(char buf[FC_TIME_LEN], struct timespec when)
{
	struct tm tm;
	size_t n;

	gmtime_r(&when.tv_sec, &tm);
	n = strftime(buf, FC_TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, FC_TIME_LEN - n, ".%03dZ", (int)(when.tv_nsec / 1000000L % 1000));
}

void
fc_now_iso_utc(char buf[FC_TIME_LEN])
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	fc_time_iso_utc(buf, now);
}

void
fc_local_day(char buf[FC_DAY_LEN], time_t when)
{
	struct tm tm;

	localtime_r(&when, &tm);
	strftime(buf, FC_DAY_LEN, "%Y-%m-%d", &tm);
}

/* The n-digit decimal number at s, or -1 unless all n are digits. */
static int
fixed_digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Read by position, not with sscanf: sscanf was most of what a day's
 * review spent on its local times, and it took signs and spaces where
 * digits belong.
 */
int
fc_parse_iso_utc(const char *s, struct timespec *out)
{
	struct tm tm = { 0 };
	int year, mon, day, hour, min, sec;
	long nsec = 0;
	const char *p;

	if ((year = fixed_digits(s, 4)) < 0 || s[4] != '-' || (mon = fixed_digits(s + 5, 2)) < 0 ||
	    s[7] != '-' || (day = fixed_digits(s + 8, 2)) < 0 || s[10] != 'T' ||
	    (hour = fixed_digits(s + 11, 2)) < 0 || s[13] != ':' ||
	    (min = fixed_digits(s + 14, 2)) < 0 || s[16] != ':' || (sec = fixed_digits(s + 17, 2)) < 0)
		return -1;
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60 ||
	    year < 1970)
		return -1;
	p = s + 19;
	if (*p == '.') {
		long scale = 100000000L;
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++) {
			nsec += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (strcmp(p, "Z") != 0)
		return -1;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	out->tv_sec = timegm(&tm);
	out->tv_nsec = nsec;
	return 0;
}

int64_t
fc_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool
fc_valid_day(const char *s)
{
	struct tm tm = { 0 };
	const char *end;

	if (strlen(s) != 10)
		return false;
	static const int days_in[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int year, days;

	end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0' || s[4] != '-' || s[7] != '-')
		return false;
	/* strptime accepts 2026-02-30; the calendar does not. */
	year = tm.tm_year + 1900;
	days = days_in[tm.tm_mon] +
	    (tm.tm_mon == 1 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0));
	return tm.tm_mday <= days;
}

void
fc_uuid_v4(char buf[FC_UUID_LEN])
{
	unsigned char b[16];

	if (sodium_init() < 0)
		out_of_memory();
	randombytes_buf(b, sizeof b);
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(buf, FC_UUID_LEN,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
	    b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

bool
fc_valid_uuid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = s[i];

		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return s[36] == '\0';
}

size_t
fc_utf8_len(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4;
	else
		return 0;  /* a continuation byte, an overlong lead (C0, C1), or past U+10FFFF */
	if (n < len)
		return 0;
	for (size_t k = 1; k < len; k++)
		if ((s[k] & 0xC0) != 0x80)
			return 0;
	/* Overlong three- and four-byte forms, surrogates, and past U+10FFFF. */
	if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
	    (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
		return 0;
	return len;
}

bool
fc_utf8_valid(const char *s, size_t n)
{
	for (size_t i = 0, len; i < n; i += len)
		if ((len = fc_utf8_len(s + i, n - i)) == 0)
			return false;
	return true;
}

void
fc_text_for_terminal(char *s, char replacement)
{
	size_t n = strlen(s), r = 0, w = 0, len;

	while (r < n) {
		unsigned char c = (unsigned char)s[r];
		if ((len = fc_utf8_len(s + r, n - r)) == 0)
			len = 1, c = 0;                 /* not UTF-8: one byte replaced */
		else if (len == 2 && c == 0xC2 && (unsigned char)s[r + 1] < 0xA0)
			c = 0;                          /* C1: U+0080 to U+009F */
		if (c < 0x20 || c == 0x7f) {
			s[w++] = replacement;
			r += len;
		} else {
			memmove(s + w, s + r, len);
			w += len, r += len;
		}
	}
	s[w] = '\0';
}

int
fc_mkdir_parents(const char *path, char **cause)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');

	if (slash == NULL || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
				int err = errno;
				fc_fail(cause, "cannot create directory %s: %s", dir, strerror(err));
				free(dir);
				return -1;
			}
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	free(dir);
	return 0;
}

static char *
xdg_path(const char *env, const char *fallback, const char *leaf)
{
	const char *base = getenv(env);
	const char *home;

	if (base != NULL && base[0] == '/')
		return xasprintf("%s/fieldcheck/%s", base, leaf);
	home = getenv("HOME");
	if (home == NULL || home[0] == '\0')
		home = ".";
	return xasprintf("%s/%s/fieldcheck/%s", home, fallback, leaf);
}

char *
fc_default_db_path(void)
{
	const char *db = getenv("FIELDCHECK_DB");

	if (db != NULL && db[0] != '\0')
		return xstrdup(db);
	return xdg_path("XDG_DATA_HOME", ".local/share", "fieldcheck.db");
}

char *
fc_cache_dir(void)
{
	char *leaf = xdg_path("XDG_CACHE_HOME", ".cache", "");

	leaf[strlen(leaf) - 1] = '\0';   /* the directory, without its trailing slash */
	return leaf;
}

char *
fc_config_path(void)
{
	return xdg_path("XDG_CONFIG_HOME", ".config", "config");
}

struct fc_config *
fc_config_user(void)
{
	static struct fc_config *cfg;
	static bool loaded;
	char *path, *cause = NULL;

	if (loaded)
		return cfg;
	loaded = true;
	path = fc_config_path();
	if (fc_config_load(path, &cfg, &cause) != 0) {
		fc_error("%s", cause);
		free(cause);
		cfg = NULL;
	}
	free(path);
	return cfg;
}

int
fc_verror(const char *fmt, va_list ap)
{
	fputs("fieldcheck: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	return 1;
}

int
fc_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fc_verror(fmt, ap);
	va_end(ap);
	return 1;
}

const char *
fc_device_name(const struct fc_config *cfg)
{
	static char host[65];
	const char *device = fc_config_get(cfg, "device");

	if (device != NULL && device[0] != '\0')
		return device;
	if (host[0] == '\0' && (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0'))
		fc_strlcpy(host, "unknown-device", sizeof host);
	return host;
}

int
fc_read_file(const char *path, size_t max, char **data, size_t *len, char **cause)
{
	struct stat sb;
	size_t got = 0;
	char *buf;
	int fd;

	*data = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO in place of the file must not hang the open. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return fc_fail(cause, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0) {
		int err = errno;

		close(fd);
		return fc_fail(cause, "%s: %s", path, strerror(err));
	}
	if (!S_ISREG(sb.st_mode) || (uintmax_t)sb.st_size > max) {
		close(fd);
		if (!S_ISREG(sb.st_mode))
			return fc_fail(cause, "%s: not a regular file", path);
		return fc_fail(cause, "%s: %lld bytes, more than %zu", path, (long long)sb.st_size,
		    max);
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			free(buf);
			return fc_fail(cause, "%s: %s", path, n < 0 ? strerror(errno) :
			    "the file shrank while being read");
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return 0;
}
