/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpfsm_lib.h - helpers for the tcpfsm selftests
 *
 * Loading the module, reading its debugfs files, and the independent
 * witnesses the tests compare it with: the kernel's own
 * sock:inet_sock_set_state trace event, /proc/net/snmp, /proc/net/tcp read
 * from inside every network namespace, the kernel log, and a transcription
 * of RFC 9293 made apart from module/tcpfsm_table.h.
 */
#ifndef _TCPFSM_LIB_H
#define _TCPFSM_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../module/tcpfsm_table.h"
#include "../tools/traffic/scenarios.h"

#define TF_DEBUGFS "/sys/kernel/debug/tcpfsm"

/* Module */

int tf_kmod_load(const char *path, const char *params);
int tf_kmod_unload(const char *name);
int tf_module_load(const char *params);
int tf_module_unload(void);
bool tf_module_loaded(void);

/* Whether the running kernel is version @major.@minor or newer (uname). */
bool tf_kernel_at_least(int major, int minor);

/* The transition matrix, from the module's file or from a witness. */
struct tf_matrix {
	uint64_t n[TCPFSM_NPROTO][TCPFSM_NSLOTS][TCPFSM_NSLOTS];
	char verdict[TCPFSM_NPROTO][TCPFSM_NSLOTS][TCPFSM_NSLOTS][8];
};

struct tf_state_row {
	bool listed;
	bool has_current;
	int64_t current;
	uint64_t entered;
	uint64_t exited;
};

struct tf_states {
	struct tf_state_row row[TCPFSM_NPROTO][TCPFSM_NSLOTS];
};

/* One record of the illegal log, fields as strings. */
#define TF_MAX_FIELDS 24
struct tf_record {
	int nfields;
	char key[TF_MAX_FIELDS][16];
	char value[TF_MAX_FIELDS][1024];
};

/* The TCP rows of the "lifecycle" file: count[from][to]. */
struct tf_lifecycle {
	uint64_t n[TCPFSM_NSLOTS][TCPFSM_NSLOTS];
};

/* The "dwell" file: per TCP state, histogram, count and sum. */
#define TF_DWELL_BUCKETS 64
struct tf_dwell {
	uint64_t bucket[TCPFSM_NSLOTS][TF_DWELL_BUCKETS];	/* by log2 */
	uint64_t count[TCPFSM_NSLOTS];
	uint64_t sum_us[TCPFSM_NSLOTS];
};

/* Parse a state name or STATE_<n>; -1 if it is neither. */
int tf_state_parse(const char *name);
/* TCP_MAX_STATES of the running kernel (13 before 6.8, 14 since). */
int tf_tcp_max_states(void);
/*
 * Parse a state of protocol @proto (enum tcpfsm_proto) as the module names
 * it on the running kernel, or STATE_<n>; -1 if it is neither.
 */
int tf_proto_state_parse(int proto, const char *name);
int tf_proto_parse(const char *name);

int tf_read_matrix(struct tf_matrix *m);
int tf_read_states(struct tf_states *s);
/* The rows of the "netns" file for namespace @netns ("other" if 0). */
int tf_read_netns(unsigned long long netns, struct tf_states *s);
int tf_read_lifecycle(struct tf_lifecycle *l);
int tf_read_dwell(struct tf_dwell *d);
/* The inode of the calling process's network namespace. */
unsigned long long tf_self_netns(void);
/* The value of @key in the stats file; -1 (and errno) if absent. */
int tf_read_stat(const char *key, uint64_t *value);
/* Read up to @max records; returns how many, or -1. */
int tf_read_log(struct tf_record *recs, int max);
const char *tf_record_get(const struct tf_record *r, const char *key);

/* Write @text to a debugfs file; returns 0 or -errno. */
int tf_write(const char *file, const char *text);
/* The same for any file: 0 or -errno (-EIO for a short write). */
int tf_write_path(const char *path, const char *text);
/* Read a whole file into a malloc'ed, NUL-terminated buffer. */
char *tf_slurp(const char *path);

/* Sum of all cells of a matrix. */
uint64_t tf_matrix_total(const struct tf_matrix *m);

/*
 * Compare two matrices cell by cell; 0 if equal, else -1 with the first
 * difference in @err (the other differences go to stderr).
 */
int tf_matrix_compare(const struct tf_matrix *module,
		      const struct tf_matrix *witness, char *err, size_t len);

/* Witness: the kernel's own trace event, in a private tracefs instance. */
int tf_trace_start(void);
/* Stop tracing and count the events; fails if the buffer overflowed. */
int tf_trace_stop(struct tf_matrix *m);
/*
 * Stop tracing and compare what the trace event reported with the
 * module's transitions file, cell by cell.  Call once nothing moves.
 */
int tf_trace_check(char *err, size_t len);
/* Whether a trace started by tf_trace_start() is running. */
bool tf_trace_running(void);

/* Witness: the Tcp: line of /proc/net/snmp (per network namespace). */
struct tf_snmp {
	int64_t active_opens;
	int64_t passive_opens;
	int64_t attempt_fails;
	int64_t estab_resets;
	int64_t curr_estab;
	int64_t retrans_segs;
};
int tf_snmp_read(struct tf_snmp *s);

/*
 * Witness: rows of /proc/net/tcp and /proc/net/tcp6 by state, as the
 * calling process's namespace shows them.  Full sockets and time-wait socks
 * (timer code 3, indexed by substate) are counted apart, and so are the
 * request socks (NEW_SYN_RECV) that the kernel lists as SYN_RECV: they
 * have no inode and no reference count, and no gauge counts them.
 */
struct tf_proc_tcp {
	int full[TCPFSM_NSLOTS];
	int timewait[TCPFSM_NSLOTS];	/* indexed by tw substate */
	int requests;
};
int tf_proc_tcp_read(struct tf_proc_tcp *p);

/* /proc/net/tcp{,6} of one network namespace, read from inside it. */
struct tf_netns_proc {
	unsigned long long netns;	/* its inode, as in /proc/PID/ns/net */
	struct tf_proc_tcp p;
};

/*
 * Every network namespace that a task, an open file descriptor or a mount
 * holds, each with its /proc/net/tcp{,6} read from inside it (by a child
 * that setns()es into each).  Returns how many, with a malloc'ed array in
 * *@out, or -1.
 */
int tf_proc_tcp_read_all(struct tf_netns_proc **out);

/*
 * Compare every gauge with /proc/net/tcp{,6}: the global CURRENT column of
 * "states" with the sockets of all namespaces together, and, when the
 * "netns" file exists, each namespace's rows with the sockets inside it
 * and the "other" rows with the namespaces that have none of their own.
 * Time-wait socks count by substate when the module tracks them.  Both
 * sides are read again until they describe one instant (10 s at most).
 * @tolerance is the number of sockets the sum of the differences may
 * reach (pass seed_uncertain after a load under load, 0 elsewhere).
 * Returns 0, or -1 with what differs in @err.
 */
int tf_gauges_check(uint64_t tolerance, char *err, size_t len);

/* Move the calling process into a new network namespace with lo up. */
int tf_new_netns(void);

/*
 * Create a veth pair: @a in the namespace of @nsfd_a, @b in @nsfd_b (file
 * descriptors of /proc/PID/ns/net).  Returns 0 or -errno.
 */
int tf_veth_pair(const char *a, int nsfd_a, const char *b, int nsfd_b);
/* Give interface @ifname (in the current namespace) @ip/24 and bring it up. */
int tf_if_up(const char *ifname, const char *ip);

/* Wait until the module has counted @events tracepoint events in all. */
int tf_wait_events(uint64_t events, int timeout_ms);

/*
 * Wait until the module has counted no tracepoint event for @quiet_ms in a
 * row (@timeout_ms at most): whatever was in flight has landed.
 */
int tf_wait_quiet(int quiet_ms, int timeout_ms);

/*
 * Connection churn: @workers processes that run every scenario in a loop,
 * on both address families.  With @netns, every other worker runs in a
 * network namespace of its own.  Pausing stops them (SIGSTOP) and returns
 * once each one is stopped (at once if they are); in-flight segments
 * still land, so wait for quiet after it.  Stopping lets each worker finish its scenario and
 * returns 0 only if every one of them ran without an error.
 */
#define TF_CHURN_MAX 8
struct tf_churn {
	int workers;
	pid_t pid[TF_CHURN_MAX];
	volatile int *stop;	/* shared with the workers */
	bool paused;
};

/*
 * A loopback connection of @family: its listener *@l (backlog 4, its port
 * in *@port unless NULL), the client *@c and the accepted socket *@a.  0,
 * or -1 with whatever it had opened closed.
 */
int tf_connection(int family, int *l, int *c, int *a, unsigned short *port);

/*
 * fork(), the child killed when its parent dies: a test that ends early
 * (an assertion, its timeout) leaves no process behind for later tests.
 */
pid_t tf_fork(void);

int tf_churn_start(struct tf_churn *c, int workers, bool netns);
int tf_churn_pause(struct tf_churn *c);
int tf_churn_resume(struct tf_churn *c);
int tf_churn_stop(struct tf_churn *c);

/*
 * The kernel log.  A problem is a record that contains one of the lines of
 * the pattern file that the guest jobs use too (TCPFSM_KLOG_PATTERNS,
 * default /jobs/kernel-log-patterns; selftests/vm/jobs/ in the tree).
 * Where /sys/kernel/debug/kmemleak exists, a scan is run first and any leak
 * it reports is a problem.  Every problem is printed to stderr.
 */
int tf_kernel_problems(int since_line, char *first, int len);

/*
 * One kernel log message against the pattern file: TF_KLOG_PROBLEM, or
 * TF_KLOG_EXPECTED for a report that the file excuses while allocation
 * failures are injected (*@injecting, which the two marker lines below
 * set and clear), or TF_KLOG_FINE; -1 if the file cannot be read.
 */
#define TF_KLOG_FAULTS_BEGIN "tcpfsm-selftest: injecting allocation failures"
#define TF_KLOG_FAULTS_END "tcpfsm-selftest: no longer injecting allocation failures"
enum { TF_KLOG_FINE, TF_KLOG_PROBLEM, TF_KLOG_EXPECTED };
int tf_klog_classify(const char *msg, bool *injecting);
/* Write the opening (@begin) or closing marker line to the kernel log. */
int tf_klog_faults(bool begin);
int tf_kernel_log_lines(void);

/*
 * End a test: unload the module if it is loaded, and check that the kernel
 * logged no problem since @kmsg (tf_kernel_log_lines() at the start).
 * Returns 0, or non-zero with what went wrong in @problem.
 */
int tf_finish(int kmsg, char *problem, int len);

/*
 * RFC 9293, transcribed for the tests apart from module/tcpfsm_table.h,
 * which table_test (on the host) and interface_test (in the guest, through
 * the module) check against it in both directions: every pair listed here
 * has this verdict, and every pair not listed is illegal.
 */
struct tf_reference_pair {
	unsigned char from;
	unsigned char to;
	unsigned char verdict;	/* TCPFSM_RFC or TCPFSM_LINUX */
	unsigned char flags;	/* TCPFSM_BIRTH, TCPFSM_UNTRACED */
};

#define TF_P(f, t, v, fl) \
	{ TCPFSM_##f, TCPFSM_##t, TCPFSM_##v, fl }

static const struct tf_reference_pair tf_reference_pairs[] = {
	/* Figure 5, edge by edge, with its notes 1 and 2. */
	TF_P(CLOSE, LISTEN, RFC, 0),		/* passive OPEN */
	TF_P(CLOSE, SYN_SENT, RFC, 0),		/* active OPEN / snd SYN */
	TF_P(LISTEN, SYN_RECV, RFC, TCPFSM_BIRTH),	/* rcv SYN; a child */
	TF_P(LISTEN, SYN_SENT, RFC, TCPFSM_UNTRACED),	/* SEND / snd SYN */
	TF_P(LISTEN, CLOSE, RFC, 0),		/* CLOSE */
	TF_P(SYN_SENT, SYN_RECV, RFC, 0),	/* rcv SYN / snd ACK */
	TF_P(SYN_SENT, ESTABLISHED, RFC, 0),	/* rcv SYN,ACK / snd ACK */
	TF_P(SYN_SENT, CLOSE, RFC, 0),		/* CLOSE */
	TF_P(SYN_RECV, LISTEN, RFC, TCPFSM_UNTRACED),	/* rcv RST (note 1) */
	TF_P(SYN_RECV, ESTABLISHED, RFC, 0),	/* rcv ACK of SYN */
	TF_P(SYN_RECV, FIN_WAIT1, RFC, 0),	/* CLOSE / snd FIN */
	TF_P(ESTABLISHED, FIN_WAIT1, RFC, 0),	/* CLOSE / snd FIN */
	TF_P(ESTABLISHED, CLOSE_WAIT, RFC, 0),	/* rcv FIN / snd ACK */
	TF_P(FIN_WAIT1, FIN_WAIT2, RFC, 0),	/* rcv ACK of FIN */
	TF_P(FIN_WAIT1, CLOSING, RFC, 0),	/* rcv FIN / snd ACK */
	TF_P(FIN_WAIT1, TIME_WAIT, RFC, TCPFSM_UNTRACED),	/* note 2 */
	TF_P(FIN_WAIT2, TIME_WAIT, RFC, TCPFSM_UNTRACED),	/* rcv FIN / snd ACK */
	TF_P(CLOSING, TIME_WAIT, RFC, TCPFSM_UNTRACED),	/* rcv ACK of FIN */
	TF_P(TIME_WAIT, CLOSE, RFC, TCPFSM_UNTRACED),	/* Timeout=2MSL */
	TF_P(CLOSE_WAIT, LAST_ACK, RFC, 0),	/* CLOSE / snd FIN */
	TF_P(LAST_ACK, CLOSE, RFC, 0),		/* rcv ACK of FIN */

	/* The event processing rules that Figure 5 does not draw. */
	TF_P(SYN_RECV, CLOSE_WAIT, RFC, 0),	/* 3.10.7.4: FIN in SYN-RECEIVED */
	/* RST, ABORT (3.10.5) or a user timeout (3.10.8): CLOSED. */
	TF_P(SYN_RECV, CLOSE, RFC, 0),
	TF_P(ESTABLISHED, CLOSE, RFC, 0),
	TF_P(FIN_WAIT1, CLOSE, RFC, 0),
	TF_P(CLOSE_WAIT, CLOSE, RFC, 0),

	/*
	 * The named Linux pairs.  FIN-WAIT-2 and CLOSING -> CLOSED are RFC
	 * aborts too, but Linux reports its time-wait hand-over as exactly
	 * these pairs, so they are Linux's: strict mode logs them.  The same
	 * state again is close() after shutdown(); CLOSE -> CLOSE is the
	 * second tcp_done() of a listener aborted by ss -K.
	 */
	TF_P(FIN_WAIT2, CLOSE, LINUX, 0),
	TF_P(CLOSING, CLOSE, LINUX, 0),
	TF_P(FIN_WAIT1, FIN_WAIT1, LINUX, 0),
	TF_P(FIN_WAIT2, FIN_WAIT2, LINUX, 0),
	TF_P(CLOSING, CLOSING, LINUX, 0),
	TF_P(LAST_ACK, LAST_ACK, LINUX, 0),
	TF_P(CLOSE, CLOSE, LINUX, 0),
};

#undef TF_P

#define TF_NREFERENCE (sizeof(tf_reference_pairs) / sizeof(tf_reference_pairs[0]))

/* The pair's entry in the reference, or NULL: the pair is illegal. */
static inline const struct tf_reference_pair *tf_reference_find(int from, int to)
{
	unsigned int i;

	for (i = 0; i < TF_NREFERENCE; i++)
		if (tf_reference_pairs[i].from == from &&
		    tf_reference_pairs[i].to == to)
			return &tf_reference_pairs[i];
	return NULL;
}

/* The verdict the reference gives a TCP pair; @strict makes linux illegal. */
static inline int tf_reference_verdict(int from, int to, bool strict)
{
	const struct tf_reference_pair *p = tf_reference_find(from, to);

	if (!p || (strict && p->verdict == TCPFSM_LINUX))
		return TCPFSM_ILLEGAL;
	return p->verdict;
}

/* The eleven states of RFC 9293, as the kernel numbers them. */
static const int tf_rfc_states[] = {
	TCPFSM_CLOSE, TCPFSM_LISTEN, TCPFSM_SYN_SENT, TCPFSM_SYN_RECV,
	TCPFSM_ESTABLISHED, TCPFSM_FIN_WAIT1, TCPFSM_FIN_WAIT2, TCPFSM_CLOSING,
	TCPFSM_TIME_WAIT, TCPFSM_CLOSE_WAIT, TCPFSM_LAST_ACK,
};

#define TF_NRFC_STATES (sizeof(tf_rfc_states) / sizeof(tf_rfc_states[0]))

#ifdef __KSELFTEST_HARNESS_H
/*
 * For tests built on kselftest_harness.h (included first): the steps every
 * test that loads the module shares.
 */

/*
 * Load the module, check at once that its gauges are true (seeded), and
 * start the trace event that tf_check_witnesses() compares with it.
 */
static inline void tf_load(struct __test_metadata *_metadata,
			   const char *params)
{
	char err[1024];

	/* A test the harness killed (its time limit) cannot unload it. */
	if (tf_module_loaded()) {
		fprintf(stderr, "# an earlier test left tcpfsm loaded: unloading it\n");
		ASSERT_EQ(0, tf_module_unload());
	}

	ASSERT_EQ(0, tf_module_load(params)) TH_LOG("insmod tcpfsm %s", params);
	ASSERT_EQ(0, tf_gauges_check(0, err, sizeof(err)))
		TH_LOG("right after the load: %s", err);
	ASSERT_EQ(0, tf_trace_start());
}

/*
 * Once everything in flight has landed: the trace event saw exactly what
 * the module counted since tf_load() (or the last tf_trace_start()), and
 * every gauge equals /proc/net/tcp.  EXPECT, not ASSERT, so that a
 * teardown can call it.
 */
static inline void tf_check_witnesses(struct __test_metadata *_metadata)
{
	char err[1024];

	EXPECT_EQ(0, tf_wait_quiet(200, 10000));
	EXPECT_EQ(0, tf_trace_check(err, sizeof(err))) TH_LOG("trace event: %s", err);
	EXPECT_EQ(0, tf_gauges_check(0, err, sizeof(err))) TH_LOG("%s", err);
}

/*
 * The end of every test: the witnesses if the module is still loaded and
 * traced, then unload it and check the kernel log since @kmsg.
 */
/*
 * After TEST_HARNESS_MAIN: every test's time limit stretched tf_slow()
 * times.  A constructor, after those that register the tests: gcc and
 * glibc run a file's constructors in their order.
 */
#define TF_STRETCH_TIMEOUTS						\
	static void __attribute__((constructor)) tf_stretch_timeouts(void) \
	{								\
		struct __fixture_metadata *f;				\
		struct __test_metadata *t;				\
									\
		for (f = __fixture_list; f; f = f->next)		\
			for (t = f->tests; t; t = t->next)		\
				t->timeout *= tf_slow();		\
	}

static inline void tf_teardown(struct __test_metadata *_metadata, int kmsg)
{
	char problem[512];
	struct tf_matrix m;

	if (tf_trace_running() && tf_module_loaded())
		tf_check_witnesses(_metadata);
	if (tf_trace_running())
		tf_trace_stop(&m);
	EXPECT_EQ(0, tf_finish(kmsg, problem, sizeof(problem)))
		TH_LOG("%s", problem);
}
#endif /* __KSELFTEST_HARNESS_H */

#endif /* _TCPFSM_LIB_H */
