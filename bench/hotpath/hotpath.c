// SPDX-License-Identifier: GPL-2.0
/*
 * hotpath - run a fixed trace of transitions through the module's own
 * classify-and-count code (module/tcpfsm_hotpath.h), compiled for
 * userspace, so that valgrind --tool=callgrind can count its instructions.
 *
 *   hotpath TRACE ROUNDS     TRACE: tcp, other, birth, illegal or range
 *   hotpath --list TRACE     print the trace, one "proto from to" a line
 *
 * tcp:   every pair the textbook scenarios of tools/traffic produce, as
 *        many times as each produces it (a TCP socket's real life);
 * other: the same pairs reported by MPTCP, SCTP, DCCP and an unknown
 *        protocol (counted, not judged, no gauges);
 * birth:  LISTEN -> SYN_RECV only (the child's birth: no gauge to leave);
 * illegal: ESTABLISHED -> SYN_SENT only (counted here, then reported by
 *        the probe's rare path, which is not part of this count);
 * range: states outside the counters (a future kernel): the early exit.
 *
 * bench_count() is the probe's body without the tracepoint around it: one
 * call per event, noinline, so that callgrind's cost for it is the cost of
 * tcpfsm_count() for that event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"
#include "../../module/tcpfsm_hotpath.h"
#include "../../tools/traffic/scenarios.h"

/* The module's tcpfsm_actions and per-CPU counters (one CPU). */
static u8 actions[TCPFSM_NPROTO][TCPFSM_NSLOTS][TCPFSM_NSLOTS];
static struct tcpfsm_counters counters;
/* A global, as tcpfsm_pcpu is: the probe loads it for every event. */
struct tcpfsm_counters *pcpu = &counters;

u8 tcpfsm_seed_event(const void *sk, u8 action)
{
	(void)sk;
	return action;
}

/* One event, as the probe sees it. */
__attribute__((noinline)) u8 bench_count(const void *sk, unsigned int protocol,
					 int oldstate, int newstate)
{
	return tcpfsm_count(pcpu,
			    (const u8 (*)[TCPFSM_NSLOTS][TCPFSM_NSLOTS])actions,
			    sk, protocol, oldstate, newstate);
}

struct ev {
	unsigned short protocol;
	unsigned char from, to;
};

#define MAX_EVENTS 4096
static struct ev trace[MAX_EVENTS];
static unsigned int ntrace;

static void add(unsigned int protocol, unsigned int from, unsigned int to)
{
	if (ntrace == MAX_EVENTS) {
		fprintf(stderr, "hotpath: trace too long\n");
		exit(1);
	}
	trace[ntrace++] = (struct ev){ protocol, from, to };
}

/* Every scenario's pairs, each as often as the scenario produces it. */
static void add_scenarios(unsigned int protocol)
{
	unsigned int s, p, n;

	for (s = 0; s < tf_nscenarios; s++)
		for (p = 0; p < TF_MAX_PAIRS && tf_scenarios[s].pairs[p].count; p++)
			for (n = 0; n < tf_scenarios[s].pairs[p].count; n++)
				add(protocol, tf_scenarios[s].pairs[p].from,
				    tf_scenarios[s].pairs[p].to);
}

static int build(const char *name)
{
	static const unsigned int others[] = {
		TCPFSM_IPPROTO_MPTCP, TCPFSM_IPPROTO_SCTP,
		TCPFSM_IPPROTO_DCCP, 17 /* anything else */
	};
	unsigned int i;

	if (!strcmp(name, "tcp")) {
		add_scenarios(TCPFSM_IPPROTO_TCP);
	} else if (!strcmp(name, "other")) {
		for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
			add_scenarios(others[i]);
	} else if (!strcmp(name, "birth")) {
		add(TCPFSM_IPPROTO_TCP, TCPFSM_LISTEN, TCPFSM_SYN_RECV);
	} else if (!strcmp(name, "illegal")) {
		add(TCPFSM_IPPROTO_TCP, TCPFSM_ESTABLISHED, TCPFSM_SYN_SENT);
	} else if (!strcmp(name, "range")) {
		add(TCPFSM_IPPROTO_TCP, TCPFSM_ESTABLISHED, 16);
		add(TCPFSM_IPPROTO_TCP, 200, TCPFSM_CLOSE);
		add(TCPFSM_IPPROTO_SCTP, 16, 17);
		add(TCPFSM_IPPROTO_TCP, 255, 255);
	} else {
		return -1;
	}
	return 0;
}

/* The counts must be those of the trace: the shim changed no logic. */
static int verify(unsigned long rounds)
{
	u64 want[TCPFSM_NPROTO][TCPFSM_NSLOTS][TCPFSM_NSLOTS];
	u64 oor = 0;
	unsigned int i;

	memset(want, 0, sizeof(want));
	for (i = 0; i < ntrace; i++) {
		if (trace[i].from >= TCPFSM_NSLOTS || trace[i].to >= TCPFSM_NSLOTS)
			oor += rounds;
		else
			want[tcpfsm_proto_index(trace[i].protocol)]
			    [trace[i].from][trace[i].to] += rounds;
	}
	if (memcmp(want, counters.transitions, sizeof(want)) ||
	    oor != counters.out_of_range) {
		fprintf(stderr, "hotpath: counters differ from the trace\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long rounds, r, illegal = 0;
	unsigned int i;
	int list = argc == 3 && !strcmp(argv[1], "--list");

	if (argc != 3 || build(argv[list ? 2 : 1])) {
		fprintf(stderr, "usage: hotpath TRACE ROUNDS\n"
				"       hotpath --list TRACE\n"
				"TRACE: tcp, other, birth, illegal or range\n");
		return 2;
	}
	if (list) {
		for (i = 0; i < ntrace; i++)
			printf("%u %u %u\n", trace[i].protocol, trace[i].from,
			       trace[i].to);
		return 0;
	}
	rounds = strtoul(argv[2], NULL, 10);
	tcpfsm_actions_fill(NULL, actions, false);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < ntrace; i++)
			illegal += bench_count(&trace[i], trace[i].protocol,
					       trace[i].from, trace[i].to) &
				   TCPFSM_ACT_REPORT;
	if (verify(rounds))
		return 1;
	printf("trace %s events_per_round %u rounds %lu calls %lu reported %lu\n",
	       argv[1], ntrace, rounds, rounds * ntrace, illegal);
	return 0;
}
