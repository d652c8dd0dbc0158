// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm_probe.c - the inet_sock_set_state probe and the judging of events
 *
 * The probe runs for every socket state change in the system, often in
 * softirq context: it only increments per-CPU counters.  Everything else
 * (describing the socket, logging, printing) happens on the rare path, for
 * transitions the table in force calls illegal.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/ipv6.h>
#include <linux/jump_label.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/uidgid.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "tcpfsm.h"
#include "tcpfsm_compat.h"

#define TCPFSM_TRACEPOINT "inet_sock_set_state"

static struct tracepoint *tcpfsm_tp;
/*
 * Whether the probe counts: switched on once tracepoint_probe_register()
 * has returned.  While it runs, the probe may see some events and miss
 * later ones: under churn, a child's birth (LISTEN -> SYN_RECV, reported
 * by inet_sk_set_state()) reached the probe and its SYN_RECV ->
 * ESTABLISHED a millisecond later (inet_sk_state_store()) did not, which
 * left the socket in the SYN_RECV gauge for good.  Events the probe lets
 * pass until then count as before the attach: seeding reads their result.
 * The key has this one call site, so that it switches at once.
 */
static DEFINE_STATIC_KEY_FALSE(tcpfsm_probe_live);
/*
 * The tracepoint's iterator, which calls the probes (with static calls and
 * one probe attached, the tracepoint calls it directly): its start and
 * size, so that recorded stacks can leave its frame out.
 */
static unsigned long tcpfsm_tp_iter;
static unsigned long tcpfsm_tp_iter_size;

/* Whether @addr lies in the tracepoint's iterator. */
bool tcpfsm_in_tracepoint(unsigned long addr)
{
	return addr - tcpfsm_tp_iter < tcpfsm_tp_iter_size;
}

/* Find the iterator's size from "name+0x0/0x50", if kallsyms knows it. */
static void tcpfsm_tp_iter_find(void)
{
	char sym[KSYM_SYMBOL_LEN];
	const char *size;

	tcpfsm_tp_iter = (unsigned long)tcpfsm_tp->iterator;
	tcpfsm_tp_iter_size = 0;
	sprint_symbol(sym, tcpfsm_tp_iter);
	size = strrchr(sym, '/');
	if (!size || kstrtoul(size + 1, 16, &tcpfsm_tp_iter_size))
		tcpfsm_tp_iter_size = 0;
}

/*
 * The cgroup v2 id a socket was created in, 0 if unknown.  The socket is
 * not changed: sock_cgroup_ptr() and, before 5.15, cgroup_id() only lack
 * the const.
 */
static u64 tcpfsm_sock_cgroup(const struct sock *sk)
{
#ifdef CONFIG_SOCK_CGROUP_DATA
	struct sock_cgroup_data *skcd = (struct sock_cgroup_data *)&sk->sk_cgrp_data;
	struct cgroup *cgrp = sock_cgroup_ptr(skcd);

	if (cgrp)
		return cgroup_id(cgrp);
#endif
	return 0;
}

/* Describe a socket's transition for judging and logging. */
void tcpfsm_event_from_sock(struct tcpfsm_event *ev, const struct sock *sk,
			    int from, int to)
{
	const struct inet_sock *inet = inet_sk(sk);

	memset(ev, 0, sizeof(*ev));
	ev->proto = tcpfsm_proto_index(sk->sk_protocol);
	ev->family = sk->sk_family;
	ev->from = from;
	ev->to = to;
	ev->sport = ntohs(inet->inet_sport);
	ev->dport = ntohs(inet->inet_dport);
	ipv6_addr_set_v4mapped(inet->inet_saddr, &ev->saddr);
	ipv6_addr_set_v4mapped(inet->inet_daddr, &ev->daddr);
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		ev->saddr = sk->sk_v6_rcv_saddr;
		ev->daddr = sk->sk_v6_daddr;
	}
#endif
	ev->netns = sock_net(sk)->ns.inum;
	ev->uid = from_kuid_munged(&init_user_ns, sk->sk_uid);
	ev->cgroup = tcpfsm_sock_cgroup(sk);
}

/* Whether this kernel's TCP has a state of value @state. */
static bool tcpfsm_tcp_state_known(int state)
{
	return tcpfsm_proto_state_name(TCPFSM_PROTO_TCP, state,
				       TCPFSM_TCP_MAX_STATES);
}

/* Count an illegal or unknown transition, log it and warn (rate-limited). */
static void tcpfsm_report(const struct tcpfsm_event *ev, u8 action)
{
	char from[16], to[16];

	this_cpu_inc(tcpfsm_pcpu->illegal);
	if ((action & TCPFSM_ACT_OUT_OF_RANGE) ||
	    (ev->proto == TCPFSM_PROTO_TCP &&
	     (!tcpfsm_tcp_state_known(ev->from) ||
	      !tcpfsm_tcp_state_known(ev->to))))
		this_cpu_inc(tcpfsm_pcpu->unknown_state);
	tcpfsm_log_add(ev);
	pr_warn_ratelimited("illegal %s transition %s -> %s%s (port %u -> %u, netns %u, comm %s)\n",
			    tcpfsm_proto_names[ev->proto],
			    tcpfsm_state_str(ev->proto, ev->from, from, sizeof(from)),
			    tcpfsm_state_str(ev->proto, ev->to, to, sizeof(to)),
			    ev->injected ? " [injected]" : "",
			    ev->sport, ev->dport, ev->netns, current->comm);
}

/* The rare path of the probe, kept out of line. */
static noinline void tcpfsm_report_sock(const struct sock *sk, int from,
					int to, u8 action)
{
	struct tcpfsm_event ev;

	tcpfsm_event_from_sock(&ev, sk, from, to);
	tcpfsm_report(&ev, action);
}

/*
 * Judge a written transition exactly as the probe would.  It counts as
 * injected, and as illegal if it is, never in the transition counts.
 */
void tcpfsm_judge(struct tcpfsm_event *ev)
{
	u8 action = tcpfsm_action(tcpfsm_actions, ev->proto, ev->from, ev->to);

	this_cpu_inc(tcpfsm_pcpu->injected);
	if (action & TCPFSM_ACT_REPORT)
		tcpfsm_report(ev, action);
}

/* Per-namespace counts and TCP gauges, as tcpfsm_count() did globally. */
static void tcpfsm_count_netns(const struct sock *sk, unsigned int from,
			       unsigned int to, u8 action)
{
	unsigned int proto = tcpfsm_proto_index(sk->sk_protocol);
	struct tcpfsm_ns_counters __percpu *ns;

	ns = tcpfsm_ns_counters(sock_net(sk));
	if (!ns)
		return;
	this_cpu_inc(ns->entered[proto][to]);
	if (!(action & TCPFSM_ACT_BIRTH))
		this_cpu_inc(ns->exited[proto][from]);
	if (proto != TCPFSM_PROTO_TCP)
		return;
	if (action & TCPFSM_ACT_LEAVES)
		this_cpu_dec(ns->gauge[from]);
	this_cpu_inc(ns->gauge[to]);
}

/*
 * The probe: called for every inet_sock_set_state event, before the socket
 * takes its new state.  Per-CPU increments only; the optional features sit
 * behind static keys, and illegal transitions leave for the rare path.
 */
static void tcpfsm_probe(void *data, const struct sock *sk, const int oldstate,
			 const int newstate)
{
	u8 action;

	if (!static_branch_likely(&tcpfsm_probe_live))
		return;
	/*
	 * Until 6.x a tracepoint calls its probes with preemption disabled;
	 * 7.x calls them under SRCU, preemptible.  Everything below counts
	 * on one CPU from start to end, and the frees of unload, seeding and
	 * namespace exit wait for this section with synchronize_rcu().
	 */
	preempt_disable_notrace();
	action = tcpfsm_count(tcpfsm_pcpu, tcpfsm_actions, sk, sk->sk_protocol,
			      oldstate, newstate);
	if (unlikely(action & TCPFSM_ACT_OUT_OF_RANGE))
		goto report;
	if (tcpfsm_dwell_active() && sk->sk_protocol == IPPROTO_TCP)
		__tcpfsm_dwell_transition(sk, oldstate, newstate,
					  (action & TCPFSM_ACT_BIRTH) ||
					  oldstate == TCPFSM_CLOSE);
	if (tcpfsm_netns_active())
		tcpfsm_count_netns(sk, oldstate, newstate, action);
report:
	if (unlikely(action & TCPFSM_ACT_REPORT))
		tcpfsm_report_sock(sk, oldstate, newstate, action);
	preempt_enable_notrace();
}

static void tcpfsm_find_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, TCPFSM_TRACEPOINT))
		*(struct tracepoint **)priv = tp;
}

/* Find the (unexported) tracepoint and attach the probe to it. */
int tcpfsm_probe_attach(void)
{
	int err;

	for_each_kernel_tracepoint(tcpfsm_find_tracepoint, &tcpfsm_tp);
	if (!tcpfsm_tp) {
		pr_err("tracepoint %s not found: this kernel does not report socket state changes\n",
		       TCPFSM_TRACEPOINT);
		return -ENOENT;
	}
	tcpfsm_tp_iter_find();
	err = tracepoint_probe_register(tcpfsm_tp, tcpfsm_probe, NULL);
	if (err) {
		pr_err("cannot attach to tracepoint %s: error %d\n",
		       TCPFSM_TRACEPOINT, err);
		tcpfsm_tp = NULL;
		return err;
	}
	static_branch_enable(&tcpfsm_probe_live);
	return 0;
}

/* Detach the probe and wait until no CPU can still be running it. */
void tcpfsm_probe_detach(void)
{
	static_branch_disable(&tcpfsm_probe_live);
	tracepoint_probe_unregister(tcpfsm_tp, tcpfsm_probe, NULL);
	tracepoint_synchronize_unregister();
	tcpfsm_tp = NULL;
}
