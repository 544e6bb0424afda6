/*
 * depot — the receiver: fieldcheck-depot's HTTP server (server.c) and its
 * command line (main.c).  Records land in the same schema as a handheld's,
 * through store/, so `fieldcheck --db depot.db list` reads them.
 */
#ifndef FIELDCHECK_DEPOT_H
#define FIELDCHECK_DEPOT_H

#include <stddef.h>

struct depot_config {
	const char *db_path;
	const char *listen;          /* HOST:PORT or [V6]:PORT; default 127.0.0.1:8088 */
	unsigned threads;            /* thread pool size; 0: 4 */
	unsigned max_connections;    /* 0: 256 */
	unsigned per_ip_connections; /* 0: 64 */
	unsigned timeout_s;          /* idle connection timeout; 0: 30 */
	size_t max_body;             /* 413 above this; 0: BUNDLE_LIMIT_COMPRESSED */
	const char *tls_cert;        /* PEM certificate (chain) file; with tls_key: HTTPS */
	const char *tls_key;         /* PEM private key file; NULL with tls_cert: plain HTTP */
};

/*
 * Serves until SIGTERM or SIGINT, then stops accepting, lets requests in
 * flight finish (up to 30 s) and returns 0; -1 with *cause when it could
 * not start.
 */
int depot_serve(const struct depot_config *cfg, char **cause);

/*
 * `platform push`: queues the cases of the days given for the city's
 * platform, then runs fieldcheck-push (depot/platform.c).  argv[0] is
 * "platform".  Returns the exit status.
 */
int depot_platform(const char *db, int argc, char **argv);

/* SHA-256 hex of a token, as the devices table keeps it. */
void depot_token_hash(const char *token, char hex[65]);

#endif
