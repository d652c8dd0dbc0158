// SPDX-License-Identifier: GPL-2.0
/*
 * kernel_test.c - what differs from one kernel to the next
 *
 * The same expectations hold on every kernel of the matrix; where the
 * kernel changed, the expected value is computed from its version here,
 * never skipped:
 *   - the TCP states it has: BOUND_INACTIVE (13) exists since 6.8, so the
 *     states file lists it, and injection accepts its name, only there;
 *   - DCCP, until 6.16: its states are named by DCCP, its own two
 *     (PARTOPEN, PASSIVE_CLOSEREQ) numbered from TCP_MAX_STATES, which
 *     moved up by one in 6.8, and the child a listener clones is a birth,
 *     not an exit of LISTEN; since 6.16 a DCCP socket cannot be made;
 *   - MPTCP, where the kernel has it: the accepted socket's
 *     LISTEN -> ESTABLISHED is a birth too;
 *   - the time-wait probes are placed on every kernel (the function that
 *     makes a time-wait sock visible was renamed in 6.10).
 * Each count is compared cell by cell with the kernel's own trace event.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/dccp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tcpfsm_lib.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef SOL_DCCP
#define SOL_DCCP 269
#endif

#define DCCP_SERVICE 0x74637066	/* "tcpf" */

static uint64_t stat_of(struct __test_metadata *_metadata, const char *key)
{
	uint64_t v = 0;

	EXPECT_EQ(0, tf_read_stat(key, &v)) TH_LOG("stats key %s", key);
	return v;
}

/* The module's counts of protocol @p equal the trace event's, cell by cell. */
static void assert_proto_matches_trace(struct __test_metadata *_metadata,
				       int p, struct tf_matrix *trace)
{
	struct tf_matrix m;
	int f, t;

	ASSERT_EQ(0, tf_read_matrix(&m));
	for (f = 0; f < TCPFSM_NSLOTS; f++)
		for (t = 0; t < TCPFSM_NSLOTS; t++)
			ASSERT_EQ(trace->n[p][f][t], m.n[p][f][t])
				TH_LOG("%s %d -> %d", tcpfsm_proto_names[p], f, t);
}

/*
 * EXITED of @state in protocol @p counts every event leaving it except the
 * births, to @birth_to or @birth_to2 (-1: none): a child cloned from a
 * listener does not leave LISTEN.
 */
static void assert_exits_without_births(struct __test_metadata *_metadata,
					int p, int state, int birth_to,
					int birth_to2, const struct tf_matrix *trace)
{
	struct tf_states st;
	uint64_t want = 0, births = 0;
	int t;

	for (t = 0; t < TCPFSM_NSLOTS; t++)
		if (t == birth_to || t == birth_to2)
			births += trace->n[p][state][t];
		else
			want += trace->n[p][state][t];
	ASSERT_EQ(0, tf_read_states(&st));
	ASSERT_TRUE(st.row[p][state].listed);
	ASSERT_EQ(want, st.row[p][state].exited)
		TH_LOG("%s EXITED of state %d", tcpfsm_proto_names[p], state);
	ASSERT_LT(0, births) TH_LOG("no birth seen");
}

FIXTURE(kernel) {
	int kmsg;
};

FIXTURE_SETUP(kernel)
{
	self->kmsg = tf_kernel_log_lines();
	ASSERT_EQ(0, tf_new_netns());
}

FIXTURE_TEARDOWN(kernel)
{
	char problem[512];

	EXPECT_EQ(0, tf_finish(self->kmsg, problem, sizeof(problem)))
		TH_LOG("%s", problem);
}

/* BOUND_INACTIVE is a state of 6.8 and later only. */
TEST_F(kernel, tcp_states_of_this_kernel)
{
	bool bound_inactive = tf_kernel_at_least(6, 8);
	struct tf_record recs[2];
	struct tf_states st;
	int s;

	ASSERT_EQ(bound_inactive ? 14 : 13, tf_tcp_max_states());
	ASSERT_EQ(0, tf_module_load("inject=1"));
	ASSERT_EQ(0, tf_read_states(&st));
	for (s = TCPFSM_STATE_FIRST; s <= TCPFSM_STATE_LAST; s++)
		ASSERT_EQ(s != TCPFSM_BOUND_INACTIVE || bound_inactive,
			  st.row[TCPFSM_PROTO_TCP][s].listed)
			TH_LOG("TCP state %d", s);

	ASSERT_EQ(bound_inactive ? 0 : -EINVAL,
		  tf_write("inject", "TCP BOUND_INACTIVE ESTABLISHED"));
	ASSERT_EQ(0, tf_write("inject", "TCP STATE_13 ESTABLISHED"));
	ASSERT_EQ(bound_inactive ? 2 : 1, tf_read_log(recs, 2));
	for (s = 0; s < (bound_inactive ? 2 : 1); s++)
		ASSERT_STREQ(bound_inactive ? "BOUND_INACTIVE" : "STATE_13",
			     tf_record_get(&recs[s], "from"));
	/* Only a kernel's own states are known; the rest count as unknown. */
	ASSERT_EQ(bound_inactive ? 0 : 1, stat_of(_metadata, "unknown_state"));
}

/* The time-wait probes find their functions on every kernel. */
TEST_F(kernel, timewait_probes_placed)
{
	ASSERT_EQ(0, tf_module_load(""));
	ASSERT_EQ(1, stat_of(_metadata, "timewait_tracking"));
	ASSERT_EQ(0, access(TF_DEBUGFS "/lifecycle", F_OK));
}

/* A DCCP socket of the loopback, with the service code both ends need. */
static int dccp_socket(void)
{
	uint32_t service = htonl(DCCP_SERVICE);
	int fd = socket(AF_INET, SOCK_DCCP, IPPROTO_DCCP);

	if (fd >= 0 && setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_SERVICE, &service,
				  sizeof(service))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * One DCCP connection over loopback: the client goes REQUESTING ->
 * PARTOPEN -> OPEN, the server's child is born in RESPOND; both close.
 */
static int dccp_exchange(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int l, c = -1, s = -1, ret = -1;
	char ch;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = dccp_socket();
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(l, (struct sockaddr *)&a, &alen) || listen(l, 1))
		goto out;
	c = dccp_socket();
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
		goto out;
	s = accept(l, NULL, NULL);
	if (s < 0 || send(c, "x", 1, 0) != 1 || recv(s, &ch, 1, 0) != 1 ||
	    send(s, "y", 1, 0) != 1 || recv(c, &ch, 1, 0) != 1)
		goto out;
	ret = 0;
out:
	if (c >= 0)
		close(c);
	if (s >= 0)
		close(s);
	if (l >= 0)
		close(l);
	return ret;
}

/*
 * DCCP until 6.16: named by DCCP, its own states numbered from this
 * kernel's TCP_MAX_STATES, births kept out of LISTEN's exits.  Since 6.16
 * the protocol is gone.
 */
TEST_F(kernel, dccp_states_and_births)
{
	int own = tf_tcp_max_states();	/* DCCP_PARTOPEN */
	struct tf_matrix trace, m;
	int fd, v;

	if (tf_kernel_at_least(6, 16)) {
		fd = socket(AF_INET, SOCK_DCCP, IPPROTO_DCCP);
		ASSERT_GT(0, fd) TH_LOG("DCCP exists after its removal in 6.16");
		ASSERT_TRUE(errno == ESOCKTNOSUPPORT || errno == EPROTONOSUPPORT ||
			    errno == EINVAL) TH_LOG("errno %d", errno);
		return;
	}
	ASSERT_EQ(0, tf_module_load(""));
	ASSERT_EQ(0, tf_trace_start());
	ASSERT_EQ(0, dccp_exchange()) TH_LOG("DCCP over loopback: %s", strerror(errno));
	/* The closing handshakes run on timers: until they have landed. */
	ASSERT_EQ(0, tf_wait_quiet(500, 10000));
	ASSERT_EQ(0, tf_trace_stop(&trace));
	assert_proto_matches_trace(_metadata, TCPFSM_PROTO_DCCP, &trace);

	/* REQUESTING -> PARTOPEN, at this kernel's number for PARTOPEN. */
	ASSERT_EQ(1, trace.n[TCPFSM_PROTO_DCCP][TCPFSM_SYN_SENT][own]);
	ASSERT_EQ(0, tf_read_matrix(&m));
	v = tf_proto_state_parse(TCPFSM_PROTO_DCCP, "PARTOPEN");
	ASSERT_EQ(own, v);
	ASSERT_EQ(TCPFSM_SYN_SENT,
		  tf_proto_state_parse(TCPFSM_PROTO_DCCP, "REQUESTING"));
	ASSERT_EQ(TCPFSM_SYN_RECV,
		  tf_proto_state_parse(TCPFSM_PROTO_DCCP, "RESPOND"));
	ASSERT_EQ(1, m.n[TCPFSM_PROTO_DCCP][TCPFSM_SYN_SENT][own]);
	ASSERT_STREQ("-", m.verdict[TCPFSM_PROTO_DCCP][TCPFSM_SYN_SENT][own]);

	assert_exits_without_births(_metadata, TCPFSM_PROTO_DCCP, TCPFSM_LISTEN,
				    TCPFSM_SYN_RECV, -1, &trace);
	ASSERT_EQ(0, stat_of(_metadata, "illegal"));
}

/* The accepted MPTCP socket is born, as TCP's child is. */
TEST_F(kernel, mptcp_births)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	struct tf_matrix trace;
	int l, c, s;

	l = socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
	if (l < 0)
		SKIP(return, "this kernel has no MPTCP (CONFIG_MPTCP)");
	ASSERT_EQ(0, tf_module_load(""));
	ASSERT_EQ(0, tf_trace_start());
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&a, &alen));
	ASSERT_EQ(0, listen(l, 4));
	c = socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect(c, (struct sockaddr *)&a, sizeof(a)));
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	close(c);
	close(s);
	close(l);
	ASSERT_EQ(0, tf_wait_quiet(200, 10000));
	ASSERT_EQ(0, tf_trace_stop(&trace));
	assert_proto_matches_trace(_metadata, TCPFSM_PROTO_MPTCP, &trace);
	/* SYN_RECV first, then ESTABLISHED, before 6.4 (and 6.1.33). */
	assert_exits_without_births(_metadata, TCPFSM_PROTO_MPTCP, TCPFSM_LISTEN,
				    TCPFSM_ESTABLISHED, TCPFSM_SYN_RECV, &trace);
}

TEST_HARNESS_MAIN
TF_STRETCH_TIMEOUTS
