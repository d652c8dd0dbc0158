/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpfsm_hotpath.h - classify a transition and count it
 *
 * The part of the probe that runs for every event, and the counters it
 * touches.  It is a header so that bench/hotpath can compile exactly this
 * code in userspace (with this_cpu_*() standing for plain increments) and
 * count its instructions.
 */
#ifndef _TCPFSM_HOTPATH_H
#define _TCPFSM_HOTPATH_H

#include "tcpfsm_table.h"

/* What the probe does with a pair: TCPFSM_ACT_* bits. */
#define TCPFSM_ACT_REPORT	0x1	/* illegal (or unknown): count and log it */
#define TCPFSM_ACT_BIRTH	0x2	/* a child is born: FROM is not left */
#define TCPFSM_ACT_LEAVES	0x4	/* set by tcpfsm_count(): FROM was left */
#define TCPFSM_ACT_OUT_OF_RANGE	0x80	/* a state >= TCPFSM_NSLOTS */

/* Time-wait socks are counted by substate, the state they stand in for. */
enum tcpfsm_tw_sub {
	TCPFSM_TW_FIN_WAIT2,	/* an orphan handed over before the peer's FIN */
	TCPFSM_TW_TIME_WAIT,
	TCPFSM_TW_NSUB
};

/* Why a time-wait sock went away. */
enum tcpfsm_tw_exit {
	TCPFSM_TW_EXIT_TIMER,	/* its timer expired (2MSL or the FIN timeout) */
	TCPFSM_TW_EXIT_EARLY,	/* reused by a SYN or connect(), RST, abort */
	TCPFSM_TW_EXIT_NETNS,	/* its network namespace was torn down */
	TCPFSM_TW_NEXITS
};

/* Time-in-state buckets: 0 is < 1 us, k > 0 is [2^(k-1), 2^k) us. */
#define TCPFSM_DWELL_BUCKETS 48

/*
 * Everything counted per CPU.  The hot path only ever changes the local
 * copy; readers sum all CPUs.  "reset" never writes to these: it records a
 * baseline that readers subtract (see tcpfsm_counters_reset()).  Every
 * field is 64 bits wide, and the gauges, which are never reset, come last.
 */
struct tcpfsm_counters {
	u64 transitions[TCPFSM_NPROTO][TCPFSM_NSLOTS][TCPFSM_NSLOTS];
	u64 out_of_range;	/* events with a state >= TCPFSM_NSLOTS */
	u64 illegal;
	u64 unknown_state;
	u64 injected;
	/* hand-overs to a time-wait sock: full socket's state x substate */
	u64 tw_handoff[TCPFSM_NSLOTS][TCPFSM_TW_NSUB];
	u64 tw_fw2_to_tw;	/* substate FIN_WAIT2 became TIME_WAIT */
	u64 tw_exits[TCPFSM_TW_NSUB][TCPFSM_TW_NEXITS];
	u64 dwell[TCPFSM_NSLOTS][TCPFSM_DWELL_BUCKETS];
	u64 dwell_sum_us[TCPFSM_NSLOTS];
	u64 dwell_misses;
	/* never reset */
	s64 gauge[TCPFSM_NSLOTS];	/* full TCP sockets per state */
	s64 tw_gauge[TCPFSM_TW_NSUB];	/* time-wait socks per substate */
};

/*
 * Fill the TCP verdict array and the action arrays of every protocol from
 * the reference table: a TCP pair without a rule is illegal, and @strict
 * turns "linux" into "illegal"; the other protocols are only counted, and
 * their births marked.  @verdicts may be NULL when only the actions are
 * wanted.
 */
static inline void tcpfsm_actions_fill(u8 (*verdicts)[TCPFSM_NSLOTS],
				       u8 (*actions)[TCPFSM_NSLOTS][TCPFSM_NSLOTS],
				       bool strict)
{
	unsigned int i, p, from, to;

	for (p = 0; p < TCPFSM_NPROTO; p++)
		for (from = 0; from < TCPFSM_NSLOTS; from++)
			for (to = 0; to < TCPFSM_NSLOTS; to++)
				actions[p][from][to] = p == TCPFSM_PROTO_TCP ?
						       TCPFSM_ACT_REPORT : 0;
	for (from = 0; verdicts && from < TCPFSM_NSLOTS; from++)
		for (to = 0; to < TCPFSM_NSLOTS; to++)
			verdicts[from][to] = TCPFSM_ILLEGAL;

	for (i = 0; i < TCPFSM_NRULES; i++) {
		const struct tcpfsm_rule *r = &tcpfsm_rules[i];
		u8 verdict = r->verdict;
		u8 action = 0;

		if (strict && verdict == TCPFSM_LINUX)
			verdict = TCPFSM_ILLEGAL;
		if (verdict == TCPFSM_ILLEGAL)
			action |= TCPFSM_ACT_REPORT;
		if (r->flags & TCPFSM_BIRTH)
			action |= TCPFSM_ACT_BIRTH;
		if (verdicts)
			verdicts[r->from][r->to] = verdict;
		actions[TCPFSM_PROTO_TCP][r->from][r->to] = action;
	}
	for (i = 0; i < ARRAY_SIZE(tcpfsm_births); i++) {
		const struct tcpfsm_birth *b = &tcpfsm_births[i];

		actions[b->proto][b->from][b->to] = TCPFSM_ACT_BIRTH;
	}
}

/*
 * The action for a (proto, from, to) event.  TCP's table is indexed with
 * a constant protocol: its events are the common case.
 */
static __always_inline u8
tcpfsm_action(const u8 (*actions)[TCPFSM_NSLOTS][TCPFSM_NSLOTS],
	      unsigned int proto, unsigned int from, unsigned int to)
{
	if (unlikely(from >= TCPFSM_NSLOTS || to >= TCPFSM_NSLOTS))
		return TCPFSM_ACT_OUT_OF_RANGE | TCPFSM_ACT_REPORT;
	if (likely(proto == TCPFSM_PROTO_TCP))
		return actions[TCPFSM_PROTO_TCP][from][to];
	return actions[proto][from][to];
}

/*
 * Count one event of @sk in @c: the cell of the matrix, and for TCP the
 * gauges.  Returns the action (a birth in any protocol, illegal in TCP),
 * with TCPFSM_ACT_LEAVES set when the socket was taken out of @from's
 * gauge (not for a birth, nor, while the gauges are being seeded, for a
 * socket the walk has not counted).
 */
static __always_inline u8
tcpfsm_count(struct tcpfsm_counters __percpu *c,
	     const u8 (*actions)[TCPFSM_NSLOTS][TCPFSM_NSLOTS],
	     const void *sk, unsigned int protocol, int oldstate, int newstate)
{
	unsigned int proto = tcpfsm_proto_index(protocol);
	unsigned int from = oldstate, to = newstate;
	u8 action = tcpfsm_action(actions, proto, from, to);

	if (unlikely(action & TCPFSM_ACT_OUT_OF_RANGE)) {
		this_cpu_inc(c->out_of_range);
		return action;
	}
	this_cpu_inc(c->transitions[proto][from][to]);
	if (proto != TCPFSM_PROTO_TCP)
		return action;
	if (!(action & TCPFSM_ACT_BIRTH))
		action |= TCPFSM_ACT_LEAVES;
	if (tcpfsm_seed_active())
		action = tcpfsm_seed_event(sk, action);
	if (action & TCPFSM_ACT_LEAVES)
		this_cpu_dec(c->gauge[from]);
	this_cpu_inc(c->gauge[to]);
	return action;
}

#endif /* _TCPFSM_HOTPATH_H */
