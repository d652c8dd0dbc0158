// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm-traffic - drive known TCP state sequences over loopback
 *
 *   tcpfsm-traffic [-n ROUNDS] [-4|-6] [SCENARIO...]   run scenarios
 *   tcpfsm-traffic --list                              list them
 *
 * Used by "make demo" to show every textbook sequence on live counters,
 * and by the benchmarks to make load.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "scenarios.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcpfsm-traffic [-n ROUNDS] [-4|-6] [SCENARIO...]\n"
		"       tcpfsm-traffic --list\n"
		"Runs each SCENARIO (default: all) ROUNDS times (default 1)\n"
		"over IPv4 and IPv6 loopback (or only one with -4 or -6).\n");
}

static void list(void)
{
	unsigned int i;

	for (i = 0; i < tf_nscenarios; i++)
		printf("%-20s %2u events  %s\n", tf_scenarios[i].name,
		       tf_scenario_events(&tf_scenarios[i]),
		       tf_scenarios[i].summary);
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int v4 = 1, v6 = 1, c, i;
	long rounds = 1;
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
