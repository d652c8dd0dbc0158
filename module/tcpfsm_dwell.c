// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm_dwell.c - time spent in each state
 *
 * A fixed table remembers, per socket, the state it is in and since when.
 * When the socket leaves that state the time is added to the state's log2
 * histogram.  An entry lives from the socket's birth (an event from CLOSE,
 * or a child cloned from a listener) to its end (an event to CLOSE); an
 * entry is used only if the state it recorded is the state the event says
 * the socket leaves.  Births replace whatever a reused address left, so a
 * new socket never inherits another's time.
 *
 * TIME_WAIT and an orphan's FIN_WAIT2 continue on the time-wait sock: the
 * hand-over carries the entry over, so the histograms show the RFC's view
 * (FIN_WAIT2 until the peer's FIN, TIME_WAIT for its 2MSL).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/jump_label.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/percpu.h>

#include "tcpfsm.h"
#include "tcpfsm_sktable.h"

DEFINE_STATIC_KEY_FALSE(tcpfsm_dwell_key);

static struct tcpfsm_sktable tcpfsm_dwell_map;
static unsigned int tcpfsm_dwell_cap;

/*
 * An entry packs when the stay began (us; 0 if unknown), a tag made from
 * the key, and the state.  The tag catches the rare write that lands in a
 * slot another socket has just taken (a time-wait sock's FIN racing with
 * its death on another CPU): the owner then sees a miss, not a wrong time.
 */
#define TCPFSM_DWELL_STATE(v)		((unsigned int)((v) & 0xff))
#define TCPFSM_DWELL_TAG(v)		((unsigned int)(((v) >> 8) & 0xff))
#define TCPFSM_DWELL_SINCE(v)		((v) >> 16)

static u64 tcpfsm_dwell_entry(const void *obj, u64 since, unsigned int state)
{
	return since << 16 | (u64)hash_ptr(obj, 8) << 8 | state;
}

/* Allocate the table for @capacity sockets (twice as many slots). */
int tcpfsm_dwell_init(unsigned int capacity)
{
	int err = tcpfsm_sktable_init(&tcpfsm_dwell_map, 2 * capacity, true);

	if (err) {
		pr_err("cannot allocate the time-in-state table for %u sockets (dwell_sockets)\n",
		       capacity);
		return err;
	}
	tcpfsm_dwell_cap = capacity;
	static_branch_enable(&tcpfsm_dwell_key);
	return 0;
}

/* Free the table; no probe may run any more. */
void tcpfsm_dwell_exit(void)
{
	static_branch_disable(&tcpfsm_dwell_key);
	tcpfsm_sktable_free(&tcpfsm_dwell_map);
}

void tcpfsm_dwell_stats(unsigned long *tracked, unsigned int *capacity,
			size_t *bytes)
{
	*tracked = tcpfsm_sktable_count(&tcpfsm_dwell_map);
	*capacity = tcpfsm_dwell_cap;
	*bytes = tcpfsm_sktable_bytes(&tcpfsm_dwell_map);
}

static u64 tcpfsm_now_us(void)
{
	return div_u64(ktime_get_mono_fast_ns(), NSEC_PER_USEC);
}

/* The histogram bucket of @us: 0 for < 1 us, else [2^(k-1), 2^k). */
static unsigned int tcpfsm_dwell_bucket(u64 us)
{
	return min_t(unsigned int, fls64(us), TCPFSM_DWELL_BUCKETS - 1);
}

/* A stay in @state from @since to @now ends; a miss if @since is unknown. */
static void tcpfsm_dwell_add(unsigned int state, u64 since, u64 now)
{
	u64 us = now > since ? now - since : 0;

	if (!since) {
		this_cpu_inc(tcpfsm_pcpu->dwell_misses);
		return;
	}
	this_cpu_inc(tcpfsm_pcpu->dwell[state][tcpfsm_dwell_bucket(us)]);
	this_cpu_add(tcpfsm_pcpu->dwell_sum_us[state], us);
}

static void tcpfsm_dwell_miss(void)
{
	this_cpu_inc(tcpfsm_pcpu->dwell_misses);
}

/*
 * Find the slot of @obj (or a negative error) and its value in *@v.  A
 * value whose tag is not @obj's (see above) reads as state 0, which no
 * stay is in: the stay is then a miss, and the slot is still reused.
 */
static long tcpfsm_dwell_find(const void *obj, u64 *v)
{
	long slot = tcpfsm_sktable_find(&tcpfsm_dwell_map, obj);

	*v = 0;
	if (slot >= 0) {
		*v = READ_ONCE(tcpfsm_dwell_map.values[slot]);
		if (TCPFSM_DWELL_TAG(*v) != hash_ptr(obj, 8))
			*v = 0;
	}
	return slot;
}

/*
 * Remember that @obj, at @slot if it has one, is in @state since @since.
 * If the table is full the stay is not timed; the miss is counted when it
 * ends.
 */
static void tcpfsm_dwell_store(const void *obj, long slot, u64 since,
			       unsigned int state)
{
	if (slot < 0)
		slot = tcpfsm_sktable_insert(&tcpfsm_dwell_map, obj);
	if (slot >= 0)
		WRITE_ONCE(tcpfsm_dwell_map.values[slot],
			   tcpfsm_dwell_entry(obj, since, state));
}

/* The stay recorded in @v ends now, if it is a stay in @state. */
static void tcpfsm_dwell_end(u64 v, unsigned int state, u64 now)
{
	if (v && TCPFSM_DWELL_STATE(v) == state)
		tcpfsm_dwell_add(state, TCPFSM_DWELL_SINCE(v), now);
	else
		tcpfsm_dwell_miss();
}

/*
 * A TCP socket went from @from to @to; @birth: it did not exist before.
 * A close() that re-enters the same state does not end the stay.  One
 * lookup serves the whole update.
 */
void __tcpfsm_dwell_transition(const struct sock *sk, unsigned int from,
			       unsigned int to, bool birth)
{
	u64 now, v;
	long slot;

	if (from == to)
		return;
	now = tcpfsm_now_us();
	slot = tcpfsm_dwell_find(sk, &v);
	/* CLOSE: handed over to a time-wait sock, timed there. */
	if (!birth && !(v && TCPFSM_DWELL_STATE(v) == TCPFSM_CLOSE))
		tcpfsm_dwell_end(v, from, now);
	if (to != TCPFSM_CLOSE)
		tcpfsm_dwell_store(sk, slot, now, to);
	else if (slot >= 0)
		tcpfsm_sktable_remove(&tcpfsm_dwell_map, slot);
}

/*
 * @sk, in @from, hands over to the time-wait sock @tw in @substate.  In
 * TIME_WAIT, @from's stay ends now; in FIN_WAIT2 (an orphan) it goes on,
 * on @tw.  The socket is marked handed over (state CLOSE) so that its
 * final event is not counted as a miss.
 */
void __tcpfsm_dwell_handover(const struct sock *sk, unsigned int from,
			     const void *tw, unsigned int substate)
{
	u64 now = tcpfsm_now_us(), v, since = 0;
	long slot = tcpfsm_dwell_find(sk, &v);

	if (v && TCPFSM_DWELL_STATE(v) == from)
		since = TCPFSM_DWELL_SINCE(v);
	if (substate == TCPFSM_TIME_WAIT) {
		tcpfsm_dwell_add(from, since, now);
		since = now;
	}
	tcpfsm_dwell_store(sk, slot, now, TCPFSM_CLOSE);
	slot = tcpfsm_sktable_find(&tcpfsm_dwell_map, tw);
	tcpfsm_dwell_store(tw, slot, since, substate);
}

/* The orphan's time-wait sock got the peer's FIN: FIN_WAIT2 ends. */
void __tcpfsm_dwell_tw_fin(const void *tw)
{
	u64 now = tcpfsm_now_us(), v;
	long slot = tcpfsm_dwell_find(tw, &v);

	tcpfsm_dwell_end(v, TCPFSM_FIN_WAIT2, now);
	tcpfsm_dwell_store(tw, slot, now, TCPFSM_TIME_WAIT);
}

/* A time-wait sock is gone: its TIME_WAIT (or orphan FIN_WAIT2) ends. */
void __tcpfsm_dwell_tw_gone(const void *tw)
{
	u64 v;
	long slot = tcpfsm_dwell_find(tw, &v);

	if (v)
		tcpfsm_dwell_add(TCPFSM_DWELL_STATE(v), TCPFSM_DWELL_SINCE(v),
				 tcpfsm_now_us());
	else
		tcpfsm_dwell_miss();
	if (slot >= 0)
		tcpfsm_sktable_remove(&tcpfsm_dwell_map, slot);
}
