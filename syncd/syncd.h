/*
 * fieldcheck-sync — the only program that links libcurl (and so OpenSSL,
 * Kerberos, LDAP, SSH and the rest of libcurl's tree: about 6 MiB resident
 * before it does anything).  Keeping it out of `fieldcheck` keeps the
 * inspector's screen within its memory goal.  Two ways in:
 *
 *   fieldcheck-sync [--db PATH] [sync options]     the dock command; what
 *                                                  `fieldcheck sync` runs
 *   fieldcheck-sync --tui-worker --db PATH --device ID
 *                                                  the screen's background
 *                                                  sync (sync/proc.c starts it)
 *
 * Both reach the depot through syncd/http.c, the handheld's only libcurl
 * code, and drain through sync/ (sync_run, sync_drain).
 */
#ifndef FIELDCHECK_SYNCD_H
#define FIELDCHECK_SYNCD_H

#include <stdbool.h>

#include "sync/sync_internal.h"

/* The dock command (argv[0] is the program); returns the exit status. */
int syncd_dock(int argc, char **argv);

/*
 * The screen's worker (syncd/worker.c): a single-threaded loop that drains
 * the store at o->db_path whenever records are queued and writes each new
 * status to fd 1 as one struct sync_status (the sync_proc_* protocol in
 * sync/sync.h).  A byte on fd 0 means "try now"; end of file on fd 0 means
 * the screen is gone: stop and return.  Returns the exit status.
 */
int syncd_worker(const struct sync_options *o);

/*
 * One HTTP connection to the depot (syncd/http.c: a libcurl easy handle kept
 * for keep-alive), the only libcurl code on the handheld; a drain's struct
 * sync_transport.
 */
struct syncd_conn;

/* Copies nothing: o and its strings must outlive the connection.  Reads the
 * token file.  Caller closes. */
/* curl and libsodium started, once per process (the program is single-threaded). */
void syncd_curl_init(void);
/*
 * server without its trailing slashes into base, refused when it leaves
 * fewer than reserve bytes for the path that follows.  0, or -1 with *cause.
 */
int syncd_base_url(const char *server, char *base, size_t size, size_t reserve, char **cause);
int syncd_conn_open(const struct sync_options *o, struct syncd_conn **out, char **cause);
void syncd_conn_close(struct syncd_conn *c);
/*
 * The photos' connection (photo_http.c): tus 1.0 core's HEAD and PATCH, a
 * curl handle of its own beside the bundles'.  Copies nothing: o must
 * outlive it.  Caller closes.
 */
int syncd_photo_conn_open(const struct sync_options *o, struct sync_photo_transport **out,
    char **cause);
void syncd_photo_conn_close(struct sync_photo_transport *t);
/* The connection as a drain's transport.  Owned by c. */
struct sync_transport *syncd_conn_transport(struct syncd_conn *c);
/*
 * While a request waits on the network it also waits on fd (-1: none) and
 * calls ready(arg) when fd is readable or at end of file; once *stop (NULL:
 * never) is true the request under way is abandoned (SYNC_ABORTED).  The
 * pointers must outlive the connection.
 */
void syncd_conn_watch(struct syncd_conn *c, int fd, void (*ready)(void *arg), void *arg,
    const bool *stop);
/* GET /v1/health; SYNC_DONE when it answered as a depot. */
enum sync_outcome syncd_conn_health(struct syncd_conn *c, char **cause);

#endif
