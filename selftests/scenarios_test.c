// SPDX-License-Identifier: GPL-2.0
/*
 * scenarios_test.c - real TCP traffic, exact counts, independent witnesses
 *
 * Each test loads tcpfsm fresh in a new network namespace, runs one
 * scenario over loopback (IPv4 and IPv6 variants) and asserts:
 *   - exactly the TCP transitions the scenario declares, nothing else;
 *   - every one of them judged as RFC 9293 says (tf_reference_pairs),
 *     nothing logged;
 *   - the same counts as the kernel's own sock:inet_sock_set_state event;
 *   - /proc/net/snmp moved as the scenario declares and agrees with the
 *     matching transitions;
 *   - the gauges, this namespace's and the global ones, equal
 *     /proc/net/tcp{,6} right after the load and at every checkpoint of
 *     the scenario, and CURRENT = ENTERED - EXITED once the sockets are
 *     gone;
 *   - the kernel logged no problem.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tools/traffic/scenarios.h"
#include "kselftest_harness.h"
#include "tcpfsm_lib.h"

static char checkpoint_error[1024];
static unsigned int checkpoints_seen;

static bool timewait_tracking;

/* States whose gauge the module keeps (docs/debugfs.md, "states"). */
static bool has_gauge(int s)
{
	if (s == TCPFSM_TIME_WAIT)
		return timewait_tracking;
	return tcpfsm_state_name(s) && s != TCPFSM_CLOSE &&
	       s != TCPFSM_NEW_SYN_RECV && s != TCPFSM_BOUND_INACTIVE;
}

/*
 * Sockets in state @s as /proc/net/tcp shows them: full sockets, plus
 * time-wait socks by substate when the module tracks them.
 */
static int proc_count(const struct tf_proc_tcp *p, int s)
{
	return p->full[s] + (timewait_tracking ? p->timewait[s] : 0);
}

/*
 * Compare this namespace's gauges with its /proc/net/tcp{,6} and
 * CurrEstab.  The snapshot is taken between two reads of the event count,
 * and retried until no event happened in between, so both sides describe
 * the same instant.
 */
static int compare_gauges(char *err, size_t len)
{
	unsigned long long ns = tf_self_netns();
	struct tf_proc_tcp proc;
	struct tf_states st;
	struct tf_snmp snmp;
	uint64_t e1, e2;
	int attempt, s;

	for (attempt = 0; attempt < 100; attempt++) {
		if (tf_read_stat("events", &e1) || tf_read_netns(ns, &st) ||
		    tf_proc_tcp_read(&proc) || tf_snmp_read(&snmp) ||
		    tf_read_stat("events", &e2)) {
			snprintf(err, len, "cannot read: %s", strerror(errno));
			return -1;
		}
		if (e1 == e2)
			break;
		usleep(5000);
	}
	if (e1 != e2) {
		snprintf(err, len, "events never settled");
		return -1;
	}
	for (s = 0; s < TCPFSM_NSLOTS; s++) {
		const struct tf_state_row *r = &st.row[TCPFSM_PROTO_TCP][s];

		if (!has_gauge(s))
			continue;
		if (r->current != proc_count(&proc, s) ||
		    (r->listed && !r->has_current)) {
			snprintf(err, len, "%s: gauge %" PRId64 ", /proc/net/tcp %d",
				 tcpfsm_state_names[s], r->current,
				 proc_count(&proc, s));
			return -1;
		}
	}
	if (snmp.curr_estab !=
	    st.row[TCPFSM_PROTO_TCP][TCPFSM_ESTABLISHED].current +
	    st.row[TCPFSM_PROTO_TCP][TCPFSM_CLOSE_WAIT].current) {
		snprintf(err, len, "CurrEstab %" PRId64 " != ESTABLISHED + CLOSE_WAIT",
			 snmp.curr_estab);
		return -1;
	}
	return 0;
}

/*
 * At each checkpoint of a scenario: this namespace's gauges and CurrEstab,
 * then every gauge, global and per namespace, against /proc/net/tcp{,6}
 * read inside every namespace.
 */
static void on_checkpoint(const char *scenario, const char *where)
{
	char err[768];

	checkpoints_seen++;
	if (checkpoint_error[0])
		return;
	if (!compare_gauges(err, sizeof(err)) &&
	    !tf_gauges_check(0, err, sizeof(err)))
		return;
	snprintf(checkpoint_error, sizeof(checkpoint_error), "%s at %s: %s",
		 scenario, where, err);
}

/* Expected count of a TCP pair in a scenario. */
static unsigned int expected(const struct tf_scenario *s, int from, int to)
{
	unsigned int i, n = 0;

	for (i = 0; i < TF_MAX_PAIRS && s->pairs[i].count; i++)
		if (s->pairs[i].from == from && s->pairs[i].to == to)
			n += s->pairs[i].count;
	return n;
}

/* The module's counts must equal the trace event's, cell by cell. */
static void assert_matches_trace(struct __test_metadata *_metadata,
				 const struct tf_matrix *m)
{
	struct tf_matrix trace;
	char err[256];

	ASSERT_EQ(0, tf_trace_stop(&trace));
	ASSERT_EQ(0, tf_matrix_compare(m, &trace, err, sizeof(err)))
		TH_LOG("trace event: %s", err);
}

/* Non-zero cells are judged as RFC 9293 says, and none is illegal. */
static void assert_all_legal(struct __test_metadata *_metadata,
			     const struct tf_matrix *m)
{
	uint64_t illegal, unknown, records;
	int p, f, t;

	for (p = 0; p < TCPFSM_NPROTO; p++)
		for (f = 0; f < TCPFSM_NSLOTS; f++)
			for (t = 0; t < TCPFSM_NSLOTS; t++) {
				int verdict;

				if (!m->n[p][f][t])
					continue;
				if (p != TCPFSM_PROTO_TCP) {
					ASSERT_STREQ("-", m->verdict[p][f][t]);
					continue;
				}
				verdict = tf_reference_verdict(f, t, false);
				ASSERT_NE(TCPFSM_ILLEGAL, verdict)
					TH_LOG("illegal TCP %s -> %s", tcpfsm_state_names[f],
					       tcpfsm_state_names[t]);
				ASSERT_STREQ(tcpfsm_verdict_names[verdict],
					     m->verdict[p][f][t]);
			}
	ASSERT_EQ(0, tf_read_stat("illegal", &illegal));
	ASSERT_EQ(0, tf_read_stat("unknown_state", &unknown));
	ASSERT_EQ(0, tf_read_stat("log_records", &records));
	ASSERT_EQ(0, illegal);
	ASSERT_EQ(0, unknown);
	ASSERT_EQ(0, records);
}

/* /proc/net/snmp's Tcp counters agree with the matching transitions. */
static void assert_snmp_agrees(struct __test_metadata *_metadata,
			       const struct tf_snmp *before,
			       const struct tf_matrix *m)
{
	const uint64_t (*tcp)[TCPFSM_NSLOTS] = m->n[TCPFSM_PROTO_TCP];
	struct tf_snmp after;

	ASSERT_EQ(0, tf_snmp_read(&after));
	ASSERT_EQ(tcp[TCPFSM_CLOSE][TCPFSM_SYN_SENT],
		  (uint64_t)(after.active_opens - before->active_opens));
	ASSERT_EQ(tcp[TCPFSM_LISTEN][TCPFSM_SYN_RECV],
		  (uint64_t)(after.passive_opens - before->passive_opens));
	ASSERT_EQ(tcp[TCPFSM_ESTABLISHED][TCPFSM_CLOSE] +
		  tcp[TCPFSM_CLOSE_WAIT][TCPFSM_CLOSE],
		  (uint64_t)(after.estab_resets - before->estab_resets));
}

/*
 * Once the scenario is over, this namespace's gauges still equal
 * /proc/net/tcp (only time-wait socks are left) and, as every socket was
 * born after the load, CURRENT = ENTERED - EXITED for every state.
 */
static void assert_gauges_settled(struct __test_metadata *_metadata)
{
	char err[768] = "";
	struct tf_states st, ns;
	unsigned int i;
	int s;

	ASSERT_EQ(0, compare_gauges(err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, tf_gauges_check(0, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, tf_read_states(&st));
	ASSERT_EQ(0, tf_read_netns(tf_self_netns(), &ns));
	for (i = 0; i < TF_NRFC_STATES; i++) {
		const struct tf_state_row *r;

		s = tf_rfc_states[i];
		r = &ns.row[TCPFSM_PROTO_TCP][s];
		ASSERT_TRUE(st.row[TCPFSM_PROTO_TCP][s].listed);
		ASSERT_EQ(has_gauge(s), st.row[TCPFSM_PROTO_TCP][s].has_current);
		if (!has_gauge(s))
			continue;
		if (s != TCPFSM_TIME_WAIT)
			ASSERT_EQ(0, r->current) TH_LOG("%s", tcpfsm_state_names[s]);
		ASSERT_EQ((int64_t)(r->entered - r->exited), r->current)
			TH_LOG("%s", tcpfsm_state_names[s]);
	}
}

/*
 * The lifecycle file is the transitions with the time-wait hand-overs put
 * back: every FIN_WAIT2 -> CLOSE and CLOSING -> CLOSE of these scenarios
 * is a hand-over, which ends in TIME_WAIT once the peer's FIN is in, and
 * TIME_WAIT -> CLOSE counts the time-wait socks that are gone.
 */
static void assert_lifecycle(struct __test_metadata *_metadata,
			     const struct tf_matrix *m)
{
	const uint64_t (*tcp)[TCPFSM_NSLOTS] = m->n[TCPFSM_PROTO_TCP];
	uint64_t want, exits = 0, v;
	struct tf_lifecycle l;
	int f, t;

	if (!timewait_tracking)
		return;
	ASSERT_EQ(0, tf_read_lifecycle(&l));
	ASSERT_EQ(0, tf_read_stat("timewait_exits_timer", &v));
	exits += v;
	ASSERT_EQ(0, tf_read_stat("timewait_exits_early", &v));
	exits += v;
	ASSERT_EQ(0, tf_read_stat("timewait_exits_netns", &v));
	exits += v;
	for (f = 0; f < TCPFSM_NSLOTS; f++)
		for (t = 0; t < TCPFSM_NSLOTS; t++) {
			want = tcp[f][t];
			if (t == TCPFSM_CLOSE &&
			    (f == TCPFSM_FIN_WAIT2 || f == TCPFSM_CLOSING))
				want = 0;
			if (t == TCPFSM_TIME_WAIT &&
			    (f == TCPFSM_FIN_WAIT2 || f == TCPFSM_CLOSING))
				want = tcp[f][TCPFSM_CLOSE];
			if (f == TCPFSM_TIME_WAIT && t == TCPFSM_CLOSE)
				want = exits;
			ASSERT_EQ(want, l.n[f][t])
				TH_LOG("lifecycle %s -> %s", tcpfsm_state_names[f] ?: "?",
				       tcpfsm_state_names[t] ?: "?");
		}
}

FIXTURE(scenario) {
	struct tf_snmp snmp;
	int kmsg;
};

FIXTURE_VARIANT(scenario) {
	int family;
};

FIXTURE_VARIANT_ADD(scenario, ipv4) {
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(scenario, ipv6) {
	.family = AF_INET6,
};

FIXTURE_SETUP(scenario)
{
	uint64_t tracking;

	self->kmsg = tf_kernel_log_lines();
	ASSERT_EQ(0, tf_new_netns());
	tf_load(_metadata, "");
	ASSERT_EQ(0, tf_read_stat("timewait_tracking", &tracking));
	ASSERT_EQ(1, tracking);
	timewait_tracking = tracking;
	ASSERT_EQ(0, tf_snmp_read(&self->snmp));
	checkpoint_error[0] = '\0';
	checkpoints_seen = 0;
	tf_checkpoint = on_checkpoint;
}

FIXTURE_TEARDOWN(scenario)
{
	tf_checkpoint = NULL;
	tf_teardown(_metadata, self->kmsg);
}

/* Run scenario @name and check everything the file header promises. */
static void check_scenario(struct __test_metadata *_metadata,
			   FIXTURE_DATA(scenario) *self, int family,
			   const char *name)
{
	const struct tf_scenario *s = tf_scenario_find(name);
	struct tf_snmp after;
	struct tf_matrix m;
	int f, t;

	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, s->run(family));
	ASSERT_EQ(0, tf_wait_events(tf_scenario_events(s), 10000));
	ASSERT_STREQ("", checkpoint_error);
	ASSERT_EQ(s->checkpoints, checkpoints_seen);

	ASSERT_EQ(0, tf_read_matrix(&m));
	for (f = 0; f < TCPFSM_NSLOTS; f++)
		for (t = 0; t < TCPFSM_NSLOTS; t++) {
			if (m.n[TCPFSM_PROTO_TCP][f][t] == expected(s, f, t))
				continue;
			TH_LOG("TCP %s -> %s: counted %" PRIu64 ", expected %u",
			       tcpfsm_state_names[f] ?: "?", tcpfsm_state_names[t] ?: "?",
			       m.n[TCPFSM_PROTO_TCP][f][t], expected(s, f, t));
			ASSERT_EQ(expected(s, f, t), m.n[TCPFSM_PROTO_TCP][f][t]);
		}
	ASSERT_EQ(tf_scenario_events(s), tf_matrix_total(&m));

	assert_all_legal(_metadata, &m);
	assert_matches_trace(_metadata, &m);
	assert_snmp_agrees(_metadata, &self->snmp, &m);

	ASSERT_EQ(0, tf_snmp_read(&after));
	ASSERT_EQ(s->snmp.active_opens, after.active_opens - self->snmp.active_opens);
	ASSERT_EQ(s->snmp.passive_opens, after.passive_opens - self->snmp.passive_opens);
	ASSERT_EQ(s->snmp.attempt_fails, after.attempt_fails - self->snmp.attempt_fails);
	ASSERT_EQ(s->snmp.estab_resets, after.estab_resets - self->snmp.estab_resets);
	ASSERT_EQ(0, after.curr_estab);
	assert_gauges_settled(_metadata);
	assert_lifecycle(_metadata, &m);
}

TEST_F(scenario, active_close)
{
	check_scenario(_metadata, self, variant->family, "active_close");
}

TEST_F(scenario, passive_close)
{
	check_scenario(_metadata, self, variant->family, "passive_close");
}

TEST_F(scenario, rst_linger0)
{
	check_scenario(_metadata, self, variant->family, "rst_linger0");
}

TEST_F(scenario, unread_close)
{
	check_scenario(_metadata, self, variant->family, "unread_close");
}

TEST_F(scenario, refused)
{
	check_scenario(_metadata, self, variant->family, "refused");
}

TEST_F(scenario, self_connect)
{
	check_scenario(_metadata, self, variant->family, "self_connect");
}

TEST_F(scenario, listener)
{
	check_scenario(_metadata, self, variant->family, "listener");
}

TEST_F(scenario, listener_unaccepted)
{
	check_scenario(_metadata, self, variant->family, "listener_unaccepted");
}

TEST_F(scenario, shutdown_then_close)
{
	check_scenario(_metadata, self, variant->family, "shutdown_then_close");
}

TEST_F(scenario, fin_wait1_self)
{
	check_scenario(_metadata, self, variant->family, "fin_wait1_self");
}

/*
 * Many scenarios at once from several processes, both families: the
 * counts still equal the trace event exactly and nothing is illegal.
 */
TEST_F_TIMEOUT(scenario, concurrent_churn, 120)
{
	enum { WORKERS = 4, ROUNDS = 8 };
	uint64_t total = 0;
	struct tf_matrix m;
	pid_t pids[WORKERS];
	unsigned int i;
	int w, status;

	tf_checkpoint = NULL;	/* other workers' sockets move meanwhile */
	for (w = 0; w < WORKERS; w++) {
		pids[w] = tf_fork();
		ASSERT_LE(0, pids[w]);
		if (pids[w] == 0) {
			int fam = w % 2 ? AF_INET6 : AF_INET, r;

			for (r = 0; r < ROUNDS; r++)
				for (i = 0; i < tf_nscenarios; i++)
					if (tf_scenarios[i].run(fam))
						_exit(1);
			_exit(0);
		}
	}
	for (w = 0; w < WORKERS; w++) {
		ASSERT_EQ(pids[w], waitpid(pids[w], &status, 0));
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	for (i = 0; i < tf_nscenarios; i++)
		total += tf_scenario_events(&tf_scenarios[i]);
	total *= WORKERS * ROUNDS;
	ASSERT_EQ(0, tf_wait_events(total, 30000));

	ASSERT_EQ(0, tf_read_matrix(&m));
	ASSERT_EQ(total, tf_matrix_total(&m));
	assert_all_legal(_metadata, &m);
	assert_matches_trace(_metadata, &m);
	assert_snmp_agrees(_metadata, &self->snmp, &m);
	assert_gauges_settled(_metadata);
	assert_lifecycle(_metadata, &m);
}

/*
 * An MPTCP socket, or -1.  A kernel that has MPTCP (its sysctls exist) but
 * has it switched off in this namespace gets it switched on: only a kernel
 * without MPTCP at all may skip the test.
 */
static int mptcp_socket(int family)
{
	int fd = socket(family, SOCK_STREAM, IPPROTO_MPTCP);
	char path[] = "/proc/sys/net/mptcp/enabled";

	if (fd < 0 && !access(path, F_OK)) {
		int sysctl = open(path, O_WRONLY | O_CLOEXEC);

		if (sysctl >= 0) {
			if (write(sysctl, "1", 1) != 1)
				fprintf(stderr, "cannot enable MPTCP: %s\n",
					strerror(errno));
			close(sysctl);
		}
		fd = socket(family, SOCK_STREAM, IPPROTO_MPTCP);
	}
	return fd;
}

/* MPTCP reports through the same tracepoint: counted, never validated. */
TEST_F(scenario, mptcp_counted_not_validated)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int l, c, a;
	struct tf_matrix m;
	uint64_t mptcp = 0;
	char err[768];
	int f, t;

	if (access("/proc/sys/net/mptcp", F_OK))
		SKIP(return, "this kernel has no MPTCP (no /proc/sys/net/mptcp)");
	l = mptcp_socket(variant->family);
	ASSERT_LE(0, l) TH_LOG("the kernel has MPTCP, yet: %s", strerror(errno));
	if (variant->family == AF_INET6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

		memset(a6, 0, sizeof(*a6));
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_loopback;
		len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;

		memset(a4, 0, sizeof(*a4));
		a4->sin_family = AF_INET;
		a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*a4);
	}
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&ss, len));
	ASSERT_EQ(0, listen(l, 4));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&ss, &len));
	c = mptcp_socket(variant->family);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect(c, (struct sockaddr *)&ss, len));
	a = accept(l, NULL, NULL);
	ASSERT_LE(0, a);
	ASSERT_EQ(0, close(c));
	ASSERT_EQ(0, close(a));
	ASSERT_EQ(0, close(l));
	ASSERT_EQ(0, tf_wait_quiet(300, 10000));

	ASSERT_EQ(0, tf_read_matrix(&m));
	for (f = 0; f < TCPFSM_NSLOTS; f++)
		for (t = 0; t < TCPFSM_NSLOTS; t++)
			mptcp += m.n[TCPFSM_PROTO_MPTCP][f][t];
	ASSERT_LT(0, mptcp);
	ASSERT_LT(0, m.n[TCPFSM_PROTO_MPTCP][TCPFSM_CLOSE][TCPFSM_LISTEN]);
	/* The subflows are plain TCP sockets, validated as such. */
	ASSERT_LT(0, m.n[TCPFSM_PROTO_TCP][TCPFSM_CLOSE][TCPFSM_SYN_SENT]);
	assert_all_legal(_metadata, &m);
	assert_matches_trace(_metadata, &m);
	/* The subflows are in /proc/net/tcp as TCP sockets, and counted so. */
	ASSERT_EQ(0, tf_gauges_check(0, err, sizeof(err))) TH_LOG("%s", err);
}

TEST_HARNESS_MAIN
TF_STRETCH_TIMEOUTS
