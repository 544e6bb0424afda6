/*
 * tui_probe — runs a full-screen program on a pseudo-terminal of a given
 * size and measures it the same way whatever it is (fieldcheck, htop, cgps):
 *
 *   startup_ms  spawn -> the last byte of the first output burst (the
 *               first painted frame: no output for QUIET ms), or -> exit
 *               when the program exits first (fieldcheck's bench mode)
 *   cpu_pct     CPU (user + system) used over the next SECONDS, per cent of
 *               one core, while the program idles and the pty is drained;
 *               its child processes (fieldcheck's sync worker) included
 *   rss_kib     peak RSS of the program itself: wait4's ru_maxrss, or,
 *               when it has child processes at the end of the window, its
 *               VmHWM then (ru_maxrss would fold in the peak of every child
 *               it reaped)
 *   child_rss_kib  peak RSS (VmHWM) of its child processes at the end of
 *               the window, summed; 0 when it has none
 *
 *   tui_probe [-s COLSxROWS] [-q QUIET_MS] [-c SECONDS] -- COMMAND [ARGS...]
 *
 * Prints one line: "startup_ms=N cpu_pct=N rss_kib=N child_rss_kib=N".
 * Benchmark only.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * Nanoseconds pid has run on a CPU (/proc/PID/schedstat, all threads of
 * the main task), -1 when gone.  Clock ticks (10 ms) would be too coarse
 * for an idle program.
 */
static long long
task_cpu_ns(pid_t pid)
{
	char path[64];
	unsigned long long ns = 0, total = 0;
	FILE *f;
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char p2[320];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p2, sizeof p2, "/proc/%d/task/%s/schedstat", (int)pid, e->d_name);
		if ((f = fopen(p2, "r")) == NULL)
			continue;
		if (fscanf(f, "%llu", &ns) == 1)
			total += ns;
		fclose(f);
	}
	closedir(d);
	return (long long)total;
}

/* Calls fn(child pid, ctx) for each live process whose parent is pid. */
static void
each_child(pid_t pid, void (*fn)(pid_t, void *), void *ctx)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[512], *close_paren;
		int ppid;
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		/* "pid (comm) state ppid ...": comm may hold spaces, so skip to its ')'. */
		if (fgets(buf, sizeof buf, f) != NULL && (close_paren = strrchr(buf, ')')) != NULL &&
		    sscanf(close_paren + 1, " %*c %d", &ppid) == 1 && ppid == (int)pid)
			fn((pid_t)atoi(e->d_name), ctx);
		fclose(f);
	}
	closedir(d);
}

static void
add_cpu(pid_t pid, void *ctx)
{
	long long ns = task_cpu_ns(pid);

	if (ns > 0)
		*(long long *)ctx += ns;
}

/* The program's CPU time and its children's, -1 when it is gone. */
static long long
cpu_ns(pid_t pid)
{
	long long total = task_cpu_ns(pid);

	if (total >= 0)
		each_child(pid, add_cpu, &total);
	return total;
}

static void
add_hwm(pid_t pid, void *ctx)
{
	char path[64], line[128];
	long kib;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmHWM: %ld", &kib) == 1)
			*(long *)ctx += kib;
	fclose(f);
}

/* Reads what is there; returns bytes read, 0 on EOF/error. */
static ssize_t
drain(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[65536];
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return -1;
	n = read(fd, buf, sizeof buf);
	return n > 0 ? n : 0;
}

int
main(int argc, char **argv)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	int quiet = 150, opt, fd, status = 0;
	double secs = 0, t0, tlast = -1, startup;
	long long c0 = -1, c1 = -1;
	bool exited = false;
	long child_kib = 0, self_kib = 0;
	struct rusage ru;
	pid_t pid;

	while ((opt = getopt(argc, argv, "s:q:c:")) != -1) {
		switch (opt) {
		case 's': {
			unsigned c, r;

			if (sscanf(optarg, "%ux%u", &c, &r) != 2 || c < 10 || r < 5 || c > 1000 || r > 1000) {
				fprintf(stderr, "tui_probe: -s COLSxROWS\n");
				return 2;
			}
			ws.ws_col = (unsigned short)c;
			ws.ws_row = (unsigned short)r;
			break;
		}
		case 'q': quiet = atoi(optarg); break;
		case 'c': secs = atof(optarg); break;
		default:
			fprintf(stderr, "usage: tui_probe [-s COLSxROWS] [-q QUIET_MS] [-c SECONDS] -- CMD...\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tui_probe: no command\n");
		return 2;
	}
	t0 = now_ms();
	pid = forkpty(&fd, NULL, NULL, &ws);
	if (pid < 0) {
		perror("tui_probe: forkpty");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[optind], &argv[optind]);
		_exit(127);
	}
	/* The first frame: output, then QUIET ms of silence (or the end). */
	for (;;) {
		ssize_t n = drain(fd, tlast < 0 ? 10000 : quiet);

		if (n > 0) {
			tlast = now_ms();
			continue;
		}
		if (n == 0) {
			exited = true;
			tlast = now_ms();
		}
		break;
	}
	startup = tlast < 0 ? -1 : tlast - t0;
	if (!exited && secs > 0) {
		double end;

		c0 = cpu_ns(pid);
		end = now_ms() + secs * 1000;
		while (now_ms() < end) {
			double left = end - now_ms();

			if (drain(fd, left > 1000 ? 1000 : (int)left + 1) == 0) {
				exited = true;
				break;
			}
		}
		c1 = cpu_ns(pid);
	}
	if (!exited) {
		each_child(pid, add_hwm, &child_kib);
		add_hwm(pid, &self_kib);
		kill(pid, SIGTERM);
	}
	/* Drain until the child closes the pty, so it never blocks writing. */
	while (drain(fd, 2000) > 0)
		;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("tui_probe: wait4");
		return 1;
	}
	close(fd);
	printf("startup_ms=%.1f cpu_pct=%.3f rss_kib=%ld child_rss_kib=%ld\n", startup,
	    c0 >= 0 && c1 >= 0 && secs > 0 ? (double)(c1 - c0) * 100.0 / (1e9 * secs) : -1.0,
	    child_kib > 0 ? self_kib : ru.ru_maxrss, child_kib);
	return 0;
}
