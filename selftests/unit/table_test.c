// SPDX-License-Identifier: GPL-2.0
/*
 * table_test.c - host checks of the reference table in tcpfsm_table.h
 *
 * The table is the project's specification, so it is checked against an
 * independent transcription of RFC 9293 (tf_reference_pairs in
 * tcpfsm_lib.h: Figure 5, the abort and timeout edges to CLOSED, the named
 * Linux pairs) in both directions, and against the rules the header states
 * for itself.
 */
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "../../module/tcpfsm_table.h"
#include "../../tools/traffic/scenarios.h"
#include "../tcpfsm_lib.h"

static const char *name_of(int s, char *buf, size_t len)
{
	if (tcpfsm_state_name(s))
		return tcpfsm_state_name(s);
	snprintf(buf, len, "STATE_%d", s);
	return buf;
}

/*
 * Every pair of the 16 counted values, both ways: a pair the reference
 * lists has its verdict and flags in the table, and a pair it does not
 * list (unnamed and kernel-only states included) has no rule: illegal.
 */
TEST(table_equals_the_reference_both_ways)
{
	char a[16], b[16];
	int f, t, legal = 0;

	for (f = 0; f < TCPFSM_NSLOTS; f++)
		for (t = 0; t < TCPFSM_NSLOTS; t++) {
			const struct tf_reference_pair *want = tf_reference_find(f, t);
			const struct tcpfsm_rule *got = tcpfsm_rule_find(f, t);

			if (!want) {
				ASSERT_EQ(NULL, got)
					TH_LOG("%s -> %s is legal in the table (%s), illegal in RFC 9293",
					       name_of(f, a, sizeof(a)), name_of(t, b, sizeof(b)),
					       tcpfsm_verdict_names[got->verdict]);
				continue;
			}
			legal++;
			ASSERT_NE(NULL, got)
				TH_LOG("%s -> %s (%s) is missing from the table",
				       name_of(f, a, sizeof(a)), name_of(t, b, sizeof(b)),
				       tcpfsm_verdict_names[want->verdict]);
			ASSERT_EQ(want->verdict, got->verdict)
				TH_LOG("%s -> %s: table %s, reference %s",
				       name_of(f, a, sizeof(a)), name_of(t, b, sizeof(b)),
				       tcpfsm_verdict_names[got->verdict],
				       tcpfsm_verdict_names[want->verdict]);
			ASSERT_EQ(want->flags, got->flags)
				TH_LOG("%s -> %s: flags %#x, reference %#x",
				       name_of(f, a, sizeof(a)), name_of(t, b, sizeof(b)),
				       got->flags, want->flags);
		}
	ASSERT_EQ(TF_NREFERENCE, (unsigned int)legal);
	ASSERT_EQ(TF_NREFERENCE, TCPFSM_NRULES);
}

/* Strict mode turns exactly the linux pairs illegal, nothing else. */
TEST(strict_reference)
{
	int f, t;

	for (f = 0; f < TCPFSM_NSLOTS; f++)
		for (t = 0; t < TCPFSM_NSLOTS; t++) {
			int loose = tf_reference_verdict(f, t, false);
			int strict = tf_reference_verdict(f, t, true);

			ASSERT_EQ(loose == TCPFSM_LINUX ? TCPFSM_ILLEGAL : loose, strict);
		}
}

/* The reference itself: no pair twice, only RFC states, Linux as stated. */
TEST(reference_is_well_formed)
{
	unsigned int i, j, k, rfc = 0;

	for (i = 0; i < TF_NREFERENCE; i++) {
		const struct tf_reference_pair *p = &tf_reference_pairs[i];
		int ends = 0;

		for (j = i + 1; j < TF_NREFERENCE; j++)
			ASSERT_FALSE(p->from == tf_reference_pairs[j].from &&
				     p->to == tf_reference_pairs[j].to);
		for (k = 0; k < TF_NRFC_STATES; k++)
			ends += (p->from == tf_rfc_states[k]) + (p->to == tf_rfc_states[k]);
		ASSERT_EQ(2, ends) TH_LOG("pair %u", i);
		if (p->verdict == TCPFSM_LINUX) {
			ASSERT_TRUE(p->from == p->to || p->to == TCPFSM_CLOSE);
		} else {
			ASSERT_EQ(TCPFSM_RFC, p->verdict);
		}
		rfc += p->verdict == TCPFSM_RFC;
	}
	/* Figure 5 has 21 edges; one more FIN rule and four aborts. */
	ASSERT_EQ(26, rfc);
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

/*
 * Scenarios only ever expect transitions RFC 9293 (or Linux) allows, at
 * least one each, and none that the tracepoint never reports.
 */
TEST(scenarios_expect_only_legal_pairs)
{
	unsigned int i, j;

	ASSERT_LT(0, tf_nscenarios);
	for (i = 0; i < tf_nscenarios; i++) {
		const struct tf_scenario *s = &tf_scenarios[i];

		ASSERT_LT(0, tf_scenario_events(s)) TH_LOG("%s", s->name);
		for (j = 0; j < TF_MAX_PAIRS && s->pairs[j].count; j++) {
			const struct tf_reference_pair *p =
				tf_reference_find(s->pairs[j].from, s->pairs[j].to);

			ASSERT_NE(NULL, p) TH_LOG("%s pair %u", s->name, j);
			ASSERT_FALSE(p->flags & TCPFSM_UNTRACED)
				TH_LOG("%s pair %u", s->name, j);
		}
		ASSERT_EQ(s, tf_scenario_find(s->name));
	}
}

TEST_HARNESS_MAIN
