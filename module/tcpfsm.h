/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpfsm.h - declarations shared by the files of the tcpfsm module
 */
#ifndef _TCPFSM_H
#define _TCPFSM_H

#include <linux/in6.h>
#include <linux/jump_label.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/types.h>

#include "tcpfsm_table.h"

#define TCPFSM_VERSION "1.0.0"

struct sock;
struct net;
struct dentry;

/* Module parameters (tcpfsm_main.c); fixed once the module is loaded. */
extern bool tcpfsm_strict;
extern bool tcpfsm_inject;
extern unsigned int tcpfsm_log_size;
extern unsigned int tcpfsm_netns_cap;

#define TCPFSM_DWELL_SOCKETS_MIN	1024
#define TCPFSM_DWELL_SOCKETS_MAX	16777216U
#define TCPFSM_NETNS_CAP_MAX		4096

/* Gauges at load (tcpfsm_seed.c) */

DECLARE_STATIC_KEY_FALSE(tcpfsm_seed_key);

int tcpfsm_seed_prepare(void);
void tcpfsm_seed_run(void);
void tcpfsm_seed_cancel(void);
void tcpfsm_seed_born(const void *obj);
bool tcpfsm_seed_seen(const void *obj);
u8 tcpfsm_seed_event(const void *sk, u8 action);
void tcpfsm_seed_stats(unsigned long *seeded, unsigned long *uncertain);

static inline bool tcpfsm_seed_active(void)
{
	return static_branch_unlikely(&tcpfsm_seed_key);
}

#include "tcpfsm_hotpath.h"

/* Verdicts in force (tcpfsm_table.c) */

extern u8 tcpfsm_actions[TCPFSM_NPROTO][TCPFSM_NSLOTS][TCPFSM_NSLOTS];

void tcpfsm_verdicts_init(bool strict);
enum tcpfsm_verdict tcpfsm_verdict(unsigned int proto, unsigned int from,
				   unsigned int to);
const char *tcpfsm_state_str(unsigned int proto, int state, char *buf,
			     size_t len);
void tcpfsm_table_show(struct seq_file *m);

/* Counters (tcpfsm_counters.c) */

#define TCPFSM_RESETTABLE_WORDS \
	(offsetof(struct tcpfsm_counters, gauge) / sizeof(u64))

extern struct tcpfsm_counters __percpu *tcpfsm_pcpu;

int tcpfsm_counters_init(void);
void tcpfsm_counters_exit(void);
void tcpfsm_counters_read(struct tcpfsm_counters *sum);
void tcpfsm_counters_reset(void);
void tcpfsm_sum_percpu(const void __percpu *pcpu, size_t size, u64 *sum);

/* The illegal-transition log (tcpfsm_log.c) */

#define TCPFSM_STACK_DEPTH	16
#define TCPFSM_LOG_SIZE_MIN	1
#define TCPFSM_LOG_SIZE_MAX	65536

enum tcpfsm_ctx {
	TCPFSM_CTX_TASK,
	TCPFSM_CTX_SOFTIRQ,
	TCPFSM_CTX_IRQ,
};

/* One transition to be judged, described independently of any socket. */
struct tcpfsm_event {
	unsigned int proto;	/* enum tcpfsm_proto */
	u16 family;		/* AF_INET or AF_INET6 */
	int from;
	int to;
	bool injected;
	struct in6_addr saddr;	/* v4 addresses are stored v4-mapped */
	struct in6_addr daddr;
	u16 sport;		/* host byte order */
	u16 dport;
	u32 netns;
	u32 uid;
	u64 cgroup;
};

struct tcpfsm_record {
	u64 seq;
	u64 ts_ns;
	struct tcpfsm_event ev;
	u32 cpu;
	pid_t pid;
	u8 ctx;			/* enum tcpfsm_ctx */
	char comm[TASK_COMM_LEN];
	unsigned int nr_entries;
	unsigned long entries[TCPFSM_STACK_DEPTH];
};

int tcpfsm_log_init(unsigned int size);
void tcpfsm_log_exit(void);
void tcpfsm_log_add(const struct tcpfsm_event *ev);
void tcpfsm_log_clear(void);
bool tcpfsm_log_get(u64 *seq, struct tcpfsm_record *rec);
void tcpfsm_log_stats(u64 *records, u64 *dropped, u64 *next_seq);
size_t tcpfsm_log_bytes(void);
void tcpfsm_record_show(struct seq_file *m, const struct tcpfsm_record *rec);

/* Judging and reporting (tcpfsm_probe.c) */

void tcpfsm_event_from_sock(struct tcpfsm_event *ev, const struct sock *sk,
			    int from, int to);
void tcpfsm_judge(struct tcpfsm_event *ev);
int tcpfsm_probe_attach(void);
void tcpfsm_probe_detach(void);
bool tcpfsm_in_tracepoint(unsigned long addr);

/* Time-wait socks (tcpfsm_timewait.c) */

extern bool tcpfsm_timewait_tracking;

int tcpfsm_timewait_init(bool wanted);
void tcpfsm_timewait_exit(void);
unsigned long tcpfsm_timewait_missed(void);

/* Counters per network namespace (tcpfsm_netns.c) */

struct tcpfsm_ns_counters {
	u64 entered[TCPFSM_NPROTO][TCPFSM_NSLOTS];
	u64 exited[TCPFSM_NPROTO][TCPFSM_NSLOTS];
	/* orphans handed over in substate FIN_WAIT2, and how many left it */
	u64 tw_fw2_entered;
	u64 tw_fw2_left;
	/* never reset */
	s64 gauge[TCPFSM_NSLOTS];
	s64 tw_gauge[TCPFSM_TW_NSUB];
};

DECLARE_STATIC_KEY_FALSE(tcpfsm_netns_key);

static inline bool tcpfsm_netns_active(void)
{
	return static_branch_unlikely(&tcpfsm_netns_key);
}

int tcpfsm_netns_init(void);
void tcpfsm_netns_exit(void);
struct tcpfsm_ns_counters __percpu *tcpfsm_ns_counters(const struct net *net);
int tcpfsm_netns_show(struct seq_file *m);
int tcpfsm_netns_reset(void);
void tcpfsm_netns_stats(unsigned int *tracked, unsigned int *folded,
			size_t *bytes);

/* Time in each state (tcpfsm_dwell.c) */

DECLARE_STATIC_KEY_FALSE(tcpfsm_dwell_key);

int tcpfsm_dwell_init(unsigned int capacity);
void tcpfsm_dwell_exit(void);
void tcpfsm_dwell_stats(unsigned long *tracked, unsigned int *capacity,
			size_t *bytes);
void __tcpfsm_dwell_transition(const struct sock *sk, unsigned int from,
			       unsigned int to, bool birth);
void __tcpfsm_dwell_handover(const struct sock *sk, unsigned int from,
			     const void *tw, unsigned int substate);
void __tcpfsm_dwell_tw_fin(const void *tw);
void __tcpfsm_dwell_tw_gone(const void *tw);

static inline bool tcpfsm_dwell_active(void)
{
	return static_branch_unlikely(&tcpfsm_dwell_key);
}

/* What the files show (tcpfsm_debugfs.c) */

/* Whether the TCP gauge of @state is kept (docs/debugfs.md, "states"). */
static inline bool tcpfsm_state_has_gauge(unsigned int state)
{
	switch (state) {
	case TCPFSM_CLOSE:
	case TCPFSM_NEW_SYN_RECV:
	case TCPFSM_BOUND_INACTIVE:
		return false;
	case TCPFSM_TIME_WAIT:
		return tcpfsm_timewait_tracking;
	default:
		return tcpfsm_state_name(state);
	}
}

/*
 * Sockets in @state as /proc/net/tcp shows them: time-wait socks count in
 * the state of their substate.
 */
static inline s64 tcpfsm_current(const s64 *gauge, const s64 *tw_gauge,
				 unsigned int state)
{
	if (state == TCPFSM_TIME_WAIT)
		return tw_gauge[TCPFSM_TW_TIME_WAIT];
	if (state == TCPFSM_FIN_WAIT2 && tcpfsm_timewait_tracking)
		return gauge[state] + tw_gauge[TCPFSM_TW_FIN_WAIT2];
	return gauge[state];
}

int tcpfsm_debugfs_init(void);
void tcpfsm_debugfs_exit(void);
int tcpfsm_inject_parse(char *line, struct tcpfsm_event *ev);

#endif /* _TCPFSM_H */
