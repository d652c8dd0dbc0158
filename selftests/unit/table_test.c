// SPDX-License-Identifier: GPL-2.0
/*
 * table_test.c - host checks of the reference table in tcpfsm_table.h
 *
 * The table is the project's specification, so it is checked against an
 * independent transcription of RFC 9293 Figure 5 and against the rules the
 * header states for itself.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "../../module/tcpfsm_table.h"
#include "../../tools/traffic/scenarios.h"

#define S(x) TCPFSM_##x

/* RFC 9293, Figure 5 (and note 2's FIN-WAIT-1 -> TIME-WAIT), edge by edge. */
static const struct { int from, to; } figure5[] = {
	{ S(CLOSE), S(LISTEN) },		/* passive OPEN */
	{ S(CLOSE), S(SYN_SENT) },		/* active OPEN / snd SYN */
	{ S(LISTEN), S(SYN_RECV) },		/* rcv SYN / snd SYN,ACK */
	{ S(LISTEN), S(SYN_SENT) },		/* SEND / snd SYN */
	{ S(LISTEN), S(CLOSE) },		/* CLOSE */
	{ S(SYN_SENT), S(SYN_RECV) },		/* rcv SYN / snd ACK */
	{ S(SYN_SENT), S(ESTABLISHED) },	/* rcv SYN,ACK / snd ACK */
	{ S(SYN_SENT), S(CLOSE) },		/* CLOSE */
	{ S(SYN_RECV), S(LISTEN) },		/* rcv RST (note 1) */
	{ S(SYN_RECV), S(ESTABLISHED) },	/* rcv ACK of SYN */
	{ S(SYN_RECV), S(FIN_WAIT1) },		/* CLOSE / snd FIN */
	{ S(ESTABLISHED), S(FIN_WAIT1) },	/* CLOSE / snd FIN */
	{ S(ESTABLISHED), S(CLOSE_WAIT) },	/* rcv FIN / snd ACK */
	{ S(FIN_WAIT1), S(FIN_WAIT2) },		/* rcv ACK of FIN */
	{ S(FIN_WAIT1), S(CLOSING) },		/* rcv FIN / snd ACK */
	{ S(FIN_WAIT1), S(TIME_WAIT) },		/* note 2 */
	{ S(FIN_WAIT2), S(TIME_WAIT) },		/* rcv FIN / snd ACK */
	{ S(CLOSING), S(TIME_WAIT) },		/* rcv ACK of FIN */
	{ S(TIME_WAIT), S(CLOSE) },		/* Timeout=2MSL */
	{ S(CLOSE_WAIT), S(LAST_ACK) },		/* CLOSE / snd FIN */
	{ S(LAST_ACK), S(CLOSE) },		/* rcv ACK of FIN */
};

#define NFIG5 (sizeof(figure5) / sizeof(figure5[0]))

static int in_figure5(int from, int to)
{
	unsigned int i;

	for (i = 0; i < NFIG5; i++)
		if (figure5[i].from == from && figure5[i].to == to)
			return 1;
	return 0;
}

TEST(every_figure5_edge_is_rfc)
{
	unsigned int i;

	for (i = 0; i < NFIG5; i++) {
		const struct tcpfsm_rule *r =
			tcpfsm_rule_find(figure5[i].from, figure5[i].to);

		ASSERT_NE(NULL, r) TH_LOG("%s -> %s missing",
			tcpfsm_state_names[figure5[i].from],
			tcpfsm_state_names[figure5[i].to]);
		ASSERT_EQ(TCPFSM_RFC, r->verdict);
	}
}

TEST(rules_are_well_formed)
{
	unsigned int i, j;

	for (i = 0; i < TCPFSM_NRULES; i++) {
		const struct tcpfsm_rule *r = &tcpfsm_rules[i];

		ASSERT_NE(NULL, tcpfsm_state_name(r->from));
		ASSERT_NE(NULL, tcpfsm_state_name(r->to));
		ASSERT_NE(NULL, tcpfsm_rfc_names[r->from]) TH_LOG("rule %u", i);
		ASSERT_NE(NULL, tcpfsm_rfc_names[r->to]) TH_LOG("rule %u", i);
		ASSERT_TRUE(r->verdict == TCPFSM_RFC || r->verdict == TCPFSM_LINUX);
		ASSERT_NE(NULL, r->reason);
		/* One line, fit for the table file and a terminal. */
		ASSERT_LT(10, strlen(r->reason));
		ASSERT_GE(85, strlen(r->reason)) TH_LOG("%s", r->reason);
		ASSERT_EQ(NULL, strchr(r->reason, '\n'));
		/* Grounded: an RFC section or a kernel function. */
		ASSERT_TRUE(strstr(r->reason, "(3.") || strstr(r->reason, "()"))
			TH_LOG("%s", r->reason);
		for (j = i + 1; j < TCPFSM_NRULES; j++)
			ASSERT_FALSE(tcpfsm_rules[j].from == r->from &&
				     tcpfsm_rules[j].to == r->to);
	}
}

/* "linux" is exactly what the RFC does not describe. */
TEST(linux_pairs_are_not_in_the_rfc)
{
	unsigned int i;

	for (i = 0; i < TCPFSM_NRULES; i++) {
		const struct tcpfsm_rule *r = &tcpfsm_rules[i];

		if (r->verdict != TCPFSM_LINUX)
			continue;
		ASSERT_FALSE(in_figure5(r->from, r->to));
		/* The RFC's text allows RST/ABORT to CLOSED; these are not that. */
		ASSERT_TRUE(r->from == r->to || r->to == TCPFSM_CLOSE);
	}
}

/* Time-wait socks and request socks are never full sockets. */
TEST(untraced_and_kernel_only_states)
{
	unsigned int i;

	for (i = 0; i < TCPFSM_NRULES; i++) {
		const struct tcpfsm_rule *r = &tcpfsm_rules[i];
		int tw = r->from == TCPFSM_TIME_WAIT || r->to == TCPFSM_TIME_WAIT;

		ASSERT_NE(TCPFSM_NEW_SYN_RECV, r->from);
		ASSERT_NE(TCPFSM_NEW_SYN_RECV, r->to);
		ASSERT_NE(TCPFSM_BOUND_INACTIVE, r->from);
		ASSERT_NE(TCPFSM_BOUND_INACTIVE, r->to);
		if (tw)
			ASSERT_TRUE(r->flags & TCPFSM_UNTRACED);
		if (r->flags & TCPFSM_BIRTH) {
			ASSERT_EQ(TCPFSM_LISTEN, r->from);
			ASSERT_EQ(TCPFSM_SYN_RECV, r->to);
		}
	}
	ASSERT_EQ(NULL, tcpfsm_rule_find(TCPFSM_LISTEN, TCPFSM_LISTEN));
	ASSERT_EQ(NULL, tcpfsm_rule_find(TCPFSM_CLOSE, TCPFSM_ESTABLISHED));
	ASSERT_EQ(NULL, tcpfsm_rule_find(TCPFSM_ESTABLISHED, TCPFSM_SYN_SENT));
	ASSERT_EQ(NULL, tcpfsm_state_name(0));
	ASSERT_EQ(NULL, tcpfsm_state_name(TCPFSM_NSLOTS));
	ASSERT_EQ(NULL, tcpfsm_state_name(-1));
}

TEST(protocol_rows)
{
	ASSERT_EQ(TCPFSM_PROTO_TCP, tcpfsm_proto_index(6));
	ASSERT_EQ(TCPFSM_PROTO_DCCP, tcpfsm_proto_index(33));
	ASSERT_EQ(TCPFSM_PROTO_SCTP, tcpfsm_proto_index(132));
	ASSERT_EQ(TCPFSM_PROTO_MPTCP, tcpfsm_proto_index(262));
	ASSERT_EQ(TCPFSM_PROTO_OTHER, tcpfsm_proto_index(17));
	ASSERT_EQ(TCPFSM_PROTO_OTHER, tcpfsm_proto_index(0));
}

/* Scenarios only ever expect legal transitions, and at least one each. */
TEST(scenarios_expect_only_legal_pairs)
{
	unsigned int i, j;

	ASSERT_LT(0, tf_nscenarios);
	for (i = 0; i < tf_nscenarios; i++) {
		const struct tf_scenario *s = &tf_scenarios[i];

		ASSERT_LT(0, tf_scenario_events(s)) TH_LOG("%s", s->name);
		for (j = 0; j < TF_MAX_PAIRS && s->pairs[j].count; j++)
			ASSERT_NE(NULL, tcpfsm_rule_find(s->pairs[j].from,
							 s->pairs[j].to))
				TH_LOG("%s pair %u", s->name, j);
		ASSERT_EQ(s, tf_scenario_find(s->name));
	}
}

TEST_HARNESS_MAIN
