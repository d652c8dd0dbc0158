// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm-traffic - drive known TCP state sequences over loopback
 *
 *   tcpfsm-traffic [-n ROUNDS] [-4|-6] [SCENARIO...]   run scenarios
 *   tcpfsm-traffic --list                              list them
 *   tcpfsm-traffic --hold N [--half M]                 keep N connections
 *
 * Used by "make demo" to show every textbook sequence on live counters,
 * and by the benchmarks to make load.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scenarios.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcpfsm-traffic [-n ROUNDS] [-4|-6] [SCENARIO...]\n"
		"       tcpfsm-traffic --list\n"
		"       tcpfsm-traffic --hold N [--half M]\n"
		"Runs each SCENARIO (default: all) ROUNDS times (default 1)\n"
		"over IPv4 and IPv6 loopback (or only one with -4 or -6).\n"
		"--hold opens N loopback connections (M of them half-closed by\n"
		"the client: FIN_WAIT2 and CLOSE_WAIT), prints \"holding\", and\n"
		"keeps them until SIGINT or SIGTERM.\n");
}

static void list(void)
{
	unsigned int i;

	for (i = 0; i < tf_nscenarios; i++)
		printf("%-20s %2u events  %s\n", tf_scenarios[i].name,
		       tf_scenario_events(&tf_scenarios[i]),
		       tf_scenarios[i].summary);
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Connections per listener: stays inside the default ephemeral port range. */
#define HOLD_PER_LISTENER 20000

/*
 * Open @n connections through as many listeners as the ephemeral port
 * range needs, half-close @half of them, and keep them until signalled.
 */
static int hold(long n, long half)
{
	struct sigaction sa = { .sa_handler = on_signal };
	long listeners = (n + HOLD_PER_LISTENER - 1) / HOLD_PER_LISTENER;
	struct rlimit rl = { 2 * n + listeners + 64, 2 * n + listeners + 64 };
	int *fds = calloc(2 * n + listeners, sizeof(*fds));
	unsigned short port = 0;
	long i, nfd = 0;
	int l = -1;

	if (!fds)
		return -1;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		perror("tcpfsm-traffic: setrlimit(RLIMIT_NOFILE)");
	for (i = 0; i < n; i++) {
		int c, a;

		if (i % HOLD_PER_LISTENER == 0) {
			l = tf_listener(AF_INET, 4096, &port);
			if (l < 0)
				goto fail;
			fds[nfd++] = l;
		}
		c = tf_connect(AF_INET, port);
		if (c < 0)
			goto fail;
		fds[nfd++] = c;
		a = accept(l, NULL, NULL);
		if (a < 0)
			goto fail;
		fds[nfd++] = a;
		if (i < half && shutdown(c, SHUT_WR))
			goto fail;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("holding %ld connections (%ld half-closed)\n", n, half);
	fflush(stdout);
	while (!stop)
		pause();
	for (i = 0; i < nfd; i++)
		close(fds[i]);
	free(fds);
	return 0;
fail:
	fprintf(stderr, "tcpfsm-traffic: hold: connection %ld: %s\n", i,
		strerror(errno));
	free(fds);
	return -1;
}

/* Run one scenario @rounds times on the chosen families. */
static int run(const struct tf_scenario *s, long rounds, int v4, int v6)
{
	long r;

	for (r = 0; r < rounds; r++) {
		if (v4 && s->run(AF_INET))
			return -1;
		if (v6 && s->run(AF_INET6))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list", no_argument, NULL, 'l' },
		{ "hold", required_argument, NULL, 'H' },
		{ "half", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int v4 = 1, v6 = 1, c, i;
	long rounds = 1, nhold = 0, half = 0;
	char *end;

	while ((c = getopt_long(argc, argv, "n:46lh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			rounds = strtol(optarg, &end, 10);
			if (errno || *end || rounds < 1 || rounds > 100000000) {
				fprintf(stderr, "tcpfsm-traffic: bad -n '%s'\n", optarg);
				return 2;
			}
			break;
		case 'H':
		case 'F':
			errno = 0;
			*(c == 'H' ? &nhold : &half) = strtol(optarg, &end, 10);
			if (errno || *end || nhold < 0 || half < 0 ||
			    nhold > 1000000) {
				fprintf(stderr, "tcpfsm-traffic: bad --%s '%s'\n",
					c == 'H' ? "hold" : "half", optarg);
				return 2;
			}
			break;
		case '4':
			v6 = 0;
			break;
		case '6':
			v4 = 0;
			break;
		case 'l':
			list();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (nhold)
		return hold(nhold, half < nhold ? half : nhold) ? 1 : 0;
	if (!v4 && !v6) {
		fprintf(stderr, "tcpfsm-traffic: -4 and -6 exclude each other\n");
		return 2;
	}

	if (optind == argc) {
		for (i = 0; i < (int)tf_nscenarios; i++)
			if (run(&tf_scenarios[i], rounds, v4, v6))
				return 1;
		return 0;
	}
	for (i = optind; i < argc; i++) {
		const struct tf_scenario *s = tf_scenario_find(argv[i]);

		if (!s) {
			fprintf(stderr, "tcpfsm-traffic: no scenario '%s' (see --list)\n",
				argv[i]);
			return 2;
		}
		if (run(s, rounds, v4, v6))
			return 1;
	}
	return 0;
}
