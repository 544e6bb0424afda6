/*
 * fieldcheck-depot — receives bundles from the handhelds and manages the
 * devices allowed to send them.
 *
 *   fieldcheck-depot --db depot.db serve [--listen 127.0.0.1:8088] [limits]
 *                                        [--tls-cert FILE --tls-key FILE]
 *   fieldcheck-depot --db depot.db device add NAME     prints the new token, once
 *   fieldcheck-depot --db depot.db device list
 *   fieldcheck-depot --db depot.db device revoke NAME
 *   fieldcheck-depot --db postgresql://... migrate   creates or upgrades the schema, says its version
 *   fieldcheck-depot --db depot.db platform push ...   (depot/platform.c)
 *   fieldcheck-depot --db depot.db forms ... | task ... (depot/dock.c)
 *
 * usage_text below and man/fieldcheck-depot.8 give every option.
 *
 * --db is a SQLite path or a PostgreSQL URI or conninfo (store/depot_store.h).
 * `serve` also takes --db after it.  Tokens are 32 random bytes, base64url;
 * the database keeps only their SHA-256.
 */
#include "depot/depot.h"

#include <getopt.h>
#include <locale.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/depot_store.h"
#include "util/util.h"

static const char usage_text[] =
    "usage: fieldcheck-depot --db PATH serve [--listen HOST:PORT] [--threads N]\n"
    "                        [--max-connections N] [--per-address N] [--timeout S]\n"
    "                        [--head-timeout S] [--min-rate BYTES_PER_S] [--max-body BYTES]\n"
    "                        [--max-photo-bytes BYTES] [--max-photo-pixels N]\n"
    "                        [--tls-cert FILE --tls-key FILE]\n"
    "       fieldcheck-depot --db PATH device add NAME | list | revoke NAME\n"
    "       fieldcheck-depot --db PATH platform push --url URL --day YYYY-MM-DD [...]\n"
    "       fieldcheck-depot --db PATH migrate\n"
    "       fieldcheck-depot --db PATH forms add FILE.csv | list | retire ID [VERSION]\n"
    "       fieldcheck-depot --db PATH task add --form ID --asset TEXT --inspector ID [...]\n"
    "                                       | list [--inspector ID] [--open] | cancel UUID\n"
    "PATH: a SQLite file, or a PostgreSQL URI (postgresql://...) or conninfo (host=... dbname=...)\n";

static int
die(const char *fmt, const char *arg)
{
	fputs("fieldcheck-depot: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 1;
}

static bool
valid_device_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= STORE_ID_LEN)
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static bool
parse_unsigned(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

/* The bounds of serve's numeric options, by getopt key. */
struct bound {
	int key;
	unsigned long min, max;
	const char *unit;
};
static const struct bound bounds[] = {
	{ 't', 1, 256, "" },
	{ 'c', 1, 100000, "" },
	{ 'T', 1, 3600, " seconds" },
	{ 'b', 1024, 64ul * 1024 * 1024, " bytes" },
	{ 'p', 1, 100000, "" },
	{ 'H', 1, 3600, " seconds" },
	{ 'r', 1, 1000000, " bytes a second" },
	{ 'P', 1024, 256ul * 1024 * 1024, " bytes" },
	{ 'X', 1, 1000000000ul, " pixels" },
};

static const struct bound *
bound_of(int key)
{
	for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++)
		if (bounds[i].key == key)
			return &bounds[i];
	return NULL;
}

static int
die_bounds(const char *name, const char *arg, const struct bound *b)
{
	fprintf(stderr, "fieldcheck-depot: --%s %s: expected %lu to %lu%s\n", name, arg, b->min, b->max,
	    b->unit);
	return 1;
}

static int
cmd_serve(const char *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "max-connections", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "max-body", required_argument, NULL, 'b' },
		{ "per-address", required_argument, NULL, 'p' },
		{ "head-timeout", required_argument, NULL, 'H' },
		{ "min-rate", required_argument, NULL, 'r' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "max-photo-bytes", required_argument, NULL, 'P' },
		{ "max-photo-pixels", required_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 },
	};
	struct depot_config cfg = { .db_path = db };
	unsigned long v = 0;
	char *cause = NULL;
	int opt, index = 0;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, &index)) != -1) {
		const struct bound *b = bound_of(opt);

		if (b != NULL && (!parse_unsigned(optarg, b->max, &v) || v < b->min))
			return die_bounds(opts[index].name, optarg, b);
		switch (opt) {
		case 'd': cfg.db_path = optarg; break;
		case 'l': cfg.listen = optarg; break;
		case 't': cfg.threads = (unsigned)v; break;
		case 'c': cfg.max_connections = (unsigned)v; break;
		case 'T': cfg.timeout_s = (unsigned)v; break;
		case 'b': cfg.max_body = v; break;
		case 'p': cfg.per_ip_connections = (unsigned)v; break;
		case 'H': cfg.head_timeout_s = (unsigned)v; break;
		case 'r': cfg.min_rate = (unsigned)v; break;
		case 'C': cfg.tls_cert = optarg; break;
		case 'K': cfg.tls_key = optarg; break;
		case 'P': cfg.max_photo_bytes = v; break;
		case 'X': cfg.max_photo_pixels = v; break;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (cfg.db_path == NULL)
		return die("%s", "serve needs --db PATH");
	if ((cfg.tls_cert == NULL) != (cfg.tls_key == NULL))
		return die("%s", "HTTPS needs both --tls-cert FILE and --tls-key FILE");
	if (depot_serve(&cfg, &cause) != 0) {
		die("%s", cause);
		free(cause);
		return 1;
	}
	return 0;
}

static int
cmd_device(const char *db, int argc, char **argv)
{
	struct depot_store *st = NULL;
	char *cause = NULL;
	int status = 1;

	if (argc < 2 || (strcmp(argv[1], "list") == 0 ? argc != 2 : argc != 3)) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (db == NULL)
		return die("%s", "device commands need --db PATH");
	if (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "list") != 0 && strcmp(argv[1], "revoke") != 0) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (argc == 3 && !valid_device_name(argv[2]))
		return die("device name '%s': use 1 to 64 of A-Z a-z 0-9 . _ -", argv[2]);
	if (depot_store_open(db, &st, &cause) != 0)
		goto out;
	if (strcmp(argv[1], "add") == 0) {
		unsigned char raw[32];
		char token[64], hex[65];

		if (sodium_init() < 0) {
			cause = xstrdup("libsodium failed to start");
			goto out;
		}
		randombytes_buf(raw, sizeof raw);
		sodium_bin2base64(token, sizeof token, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		depot_token_hash(token, hex);
		if (depot_store_device_add(st, argv[2], hex, &cause) != 0)
			goto out;
		/* The only time the token exists in the clear: alone on stdout. */
		printf("%s\n", token);
		sodium_memzero(token, sizeof token);
		sodium_memzero(raw, sizeof raw);
		if (fflush(stdout) != 0) {
			cause = xstrdup("cannot write the token to stdout");
			goto out;
		}
	} else if (strcmp(argv[1], "revoke") == 0) {
		if (depot_store_device_revoke(st, argv[2], &cause) != 0)
			goto out;
	} else {
		struct store_device *devs = NULL;
		size_t n = 0;

		if (depot_store_device_list(st, &devs, &n, &cause) != 0)
			goto out;
		for (size_t i = 0; i < n; i++)
			printf("%s\t%s\t%s\n", devs[i].name, devs[i].revoked ? "revoked" : "active",
			    devs[i].created_at);
		free(devs);
	}
	status = 0;
out:
	if (cause != NULL) {
		die("%s", cause);
		free(cause);
	}
	depot_store_close(st);
	return status;
}

/* Opening creates or upgrades the schema; this says so, for an operator who upgrades explicitly. */
static int
cmd_migrate(const char *db, int argc)
{
	struct depot_store *st = NULL;
	char *cause = NULL;
	int version = 0;

	if (argc != 1) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (db == NULL)
		return die("%s", "migrate needs --db PATH");
	if (depot_store_open(db, &st, &cause) != 0 || depot_store_schema_version(st, &version, &cause) != 0) {
		die("%s", cause);
		free(cause);
		depot_store_close(st);
		return 1;
	}
	printf("%s schema version %d\n", depot_store_engine(st), version);
	depot_store_close(st);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL;
	int opt;

	setlocale(LC_ALL, "");
	/* The database (and its -wal and -shm) holds every record and the token hashes: ours alone. */
	umask(077);
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: fputs(usage_text, stderr); return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (strcmp(argv[0], "serve") == 0)
		return cmd_serve(db, argc, argv);
	if (strcmp(argv[0], "device") == 0)
		return cmd_device(db, argc, argv);
	if (strcmp(argv[0], "migrate") == 0)
		return cmd_migrate(db, argc);
	if (strcmp(argv[0], "platform") == 0)
		return depot_platform(db, argc, argv);
	if (strcmp(argv[0], "forms") == 0 || strcmp(argv[0], "task") == 0)
		return depot_dock(db, argc, argv);
	fputs(usage_text, stderr);
	return 2;
}
