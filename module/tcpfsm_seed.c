// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm_seed.c - gauges true from the first second
 *
 * The probes only see sockets change state, so at load the gauges would
 * start at zero whatever already exists.  Seeding walks the TCP hash tables
 * once, with the probes already attached (and counting: tcpfsm_probe.c
 * says why that comes only once attaching is over), and adds every socket
 * it finds to the gauge of its state.
 *
 * A socket can change state while the walk runs, so the walk and the
 * probes agree, socket by socket, on who accounts for the state it had
 * when the probes were attached: whichever puts the socket in a set first.
 *   - The walk inserts it and, if it was first, adds its state.
 *   - A probe seeing a socket's first event inserts it; if it was first,
 *     the socket was never added by the walk, so the probe does not take
 *     it out of its old state (it still enters the new one).
 * A socket changes state only under its lock: its spinlock in softirq
 * context, or ownership (lock_sock()) in process context, and the
 * tracepoint fires under that lock just before the new state is stored.
 * The walk reads the state and inserts holding the spinlock of a socket
 * that has no owner, so no change is half done: one whose tracepoint ran
 * before the probes were attached has stored its state, one that runs
 * after is seen by a probe, which inserts before the store.  A socket the
 * walk finds locked or owned is held and accounted for after the walk,
 * once it is free.  Sockets born during the walk are inserted by their
 * first event and skipped by the walk.  Time-wait socks have no lock; the
 * time-wait probes hand them over (tcpfsm_timewait.c).
 *
 * The result is exact, under any load, as long as the set has room and
 * every busy socket comes free in time; a socket that misses either is
 * counted in seed_uncertain, which bounds the error of the gauges
 * (docs/debugfs.md).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/jump_label.h>
#include <linux/rtnetlink.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "tcpfsm.h"
#include "tcpfsm_compat.h"
#include "tcpfsm_sktable.h"

DEFINE_STATIC_KEY_FALSE(tcpfsm_seed_key);

static struct tcpfsm_sktable tcpfsm_seed_set;
static atomic_long_t tcpfsm_seed_uncertain = ATOMIC_LONG_INIT(0);
static unsigned long tcpfsm_seeded;

/*
 * Sockets the walk found locked or owned, held until they come free.  A
 * socket is busy only while a CPU works on it, so few are at once.
 */
#define TCPFSM_SEED_BUSY_MAX	4096
/*
 * How long each walk's busy sockets are waited for, all together: a few
 * milliseconds on hardware, but one second was seen to be too short for a
 * kernel with every checker on, under emulation.
 */
#define TCPFSM_SEED_BUSY_WAIT	(10 * HZ)
static struct sock **tcpfsm_seed_busy;
static unsigned int tcpfsm_seed_nbusy;
static unsigned long tcpfsm_seed_waited;	/* busy sockets, both walks */

/* A probe saw @obj being created: the walk must not count it. */
void tcpfsm_seed_born(const void *obj)
{
	if (tcpfsm_sktable_insert(&tcpfsm_seed_set, obj) == -ENOSPC)
		atomic_long_inc(&tcpfsm_seed_uncertain);
}

/*
 * A probe saw @obj leave a state.  Returns true if the walk already counted
 * it there (so the probe must take it out), false if it did not.
 */
bool tcpfsm_seed_seen(const void *obj)
{
	long r = tcpfsm_sktable_insert(&tcpfsm_seed_set, obj);

	if (r >= 0)
		return false;
	if (r == -ENOSPC)
		atomic_long_inc(&tcpfsm_seed_uncertain);
	return true;
}

/* tcpfsm_count() while seeding: does this event take the socket out? */
u8 tcpfsm_seed_event(const void *sk, u8 action)
{
	if (action & TCPFSM_ACT_BIRTH)
		tcpfsm_seed_born(sk);
	else if (!tcpfsm_seed_seen(sk))
		action &= ~TCPFSM_ACT_LEAVES;
	return action;
}

/* Call @fn for each socket of one bucket of a nulls list, under @lock. */
typedef void (*tcpfsm_seed_fn)(struct sock *sk, unsigned long *n);

static void tcpfsm_seed_bucket(struct hlist_nulls_head *head, spinlock_t *lock,
			       tcpfsm_seed_fn fn, unsigned long *n)
{
	struct hlist_nulls_node *node;
	struct sock *sk;

	if (hlist_nulls_empty(head))
		return;
	spin_lock_bh(lock);
	sk_nulls_for_each(sk, node, head)
		fn(sk, n);
	spin_unlock_bh(lock);
}

/* Walk the listening and established tables of @hinfo. */
static void tcpfsm_seed_walk_table(struct inet_hashinfo *hinfo,
				   bool listeners, tcpfsm_seed_fn fn,
				   unsigned long *n)
{
	struct inet_listen_hashbucket *lb;
	unsigned int i, nlb = 0;

	lb = listeners ? tcpfsm_listen_buckets(hinfo, &nlb) : NULL;
	for (i = 0; i < nlb; i++) {
		tcpfsm_seed_bucket(&lb[i].nulls_head, &lb[i].lock, fn, n);
		cond_resched();
	}
	for (i = 0; i <= hinfo->ehash_mask; i++) {
		tcpfsm_seed_bucket(&hinfo->ehash[i].chain,
				   inet_ehash_lockp(hinfo, i), fn, n);
		if (!(i % 256))
			cond_resched();
	}
}

/*
 * Walk every TCP table: the shared one (the initial namespace's), and the
 * established tables that namespaces created with
 * net.ipv4.tcp_child_ehash_entries own (6.1+; their listening tables are
 * the shared one).
 */
static void tcpfsm_seed_walk(tcpfsm_seed_fn fn, unsigned long *n)
{
	struct inet_hashinfo *shared = tcpfsm_tcp_death_row(&init_net)->hashinfo;
	struct net *net;

	tcpfsm_seed_walk_table(shared, true, fn, n);
	down_read(&net_rwsem);
	for_each_net(net) {
		struct inet_hashinfo *hinfo = tcpfsm_tcp_death_row(net)->hashinfo;

		if (hinfo && hinfo != shared)
			tcpfsm_seed_walk_table(hinfo, false, fn, n);
	}
	up_read(&net_rwsem);
}

static void tcpfsm_seed_count(struct sock *sk, unsigned long *n)
{
	(*n)++;
}

/*
 * Add @sk to the gauge of @state, read before this call and settled,
 * unless a probe already accounts for it.
 */
static void tcpfsm_seed_account(struct sock *sk, int state, unsigned long *n)
{
	struct tcpfsm_ns_counters __percpu *ns;
	enum tcpfsm_tw_sub sub;
	long r;

	if (state >= TCPFSM_NSLOTS || !tcpfsm_state_has_gauge(state))
		return;
	/* Like the state, the substate is read before the insert. */
	sub = state == TCP_TIME_WAIT &&
	      READ_ONCE(inet_twsk(sk)->tw_substate) == TCP_FIN_WAIT2 ?
	      TCPFSM_TW_FIN_WAIT2 : TCPFSM_TW_TIME_WAIT;
	r = tcpfsm_sktable_insert(&tcpfsm_seed_set, sk);
	if (r == -ENOSPC)
		atomic_long_inc(&tcpfsm_seed_uncertain);
	if (r < 0)
		return;
	/*
	 * As in the probes: the namespace's counters stay alive while
	 * preemption is off (a bucket lock does not ensure it on PREEMPT_RT).
	 */
	preempt_disable();
	ns = tcpfsm_ns_counters(sock_net(sk));
	if (state == TCP_TIME_WAIT) {
		this_cpu_inc(tcpfsm_pcpu->tw_gauge[sub]);
		if (ns)
			this_cpu_inc(ns->tw_gauge[sub]);
	} else {
		this_cpu_inc(tcpfsm_pcpu->gauge[state]);
		if (ns)
			this_cpu_inc(ns->gauge[state]);
	}
	preempt_enable();
	(*n)++;
}

/* Account for @sk in the state it has now, which may not be settled. */
static void tcpfsm_seed_guess(struct sock *sk, unsigned long *n)
{
	atomic_long_inc(&tcpfsm_seed_uncertain);
	tcpfsm_seed_account(sk, inet_sk_state_load(sk), n);
}

/*
 * Hold a socket the walk found busy, to account for it once it is free.
 * With no room, or a socket on its way out, settle for a guess.
 */
static void tcpfsm_seed_defer(struct sock *sk, unsigned long *n)
{
	if (tcpfsm_seed_nbusy < TCPFSM_SEED_BUSY_MAX &&
	    refcount_inc_not_zero(&sk->sk_refcnt)) {
		tcpfsm_seed_busy[tcpfsm_seed_nbusy++] = sk;
		return;
	}
	tcpfsm_seed_guess(sk, n);
}

/* Account for one socket found by the walk, under its bucket's lock. */
static void tcpfsm_seed_add(struct sock *sk, unsigned long *n)
{
	int state = inet_sk_state_load(sk);

	if (state == TCP_NEW_SYN_RECV)
		return;
	if (state == TCP_TIME_WAIT) {
		tcpfsm_seed_account(sk, state, n);
		return;
	}
	if (sk->sk_protocol != IPPROTO_TCP)
		return;
	/*
	 * The kernel takes a bucket lock inside a socket's spinlock (to
	 * unhash it), so here, the other way round, only a try is safe.
	 */
	if (!spin_trylock(&sk->sk_lock.slock)) {
		tcpfsm_seed_defer(sk, n);
		return;
	}
	if (sock_owned_by_user_nocheck(sk))
		tcpfsm_seed_defer(sk, n);
	else
		tcpfsm_seed_account(sk, READ_ONCE(sk->sk_state), n);
	spin_unlock(&sk->sk_lock.slock);
}

/*
 * Account for the sockets the walk found busy, each once it is free: with
 * its spinlock held and no owner, its state is settled, as the walk would
 * have read it.  They are tried in turn, round after round, so the wait is
 * that of the socket held longest, not the sum of all.  An owner holds a
 * socket for the length of a system call, so that is short; it is bounded
 * all the same, so that a load never stalls: past TCPFSM_SEED_BUSY_WAIT, a
 * socket still owned is counted as it stands, with the doubt.
 */
static void tcpfsm_seed_settle(unsigned long *n)
{
	unsigned long deadline = jiffies + TCPFSM_SEED_BUSY_WAIT;
	unsigned int i, left = tcpfsm_seed_nbusy;

	for (;;) {
		for (i = 0; i < tcpfsm_seed_nbusy; i++) {
			struct sock *sk = tcpfsm_seed_busy[i];

			if (!sk)
				continue;
			spin_lock_bh(&sk->sk_lock.slock);
			if (sock_owned_by_user_nocheck(sk)) {
				spin_unlock_bh(&sk->sk_lock.slock);
				continue;
			}
			tcpfsm_seed_account(sk, READ_ONCE(sk->sk_state), n);
			spin_unlock_bh(&sk->sk_lock.slock);
			sock_put(sk);
			tcpfsm_seed_busy[i] = NULL;
			left--;
		}
		if (!left || time_after(jiffies, deadline))
			break;
		usleep_range(100, 200);
	}
	for (i = 0; i < tcpfsm_seed_nbusy; i++) {
		struct sock *sk = tcpfsm_seed_busy[i];

		if (sk) {
			tcpfsm_seed_guess(sk, n);
			sock_put(sk);
		}
	}
	tcpfsm_seed_waited += tcpfsm_seed_nbusy;
	tcpfsm_seed_nbusy = 0;
}

/*
 * Get ready to seed: size the set from a first count of the tables, and
 * make the probes record what they see.  Call before attaching them.
 */
int tcpfsm_seed_prepare(void)
{
	unsigned long n = 0;
	int err;

	tcpfsm_seed_walk(tcpfsm_seed_count, &n);
	/*
	 * Room for what is there and what appears meanwhile, at a load low
	 * enough that no 16-slot window fills up (at 2n some did, in a
	 * simulation of 30,000 keys; at 4n none).
	 */
	n = max(4 * n + 4096, 16384UL);
	err = tcpfsm_sktable_init(&tcpfsm_seed_set, n, false);
	if (err) {
		pr_err("cannot allocate the set that seeds the gauges (%lu slots)\n",
		       n);
		return err;
	}
	tcpfsm_seed_busy = kvcalloc(TCPFSM_SEED_BUSY_MAX,
				    sizeof(*tcpfsm_seed_busy), GFP_KERNEL);
	if (!tcpfsm_seed_busy) {
		tcpfsm_sktable_free(&tcpfsm_seed_set);
		pr_err("cannot allocate the list of busy sockets for seeding\n");
		return -ENOMEM;
	}
	static_branch_enable(&tcpfsm_seed_key);
	return 0;
}

/*
 * Seed the gauges; call with the probes attached.  Frees the set.  The
 * second walk finds the sockets that changed state just before the probes
 * were attached but joined a hash table only after the first walk had
 * passed their bucket (connect() hashes after SYN_SENT, listen() after
 * LISTEN); everything the first walk or a probe saw is skipped.
 */
void tcpfsm_seed_run(void)
{
	tcpfsm_seed_walk(tcpfsm_seed_add, &tcpfsm_seeded);
	tcpfsm_seed_settle(&tcpfsm_seeded);
	tcpfsm_seed_walk(tcpfsm_seed_add, &tcpfsm_seeded);
	tcpfsm_seed_settle(&tcpfsm_seeded);
	static_branch_disable(&tcpfsm_seed_key);
	/* Probes that still saw the key on must be done with the set. */
	synchronize_rcu();
	tcpfsm_sktable_free(&tcpfsm_seed_set);
	kvfree(tcpfsm_seed_busy);
	pr_info("gauges seeded with %lu sockets (%lu waited for while busy, %ld uncertain)\n",
		tcpfsm_seeded, tcpfsm_seed_waited,
		atomic_long_read(&tcpfsm_seed_uncertain));
}

/* Undo tcpfsm_seed_prepare() when loading fails before the walk. */
void tcpfsm_seed_cancel(void)
{
	static_branch_disable(&tcpfsm_seed_key);
	synchronize_rcu();
	tcpfsm_sktable_free(&tcpfsm_seed_set);
	kvfree(tcpfsm_seed_busy);
}

void tcpfsm_seed_stats(unsigned long *seeded, unsigned long *uncertain)
{
	*seeded = tcpfsm_seeded;
	*uncertain = atomic_long_read(&tcpfsm_seed_uncertain);
}
