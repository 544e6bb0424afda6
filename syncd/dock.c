/*
 * fieldcheck sync — drain the queue to the depot (batch sync at docking).
 * `fieldcheck sync ARGS` runs `fieldcheck-sync ARGS` (cli/cmd_sync.c), so
 * that only this program links libcurl.
 *
 *   fieldcheck sync [--server URL] [--device ID] [--token-file F] [--cacert F]
 *                   [--once] [--connect-timeout S] [--timeout S] [--retry-for S]
 *                   [--max-bundle BYTES]
 *   fieldcheck sync --status        prints "queued N", "refused N", the outbox and
 *                                   "photos pending N" (docs/photos.md)
 *
 * Flags override the configuration's server, device, token_file and cacert.
 * Without --once, network failures are retried with backoff for --retry-for
 * seconds (default 120) after the last progress; refusals are not retried.
 * A bundle the depot refuses for its content is set aside (see `fieldcheck
 * outbox`) and the rest still goes.  On a terminal, stderr shows a progress
 * bar; otherwise one plain line per bundle.  Exit 0 when nothing is left
 * queued or refused, 1 with the reason otherwise.
 */
#include "syncd/syncd.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "sync/sync.h"
#include "util/util.h"

enum {
	OPT_DB = 0x100,
	OPT_IGNORED,                /* fieldcheck's other global options: nothing to sync */
	OPT_SERVER,
	OPT_DEVICE,
	OPT_TOKEN_FILE,
	OPT_CACERT,
	OPT_ONCE,
	OPT_CONNECT_TIMEOUT,
	OPT_TIMEOUT,
	OPT_RETRY_FOR,
	OPT_MAX_BUNDLE,
	OPT_STATUS,
};

struct bar {
	bool tty;
	bool drawn;
	int64_t last_done;
	int64_t last_draw_ms;
};

static void
human_bytes(int64_t n, char *buf, size_t size)
{
	if (n < 10 * 1024)
		snprintf(buf, size, "%lld B", (long long)n);
	else if (n < 10 * 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", (double)n / 1024);
	else
		snprintf(buf, size, "%.1f MiB", (double)n / (1024 * 1024));
}

static void
show_progress(void *ctx, const struct sync_progress *p)
{
	struct bar *bar = ctx;
	double secs = (double)p->elapsed_ms / 1000.0;
	double rate = secs > 0 ? (double)p->records_done / secs : 0;
	char bytes[32];

	human_bytes(p->bytes_done, bytes, sizeof bytes);
	if (p->note != NULL) {
		if (bar->tty && bar->drawn)
			fputc('\n', stderr);
		bar->drawn = false;
		fprintf(stderr, "fieldcheck: %s\n", p->note);
		return;
	}
	if (bar->tty) {
		int width = 30, fill = p->records_total > 0 ?
		    (int)(width * p->records_done / p->records_total) : width;
		int64_t now = fc_monotonic_ms();

		if (p->records_done != p->records_total && now - bar->last_draw_ms < 100)
			return;
		bar->last_draw_ms = now;
		fputs("\r[", stderr);
		for (int i = 0; i < width; i++)
			fputc(i < fill ? '#' : '-', stderr);
		fprintf(stderr, "] %lld/%lld records  %s  %.0f rec/s ", (long long)p->records_done,
		    (long long)p->records_total, bytes, rate);
		bar->drawn = true;
	} else if (p->records_done > bar->last_done) {
		fprintf(stderr, "sent %lld/%lld records, %s, %.1f s\n", (long long)p->records_done,
		    (long long)p->records_total, bytes, secs);
	}
	bar->last_done = p->records_done;
}

static bool
parse_seconds(const char *s, long *ms)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !isfinite(v) || v <= 0 || v > 86400)
		return false;
	*ms = (long)(v * 1000.0 + 0.5);
	if (*ms == 0)
		*ms = 1;
	return true;
}

/* Photos go after the records: those saved records name and the depot does not hold yet. */
static void
show_photo_status(struct store *st)
{
	int64_t pending, refused;
	char *cause = NULL;

	if (store_photo_counts(st, &pending, &refused, &cause) != 0) {
		fc_error("photos: %s", cause);
		free(cause);
		return;
	}
	printf("photos pending %lld\nphotos refused %lld\n", (long long)pending, (long long)refused);
}

static int
show_status(const char *db)
{
	struct store *st = NULL;
	struct store_outbox_counts oc;
	int64_t counts[4];
	char *cause = NULL;

	if (store_open(db, STORE_READ_ONLY, &st, &cause) != 0 ||
	    store_count_by_status(st, counts, &cause) != 0 ||
	    store_outbox_counts(st, &oc, &cause) != 0) {
		fc_error("%s", cause);
		free(cause);
		store_close(st);
		return 1;
	}
	printf("queued %lld\nrefused %lld\nfinal %lld\nbundled %lld\nsent %lld\n"
	    "outbox %lld bundles (%lld refused)\n",
	    (long long)(counts[STORE_FINAL] + counts[STORE_BUNDLED] - oc.refused_records),
	    (long long)oc.refused_records, (long long)counts[STORE_FINAL],
	    (long long)counts[STORE_BUNDLED], (long long)counts[STORE_SENT], (long long)oc.bundles,
	    (long long)oc.refused_bundles);
	show_photo_status(st);
	store_close(st);
	return 0;
}

int
syncd_dock(int argc, char **argv)
{
	static const struct option options[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "forms", required_argument, NULL, OPT_IGNORED },
		{ "lang", required_argument, NULL, OPT_IGNORED },
		{ "inspector", required_argument, NULL, OPT_IGNORED },
		{ "gpsd", required_argument, NULL, OPT_IGNORED },
		{ "server", required_argument, NULL, OPT_SERVER },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
		{ "cacert", required_argument, NULL, OPT_CACERT },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "retry-for", required_argument, NULL, OPT_RETRY_FOR },
		{ "max-bundle", required_argument, NULL, OPT_MAX_BUNDLE },
		{ "status", no_argument, NULL, OPT_STATUS },
		{ NULL, 0, NULL, 0 },
	};
	struct sync_options o = { 0 };
	struct syncd_conn *conn = NULL;
	struct sync_photo_transport *photos = NULL;   /* after the records (sync/photo_drain.c) */
	struct bar bar = { 0 };
	struct fc_config *cfg;
	bool status_only = false;
	const char *db_opt = NULL;
	char *db, *cause = NULL, *end;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case OPT_DB: db_opt = optarg; break;
		case OPT_IGNORED: break;
		case OPT_SERVER: o.server = optarg; break;
		case OPT_DEVICE: o.device = optarg; break;
		case OPT_TOKEN_FILE: o.token_file = optarg; break;
		case OPT_CACERT: o.cacert = optarg; break;
		case OPT_ONCE: o.once = true; break;
		case OPT_STATUS: status_only = true; break;
		case OPT_CONNECT_TIMEOUT:
			if (!parse_seconds(optarg, &o.connect_timeout_ms))
				return fc_error("--connect-timeout %s: expected seconds", optarg), 2;
			break;
		case OPT_TIMEOUT:
			if (!parse_seconds(optarg, &o.timeout_ms))
				return fc_error("--timeout %s: expected seconds", optarg), 2;
			break;
		case OPT_RETRY_FOR:
			if (!parse_seconds(optarg, &o.retry_for_ms))
				return fc_error("--retry-for %s: expected seconds", optarg), 2;
			break;
		case OPT_MAX_BUNDLE:
			o.max_bundle_bytes = strtoul(optarg, &end, 10);
			if (*end != '\0' || optarg[0] < '0' || optarg[0] > '9' || o.max_bundle_bytes < 1024 ||
			    o.max_bundle_bytes > BUNDLE_LIMIT_COMPRESSED)
				return fc_error("--max-bundle %s: expected 1024 to %u bytes", optarg,
				    BUNDLE_LIMIT_COMPRESSED), 2;
			break;
		default:
			fputs("usage: fieldcheck sync [--server URL] [--device ID] [--token-file F] "
			    "[--cacert F] [--once]\n"
			    "                       [--connect-timeout S] [--timeout S] [--retry-for S] "
			    "[--max-bundle BYTES] | --status\n", stderr);
			return 2;
		}
	}
	if (optind != argc)
		return fc_error("sync takes no arguments"), 2;
	db = db_opt != NULL ? xstrdup(db_opt) : fc_default_db_path();
	if (status_only) {
		rc = show_status(db);
		free(db);
		return rc;
	}
	cfg = fc_config_user();
	sync_options_fill(&o, cfg);
	if (o.device == NULL)
		o.device = fc_device_name(cfg);
	o.db_path = db;
	bar.tty = isatty(STDERR_FILENO);
	rc = syncd_conn_open(&o, &conn, &cause);
	if (rc == 0)
		rc = syncd_photo_conn_open(&o, &photos, &cause);
	if (rc == 0)
		rc = sync_run(&o, syncd_conn_transport(conn), photos, show_progress, &bar, &cause);
	syncd_photo_conn_close(photos);
	syncd_conn_close(conn);
	if (bar.tty && bar.drawn)
		fputc('\n', stderr);
	if (rc != 0) {
		fc_error("sync failed: %s", cause);
		free(cause);
		free(db);
		return 1;
	}
	printf("synced: %lld records sent, nothing queued\n", (long long)bar.last_done);
	free(db);
	return 0;
}
