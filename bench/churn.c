// SPDX-License-Identifier: GPL-2.0
/*
 * churn - the benchmark's workload: loopback connection churn
 *
 *   churn [-n CONNECTIONS] [-c CLIENTS] [-s BYTES] [-w WARMUP]
 *
 * CLIENTS threads (default 4) each open a listener per family and run
 * CONNECTIONS/CLIENTS cycles of connect, accept, write BYTES (default 64)
 * from client to server, read them, close.  Cycle i uses IPv6 when bit 1
 * of i is set (else IPv4) and closes the client first when bit 0 is clear
 * (else the server), so every thread runs the four combinations evenly.
 * The closer's peer reads EOF before it closes, so each cycle makes ten
 * TCP transitions (five per socket); each thread's two listeners add four
 * (CLOSE -> LISTEN -> CLOSE), outside the timed part.
 *
 * With -w, each thread first runs WARMUP cycles that are not timed: under
 * emulation, code the kernel has just patched (a tracer attached or
 * detached, static keys flipped) is translated again on its first runs.
 *
 * Prints one line for scripts:
 *   churn connections N clients C bytes B elapsed_ns T warmup W
 * elapsed_ns runs from the moment every thread is ready (listeners open,
 * warm-up done) to the end of the last cycle; N and T do not include the
 * warm-up.  Exits 1 on any socket error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../tools/traffic/scenarios.h"

#define MAX_CLIENTS 64
#define MAX_BYTES 65536

static long per_client, warmup;
static size_t nbytes = 64;
static pthread_barrier_t start;

struct client {
	pthread_t thread;
	long done;
	int err;
	const char *step;
};

static int read_full(int fd, char *buf, size_t len)
{
	while (len) {
		ssize_t n = read(fd, buf, len);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0)
				errno = EPROTO;
			return -1;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/* Wait for the peer's FIN: read() returns 0. */
static int read_eof(int fd)
{
	char c;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		errno = EPROTO;
	return n == 0 ? 0 : -1;
}

#define FAIL(what) do { cl->step = what; goto fail; } while (0)

static void *client_main(void *arg)
{
	struct client *cl = arg;
	static const int families[2] = { AF_INET, AF_INET6 };
	unsigned short ports[2];
	int listeners[2] = { -1, -1 };
	char *out = malloc(nbytes), *in = malloc(nbytes);
	int f, ready = 0;
	long i;

	if (!out || !in)
		FAIL("malloc");
	memset(out, 'x', nbytes);
	for (f = 0; f < 2; f++) {
		listeners[f] = tf_listener(families[f], 1024, &ports[f]);
		if (listeners[f] < 0)
			FAIL("listen");
	}
	for (i = -warmup; i < per_client; i++) {
		if (i == 0) {
			pthread_barrier_wait(&start);
			ready = 1;
		}
		int v6 = (i >> 1) & 1, server_first = i & 1;
		int c, a, first, second;

		c = tf_connect(families[v6], ports[v6]);
		if (c < 0)
			FAIL("connect");
		a = accept4(listeners[v6], NULL, NULL, SOCK_CLOEXEC);
		if (a < 0)
			FAIL("accept");
		if (write(c, out, nbytes) != (ssize_t)nbytes)
			FAIL("write");
		if (read_full(a, in, nbytes))
			FAIL("read");
		first = server_first ? a : c;
		second = server_first ? c : a;
		if (close(first))
			FAIL("close");
		if (read_eof(second))
			FAIL("read EOF");
		if (close(second))
			FAIL("close");
		cl->done++;
	}
	if (!ready)	/* -n 0 */
		pthread_barrier_wait(&start);
	for (f = 0; f < 2; f++)
		close(listeners[f]);
	free(out);
	free(in);
	return NULL;
fail:
	cl->err = errno ? errno : EPROTO;
	if (!ready)
		pthread_barrier_wait(&start);
	free(out);
	free(in);
	return NULL;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long number(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		fprintf(stderr, "churn: bad %s '%s' (%ld..%ld)\n", what, s, min, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static struct client clients[MAX_CLIENTS];
	long connections = 10000, nclients = 4, i;
	long long t0, t1;
	int c, status = 0;

	while ((c = getopt(argc, argv, "n:c:s:w:")) != -1) {
		switch (c) {
		case 'n':
			connections = number(optarg, 1, 100000000, "-n");
			break;
		case 'c':
			nclients = number(optarg, 1, MAX_CLIENTS, "-c");
			break;
		case 's':
			nbytes = number(optarg, 1, MAX_BYTES, "-s");
			break;
		case 'w':
			warmup = number(optarg, 0, 1000000, "-w");
			break;
		default:
			fprintf(stderr, "usage: churn [-n CONNECTIONS] [-c CLIENTS] [-s BYTES] [-w WARMUP]\n");
			return 2;
		}
	}
	if (connections % nclients) {
		fprintf(stderr, "churn: -n must be a multiple of -c\n");
		return 2;
	}
	per_client = connections / nclients;
	pthread_barrier_init(&start, NULL, nclients + 1);
	for (i = 0; i < nclients; i++)
		if (pthread_create(&clients[i].thread, NULL, client_main,
				   &clients[i])) {
			fprintf(stderr, "churn: cannot start client %ld\n", i);
			return 1;
		}
	pthread_barrier_wait(&start);
	t0 = now_ns();
	for (i = 0; i < nclients; i++)
		pthread_join(clients[i].thread, NULL);
	t1 = now_ns();
	for (i = 0; i < nclients; i++)
		if (clients[i].err) {
			fprintf(stderr, "churn: client %ld: cycle %ld: %s: %s\n", i,
				clients[i].done, clients[i].step,
				strerror(clients[i].err));
			status = 1;
		}
	if (status)
		return status;
	printf("churn connections %ld clients %ld bytes %zu elapsed_ns %lld warmup %ld\n",
	       connections, nclients, nbytes, t1 - t0, warmup);
	return 0;
}
