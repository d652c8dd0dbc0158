/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpfsm.h - declarations shared by the files of the tcpfsm module
 */
#ifndef _TCPFSM_H
#define _TCPFSM_H

#include <linux/in6.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/types.h>

#include "tcpfsm_table.h"

#define TCPFSM_VERSION "1.0.0"

struct sock;
struct dentry;

/* Module parameters (tcpfsm_main.c); fixed once the module is loaded. */
extern bool tcpfsm_strict;
extern bool tcpfsm_inject;
extern unsigned int tcpfsm_log_size;

/* Verdicts in force (tcpfsm_verdict.c) */

/* What the probe does for a TCP (from, to) pair. */
#define TCPFSM_ACT_REPORT	0x1	/* illegal: count and log it */
#define TCPFSM_ACT_BIRTH	0x2	/* a child is born: FROM is not left */

extern u8 tcpfsm_tcp_actions[TCPFSM_NSLOTS][TCPFSM_NSLOTS];

void tcpfsm_verdicts_init(bool strict);
enum tcpfsm_verdict tcpfsm_verdict(unsigned int proto, unsigned int from,
				   unsigned int to);
const char *tcpfsm_state_str(int state, char *buf, size_t len);
void tcpfsm_table_show(struct seq_file *m);

/* Counters (tcpfsm_counters.c) */

/*
 * Everything counted per CPU.  The hot path only ever increments the local
 * copy; readers sum all CPUs.  "reset" never writes to these: it records a
 * baseline that readers subtract (see tcpfsm_counters_reset()).
 */
struct tcpfsm_counters {
	u64 transitions[TCPFSM_NPROTO][TCPFSM_NSLOTS][TCPFSM_NSLOTS];
	u64 out_of_range;	/* events with a state >= TCPFSM_NSLOTS */
	u64 illegal;
	u64 unknown_state;
	u64 injected;
	s64 gauge[TCPFSM_NSLOTS];	/* TCP sockets per state; never reset */
};

extern struct tcpfsm_counters __percpu *tcpfsm_pcpu;

int tcpfsm_counters_init(void);
void tcpfsm_counters_exit(void);
void tcpfsm_counters_read(struct tcpfsm_counters *sum);
void tcpfsm_counters_reset(void);

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
	const struct sock *sk;	/* NULL when injected */
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
void tcpfsm_record_show(struct seq_file *m, const struct tcpfsm_record *rec);

/* Judging and reporting (tcpfsm_probe.c) */

void tcpfsm_event_from_sock(struct tcpfsm_event *ev, const struct sock *sk,
			    int from, int to);
void tcpfsm_judge(struct tcpfsm_event *ev);
int tcpfsm_probe_attach(void);
void tcpfsm_probe_detach(void);

/* Interface (tcpfsm_debugfs.c, tcpfsm_inject.c) */

int tcpfsm_debugfs_init(void);
void tcpfsm_debugfs_exit(void);
int tcpfsm_inject_parse(char *line, struct tcpfsm_event *ev);

#endif /* _TCPFSM_H */
