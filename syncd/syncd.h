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
 */
#ifndef FIELDCHECK_SYNCD_H
#define FIELDCHECK_SYNCD_H

struct sync_options;

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

#endif
