/*
 * depot — the connection guard: keeps slow and unauthenticated peers from
 * holding the depot's connections.
 *
 * libmicrohttpd's own limits count connections and time out idle ones, but
 * a peer that sends one header line every few seconds is never idle, and a
 * per-address limit locks out every handheld behind that address's NAT.
 * So the guard follows every connection from accept to close and, from a
 * watchdog thread, ends those that:
 *   - have not finished a request head within the head deadline;
 *   - send a body slower than the minimum rate (after a grace period).
 * A connection is *trusted* once a request on it carried a valid token; the
 * limits below count only untrusted ones.  When an address, or the depot,
 * has more untrusted connections than its limit, a new one evicts the
 * oldest untrusted connection still sending its head (one older than a
 * second, so a real client, whose head arrives in one round trip, is never
 * the one evicted); when there is none to evict, the newcomer is *over*: its
 * head has two seconds, and it is answered 503 unless its request proves a
 * token (or is the health check, which costs no more than the 503).
 *
 * A connection is ended by shutdown() on a dup() of its socket that the
 * guard owns until libmicrohttpd reports the close, so the descriptor can
 * never be another connection's by then; libmicrohttpd then sees the peer
 * gone and cleans up in its own thread.  A connection the guard cannot dup()
 * (the depot is out of descriptors) is shut down at once instead: one it
 * could not end would escape every deadline and limit.
 */
#include "depot/depot.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

#define GUARD_TICK_MS      200
#define GUARD_YOUNG_MS     1000   /* never evicted younger than this */
#define GUARD_BODY_GRACE_MS 10000 /* the body rate is judged after this */
#define GUARD_OVER_MS      2000   /* the head deadline of a connection over the limits */

/* GUARD_ANSWER: the body is in and the depot is working on the reply; no deadline of the guard's. */
enum guard_state { GUARD_HEAD, GUARD_BODY, GUARD_ANSWER, GUARD_IDLE };

struct guard_conn {
	int fd;                     /* our dup of the socket; -1 when none */
	unsigned char addr[17];     /* family byte + address: the peer, port aside */
	enum guard_state state;
	int64_t since_ms;           /* when the current state began */
	uint64_t body_bytes;
	bool trusted, over, ended;
};

struct guard {
	struct guard_limits lim;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running, stopping;
	struct guard_conn **conns;
	size_t n, cap;
	atomic_ulong ended_head, ended_rate, evicted, over, refused;
};

static void
end_conn(struct guard_conn *c)
{
	if (c->ended)
		return;
	c->ended = true;
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
}

static bool
counts_as_untrusted(const struct guard_conn *c)
{
	return !c->trusted && !c->ended;
}

/* The oldest untrusted connection still in its head and older than young, among those from addr (NULL: any). */
static struct guard_conn *
oldest_evictable(struct guard *g, const unsigned char *addr, int64_t now)
{
	struct guard_conn *best = NULL;

	for (size_t i = 0; i < g->n; i++) {
		struct guard_conn *c = g->conns[i];

		if (!counts_as_untrusted(c) || c->state != GUARD_HEAD || now - c->since_ms < GUARD_YOUNG_MS)
			continue;
		if (addr != NULL && memcmp(c->addr, addr, sizeof c->addr) != 0)
			continue;
		if (best == NULL || c->since_ms < best->since_ms)
			best = c;
	}
	return best;
}

/* Makes room for c, under the lock: evicts, or marks c over. */
static void
admit(struct guard *g, struct guard_conn *c, int64_t now)
{
	size_t same = 0, all = 0;

	for (size_t i = 0; i < g->n; i++) {
		if (!counts_as_untrusted(g->conns[i]))
			continue;
		all++;
		if (memcmp(g->conns[i]->addr, c->addr, sizeof c->addr) == 0)
			same++;
	}
	while (same > g->lim.per_address || all > g->lim.untrusted) {
		struct guard_conn *victim = oldest_evictable(g, same > g->lim.per_address ? c->addr : NULL,
		    now);

		if (victim == NULL) {
			c->over = true;
			atomic_fetch_add(&g->over, 1);
			return;
		}
		end_conn(victim);
		atomic_fetch_add(&g->evicted, 1);
		if (memcmp(victim->addr, c->addr, sizeof c->addr) == 0)
			same--;
		all--;
	}
}

static void *
watchdog(void *arg)
{
	struct guard *g = arg;

	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		struct timespec ts;
		int64_t now = fc_monotonic_ms();

		for (size_t i = 0; i < g->n; i++) {
			struct guard_conn *c = g->conns[i];
			int64_t age = now - c->since_ms;

			if (c->ended)
				continue;
			/* One over the limits waits for no one: its head gets two seconds, time enough
			 * for a real client's, whose token would let it in. */
			if (c->state == GUARD_HEAD && (age > (int64_t)g->lim.head_timeout_s * 1000 ||
			    (c->over && age > GUARD_OVER_MS))) {
				end_conn(c);
				atomic_fetch_add(&g->ended_head, 1);
			} else if (c->state == GUARD_BODY && age > GUARD_BODY_GRACE_MS &&
			    c->body_bytes * 1000 < (uint64_t)g->lim.min_rate * (uint64_t)age) {
				end_conn(c);
				atomic_fetch_add(&g->ended_rate, 1);
			}
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += GUARD_TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->wake, &g->lock, &ts);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

struct guard *
guard_new(const struct guard_limits *lim)
{
	struct guard *g = xcalloc(1, sizeof *g);

	g->lim = *lim;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	g->running = pthread_create(&g->thread, NULL, watchdog, g) == 0;
	return g;
}

void
guard_free(struct guard *g)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	g->stopping = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	if (g->running)
		pthread_join(g->thread, NULL);
	for (size_t i = 0; i < g->n; i++) {
		if (g->conns[i]->fd >= 0)
			close(g->conns[i]->fd);
		free(g->conns[i]);
	}
	free(g->conns);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

struct guard_conn *
guard_opened(struct guard *g, int fd, const struct sockaddr *peer)
{
	struct guard_conn *c = xcalloc(1, sizeof *c);
	int64_t now = fc_monotonic_ms();

	c->fd = -1;
	if (fd >= 0 && (c->fd = dup(fd)) < 0) {
		int err = errno;

		/*
		 * Without a descriptor of its own the guard could never end this
		 * connection, and it would count against no limit: end it now, while
		 * fd is surely still this connection's (libmicrohttpd is in our call).
		 */
		shutdown(fd, SHUT_RDWR);
		c->ended = true;
		atomic_fetch_add(&g->refused, 1);
		fprintf(stderr, "fieldcheck-depot: a connection ended at once: the guard cannot "
		    "follow it (dup: %s)\n", strerror(err));
	}
	if (peer != NULL && peer->sa_family == AF_INET) {
		c->addr[0] = AF_INET;
		memcpy(c->addr + 1, &((const struct sockaddr_in *)(const void *)peer)->sin_addr, 4);
	} else if (peer != NULL && peer->sa_family == AF_INET6) {
		c->addr[0] = AF_INET6;
		memcpy(c->addr + 1, &((const struct sockaddr_in6 *)(const void *)peer)->sin6_addr, 16);
	}
	c->state = GUARD_HEAD;
	c->since_ms = now;
	pthread_mutex_lock(&g->lock);
	if (g->n == g->cap) {
		g->cap = g->cap != 0 ? 2 * g->cap : 64;
		g->conns = xreallocarray(g->conns, g->cap, sizeof *g->conns);
	}
	g->conns[g->n++] = c;
	if (!c->ended)
		admit(g, c, now);
	pthread_mutex_unlock(&g->lock);
	return c;
}

void
guard_closed(struct guard *g, struct guard_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < g->n; i++) {
		if (g->conns[i] == c) {
			g->conns[i] = g->conns[--g->n];
			break;
		}
	}
	pthread_mutex_unlock(&g->lock);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

bool
guard_head_done(struct guard *g, struct guard_conn *c, bool trusted)
{
	bool over;

	if (c == NULL)
		return false;
	pthread_mutex_lock(&g->lock);
	c->trusted = c->trusted || trusted;
	c->state = GUARD_BODY;
	c->since_ms = fc_monotonic_ms();
	c->body_bytes = 0;
	over = c->over && !c->trusted;
	pthread_mutex_unlock(&g->lock);
	return over;
}

void
guard_body(struct guard *g, struct guard_conn *c, size_t bytes)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	c->body_bytes += bytes;
	pthread_mutex_unlock(&g->lock);
}

void
guard_body_done(struct guard *g, struct guard_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	c->state = GUARD_ANSWER;
	pthread_mutex_unlock(&g->lock);
}

void
guard_request_done(struct guard *g, struct guard_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	/* A trusted peer may keep its connection for its next bundle (idle timeout only);
	 * any other must send its next head within the head deadline. */
	c->state = c->trusted ? GUARD_IDLE : GUARD_HEAD;
	c->since_ms = fc_monotonic_ms();
	pthread_mutex_unlock(&g->lock);
}

void
guard_counts(struct guard *g, struct guard_counts *out)
{
	out->ended_head = atomic_load(&g->ended_head);
	out->ended_rate = atomic_load(&g->ended_rate);
	out->evicted = atomic_load(&g->evicted);
	out->over = atomic_load(&g->over);
	out->refused = atomic_load(&g->refused);
}
