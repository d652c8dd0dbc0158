// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm_netns.c - counters per network namespace
 *
 * Each namespace gets its own per-CPU counters when it appears, up to
 * netns_cap of them; the namespaces beyond the cap share one "other" set.
 * Counters are allocated by the pernet init hook, never by a probe,
 * unpublished by the pre-exit hook and freed by the exit hook, after the
 * grace period the pernet core waits for in between.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/jump_label.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/rtnetlink.h>
#include <linux/rwsem.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "tcpfsm.h"

/* What the pernet core allocates for us in every namespace. */
struct tcpfsm_net {
	/* What the probes use: NULL if folded, or once the namespace dies. */
	struct tcpfsm_ns_counters __percpu *pcpu;
	struct tcpfsm_ns_counters __percpu *owned;	/* what we free */
	struct tcpfsm_ns_counters *baseline;
	bool folded;
};

DEFINE_STATIC_KEY_FALSE(tcpfsm_netns_key);

static unsigned int tcpfsm_net_id __read_mostly;
static struct tcpfsm_ns_counters __percpu *tcpfsm_ns_other __read_mostly;
static struct tcpfsm_ns_counters *tcpfsm_ns_other_baseline;
static atomic_t tcpfsm_ns_tracked = ATOMIC_INIT(0);
static atomic_t tcpfsm_ns_folded = ATOMIC_INIT(0);
/* Serialises resets against readers of the baselines. */
static DEFINE_MUTEX(tcpfsm_ns_lock);

static_assert(sizeof(struct tcpfsm_ns_counters) % sizeof(u64) == 0,
	      "summed as an array of u64");

/*
 * The counters a namespace's events go to, or NULL while the namespace is
 * set up or torn down.  Called by the probes, which run with preemption
 * disabled (tcpfsm_probe() sees to it on kernels whose tracepoints do not):
 * that keeps the counters alive (see tcpfsm_net_pre_exit()).
 */
struct tcpfsm_ns_counters __percpu *tcpfsm_ns_counters(const struct net *net)
{
	struct tcpfsm_ns_counters __percpu *c;
	struct tcpfsm_net *pn;

	/* Without the pernet ops, tcpfsm_net_id names someone else's data. */
	if (!tcpfsm_netns_active())
		return NULL;
	/*
	 * net_generic() without its rcu_read_lock(), two calls on a
	 * preemptible kernel: preemption is already disabled here, which is
	 * a read-side critical section of RCU too.
	 */
	pn = rcu_dereference_sched(net->gen)->ptr[tcpfsm_net_id];
	if (unlikely(!pn))
		return NULL;
	c = READ_ONCE(pn->pcpu);
	if (likely(c))
		return c;
	return READ_ONCE(pn->folded) ? tcpfsm_ns_other : NULL;
}

/* Give a namespace its own counters, or fold it into "other". */
static int __net_init tcpfsm_net_init(struct net *net)
{
	struct tcpfsm_net *pn = net_generic(net, tcpfsm_net_id);

	if (atomic_inc_return(&tcpfsm_ns_tracked) <= tcpfsm_netns_cap) {
		pn->baseline = kzalloc(sizeof(*pn->baseline), GFP_KERNEL);
		pn->owned = alloc_percpu(struct tcpfsm_ns_counters);
		if (pn->baseline && pn->owned) {
			WRITE_ONCE(pn->pcpu, pn->owned);
			return 0;
		}
		/* Counted under "other" rather than failing the namespace. */
		kfree(pn->baseline);
		free_percpu(pn->owned);
		pn->baseline = NULL;
		pn->owned = NULL;
	}
	atomic_dec(&tcpfsm_ns_tracked);
	atomic_inc(&tcpfsm_ns_folded);
	WRITE_ONCE(pn->folded, true);
	return 0;
}

/*
 * A namespace is going away: stop the probes from finding its counters.
 * The pernet core waits for an RCU grace period (the probes run with
 * preemption disabled) before calling tcpfsm_net_exit().  A folded
 * namespace stays folded: "other" outlives it, and its last events (the
 * purge of its time-wait socks) must leave "other" too.
 */
static void __net_exit tcpfsm_net_pre_exit(struct net *net)
{
	struct tcpfsm_net *pn = net_generic(net, tcpfsm_net_id);

	WRITE_ONCE(pn->pcpu, NULL);
	if (pn->folded)
		atomic_dec(&tcpfsm_ns_folded);
}

/* Free a dead namespace's counters; no probe can reach them any more. */
static void __net_exit tcpfsm_net_exit(struct net *net)
{
	struct tcpfsm_net *pn = net_generic(net, tcpfsm_net_id);

	if (!pn->owned)
		return;
	free_percpu(pn->owned);
	kfree(pn->baseline);
	pn->owned = NULL;
	pn->baseline = NULL;
	atomic_dec(&tcpfsm_ns_tracked);
}

static struct pernet_operations tcpfsm_net_ops = {
	.init = tcpfsm_net_init,
	.pre_exit = tcpfsm_net_pre_exit,
	.exit = tcpfsm_net_exit,
	.id = &tcpfsm_net_id,
	.size = sizeof(struct tcpfsm_net),
};

/*
 * Allocate "other" and give every existing namespace its counters; with
 * netns_cap=0 per-namespace counting is off.
 */
int tcpfsm_netns_init(void)
{
	int err;

	if (!tcpfsm_netns_cap)
		return 0;
	tcpfsm_ns_other = alloc_percpu(struct tcpfsm_ns_counters);
	tcpfsm_ns_other_baseline = kzalloc(sizeof(*tcpfsm_ns_other_baseline),
					   GFP_KERNEL);
	if (!tcpfsm_ns_other || !tcpfsm_ns_other_baseline) {
		pr_err("cannot allocate the counters of namespace group \"other\"\n");
		err = -ENOMEM;
		goto out_free_other;
	}
	err = register_pernet_subsys(&tcpfsm_net_ops);
	if (err)
		goto out_free_other;
	static_branch_enable(&tcpfsm_netns_key);
	return 0;

out_free_other:
	kfree(tcpfsm_ns_other_baseline);
	free_percpu(tcpfsm_ns_other);
	return err;
}

/* Free everything; no probe may run any more. */
void tcpfsm_netns_exit(void)
{
	if (!tcpfsm_netns_active())
		return;
	static_branch_disable(&tcpfsm_netns_key);
	unregister_pernet_subsys(&tcpfsm_net_ops);
	kfree(tcpfsm_ns_other_baseline);
	free_percpu(tcpfsm_ns_other);
}

void tcpfsm_netns_stats(unsigned int *tracked, unsigned int *folded,
			size_t *bytes)
{
	const size_t one = sizeof(struct tcpfsm_ns_counters);

	*tracked = atomic_read(&tcpfsm_ns_tracked);
	*folded = atomic_read(&tcpfsm_ns_folded);
	/* Per-CPU counters and a baseline for each, "other" included. */
	*bytes = tcpfsm_netns_active() ?
		 (*tracked + 1) * one * (num_possible_cpus() + 1) : 0;
}

/* Sum @pcpu into @sum, less @baseline except for the gauges. */
static void tcpfsm_ns_read(struct tcpfsm_ns_counters __percpu *pcpu,
			   const struct tcpfsm_ns_counters *baseline,
			   struct tcpfsm_ns_counters *sum)
{
	const size_t words = offsetof(struct tcpfsm_ns_counters, gauge) /
			     sizeof(u64);
	const u64 *base = (const u64 *)baseline;
	u64 *w = (u64 *)sum;
	size_t i;

	tcpfsm_sum_percpu(pcpu, sizeof(*sum), w);
	for (i = 0; i < words; i++)
		w[i] -= base[i];
}

/* Print the lines of one namespace (or "other") that are not all zero. */
static void tcpfsm_ns_show_one(struct seq_file *m, const char *name,
			       const struct tcpfsm_ns_counters *c)
{
	unsigned int p, s;
	char buf[16];

	for (p = 0; p < TCPFSM_NPROTO; p++)
		for (s = 0; s < TCPFSM_NSLOTS; s++) {
			bool gauge = p == TCPFSM_PROTO_TCP &&
				     tcpfsm_state_has_gauge(s);
			s64 cur = gauge ? tcpfsm_current(c->gauge, c->tw_gauge, s) : 0;
			u64 exited = c->exited[p][s];

			/* As in "states": the orphan stays in FIN_WAIT2. */
			if (p == TCPFSM_PROTO_TCP && s == TCPFSM_FIN_WAIT2)
				exited += c->tw_fw2_left - c->tw_fw2_entered;
			if (!cur && !c->entered[p][s] && !exited)
				continue;
			seq_printf(m, "%s %s %s ", name, tcpfsm_proto_names[p],
				   tcpfsm_state_str(p, s, buf, sizeof(buf)));
			if (gauge)
				seq_printf(m, "%lld", cur);
			else
				seq_putc(m, '-');
			seq_printf(m, " %llu %llu\n", c->entered[p][s], exited);
		}
}

/* The "netns" file: every namespace with its own counters, then "other". */
int tcpfsm_netns_show(struct seq_file *m)
{
	struct tcpfsm_ns_counters *sum = kmalloc(sizeof(*sum), GFP_KERNEL);
	char name[16];
	struct net *net;

	if (!sum)
		return -ENOMEM;
	seq_printf(m, "# tcpfsm netns format %d\n", TCPFSM_FORMAT_VERSION);
	seq_puts(m, "# NETNS PROTO STATE CURRENT ENTERED EXITED\n");
	down_read(&net_rwsem);
	mutex_lock(&tcpfsm_ns_lock);
	for_each_net(net) {
		struct tcpfsm_net *pn = net_generic(net, tcpfsm_net_id);

		if (!pn || !pn->owned)
			continue;
		tcpfsm_ns_read(pn->owned, pn->baseline, sum);
		snprintf(name, sizeof(name), "%u", net->ns.inum);
		tcpfsm_ns_show_one(m, name, sum);
	}
	tcpfsm_ns_read(tcpfsm_ns_other, tcpfsm_ns_other_baseline, sum);
	tcpfsm_ns_show_one(m, "other", sum);
	mutex_unlock(&tcpfsm_ns_lock);
	up_read(&net_rwsem);
	kfree(sum);
	return 0;
}

/* Record the baselines of every namespace for "reset". */
int tcpfsm_netns_reset(void)
{
	struct tcpfsm_ns_counters *sum = kmalloc(sizeof(*sum), GFP_KERNEL);
	const size_t resettable = offsetof(struct tcpfsm_ns_counters, gauge);
	struct net *net;

	if (!sum)
		return -ENOMEM;
	down_read(&net_rwsem);
	mutex_lock(&tcpfsm_ns_lock);
	for_each_net(net) {
		struct tcpfsm_net *pn = net_generic(net, tcpfsm_net_id);

		if (!pn || !pn->owned)
			continue;
		tcpfsm_sum_percpu(pn->owned, sizeof(*sum), (u64 *)sum);
		memcpy(pn->baseline, sum, resettable);
	}
	tcpfsm_sum_percpu(tcpfsm_ns_other, sizeof(*sum), (u64 *)sum);
	memcpy(tcpfsm_ns_other_baseline, sum, resettable);
	mutex_unlock(&tcpfsm_ns_lock);
	up_read(&net_rwsem);
	kfree(sum);
	return 0;
}
