/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scenarios.h - loopback TCP traffic whose state transitions are known
 *
 * Each scenario drives real sockets through one textbook sequence (three-way
 * handshake, active or passive close, reset, simultaneous open, ...) and
 * declares exactly which TCP transitions the kernel must report for it and
 * how /proc/net/snmp must move.  The selftests assert those numbers; the
 * traffic generator replays the scenarios for demos and benchmarks.
 */
#ifndef _TCPFSM_SCENARIOS_H
#define _TCPFSM_SCENARIOS_H

#include <sys/socket.h>

#include "../../module/tcpfsm_table.h"

#define TF_MAX_PAIRS 16

/* One TCP (from, to) pair and how many times a scenario produces it. */
struct tf_pair {
	unsigned char from;
	unsigned char to;
	unsigned int count;
};

/* Deltas of the Tcp: counters of /proc/net/snmp a scenario must cause. */
struct tf_snmp_delta {
	int active_opens;
	int passive_opens;
	int attempt_fails;
	int estab_resets;
};

struct tf_scenario {
	const char *name;
	const char *summary;
	/* Run once over loopback with @family (AF_INET or AF_INET6). */
	int (*run)(int family);
	struct tf_pair pairs[TF_MAX_PAIRS];	/* ends with count == 0 */
	struct tf_snmp_delta snmp;
	unsigned int checkpoints;	/* tf_checkpoint() calls per run */
};

extern const struct tf_scenario tf_scenarios[];
extern const unsigned int tf_nscenarios;

const struct tf_scenario *tf_scenario_find(const char *name);

/* Total number of TCP events a scenario produces. */
unsigned int tf_scenario_events(const struct tf_scenario *s);

/*
 * Called by a scenario at the points where its sockets are settled in known
 * states (e.g. "established", "half-closed"), so that a test can compare the
 * gauges with /proc/net/tcp while the sockets are alive.  NULL by default.
 */
extern void (*tf_checkpoint)(const char *scenario, const char *where);

/* Helpers for other traffic (churn), also used by the scenarios. */
/*
 * How many times longer every wait of the scenarios and the tests may be:
 * TCPFSM_SLOW from the environment (1 to 100, default 1), for kernels
 * much slower than Debian's own (the debug kernel under TCG).
 */
int tf_slow(void);

socklen_t tf_loopback(int family, unsigned short port,
		      struct sockaddr_storage *ss);
int tf_listener(int family, int backlog, unsigned short *port);
int tf_connect(int family, unsigned short port);
int tf_wait_tcp_state(int fd, int state, int timeout_ms);

#endif /* _TCPFSM_SCENARIOS_H */
