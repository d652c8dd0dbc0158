// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm_timewait.c - TIME_WAIT, which the tracepoint never reports
 *
 * Linux hands a closing connection over to a small inet_timewait_sock and
 * frees the full socket, so inet_sock_set_state shows FIN_WAIT2 -> CLOSE or
 * CLOSING -> CLOSE and nothing of the 2MSL wait.  Kprobes on the time-wait
 * code fill the gap (docs/internals.md explains the choice):
 *
 *   inet_twsk_hashdance()         the time-wait sock becomes visible
 *                                 (inet_twsk_hashdance_schedule() since 6.10)
 *   tcp_timewait_state_process()  (return probe) FIN_WAIT2 -> TIME_WAIT
 *   tw_timer_handler()            the kill that follows is a timer expiry
 *   inet_twsk_kill()              the time-wait sock is unhashed
 *
 * If any of them cannot be placed, nothing is tracked and the rest of the
 * module works as before.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <net/inet_timewait_sock.h>
#include <net/net_namespace.h>
#include <net/tcp.h>
#include <net/timewait_sock.h>

#include "tcpfsm.h"
#include "tcpfsm_compat.h"

bool tcpfsm_timewait_tracking __read_mostly;

/* The time-wait sock whose timer is being handled on this CPU. */
static DEFINE_PER_CPU(const struct inet_timewait_sock *, tcpfsm_tw_expiring);
/* Whether the probes count: set once all of them are placed. */
static bool tcpfsm_tw_live;

static enum tcpfsm_tw_sub tcpfsm_tw_sub(const struct inet_timewait_sock *tw)
{
	return READ_ONCE(tw->tw_substate) == TCP_FIN_WAIT2 ?
	       TCPFSM_TW_FIN_WAIT2 : TCPFSM_TW_TIME_WAIT;
}

/*
 * DCCP shares the time-wait code (until 6.16); only TCP's socks are
 * counted.  A time-wait sock belongs to the death row it was made for:
 * TCP's is its namespace's, DCCP's is global.
 */
static bool tcpfsm_tw_is_tcp(const struct inet_timewait_sock *tw)
{
	return tw->tw_dr == tcpfsm_tcp_death_row(twsk_net(tw));
}

/*
 * A time-wait sock enters substate @sub: its gauge, and in its namespace
 * either an entry into TIME_WAIT or an orphan that stays in FIN_WAIT2.
 */
static void tcpfsm_tw_count_in(struct tcpfsm_ns_counters __percpu *ns,
			       enum tcpfsm_tw_sub sub)
{
	this_cpu_inc(tcpfsm_pcpu->tw_gauge[sub]);
	if (!ns)
		return;
	this_cpu_inc(ns->tw_gauge[sub]);
	if (sub == TCPFSM_TW_TIME_WAIT)
		this_cpu_inc(ns->entered[TCPFSM_PROTO_TCP][TCPFSM_TIME_WAIT]);
	else
		this_cpu_inc(ns->tw_fw2_entered);
}

/* inet_twsk_hashdance(tw, sk, ...): sk hands over to tw. */
static int tcpfsm_tw_enter(struct kprobe *kp, struct pt_regs *regs)
{
	const struct inet_timewait_sock *tw =
		(void *)regs_get_kernel_argument(regs, 0);
	const struct sock *sk = (void *)regs_get_kernel_argument(regs, 1);
	enum tcpfsm_tw_sub sub;
	unsigned int from;

	if (!READ_ONCE(tcpfsm_tw_live) || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	sub = tcpfsm_tw_sub(tw);
	from = READ_ONCE(sk->sk_state);
	if (from >= TCPFSM_NSLOTS)
		from = 0;
	this_cpu_inc(tcpfsm_pcpu->tw_handoff[from][sub]);
	tcpfsm_tw_count_in(tcpfsm_ns_counters(sock_net(sk)), sub);
	if (tcpfsm_seed_active())
		tcpfsm_seed_born(tw);
	if (tcpfsm_dwell_active())
		__tcpfsm_dwell_handover(sk, from, tw, sub == TCPFSM_TW_TIME_WAIT ?
					TCPFSM_TIME_WAIT : TCPFSM_FIN_WAIT2);
	return 0;
}

/* tw_timer_handler(timer): the inet_twsk_kill() that follows is expiry. */
static int tcpfsm_tw_timer(struct kprobe *kp, struct pt_regs *regs)
{
	struct timer_list *t = (void *)regs_get_kernel_argument(regs, 0);

	this_cpu_write(tcpfsm_tw_expiring,
		       container_of(t, struct inet_timewait_sock, tw_timer));
	return 0;
}

/* inet_twsk_kill(tw): the time-wait sock leaves the hash tables. */
static int tcpfsm_tw_exit(struct kprobe *kp, struct pt_regs *regs)
{
	const struct inet_timewait_sock *tw =
		(void *)regs_get_kernel_argument(regs, 0);
	struct tcpfsm_ns_counters __percpu *ns;
	bool expiring = this_cpu_read(tcpfsm_tw_expiring) == tw;
	enum tcpfsm_tw_sub sub;
	enum tcpfsm_tw_exit why;
	bool counted = true;

	/* Forget the timer's sock whatever its protocol: no later sock matches. */
	if (expiring)
		this_cpu_write(tcpfsm_tw_expiring, NULL);
	if (!READ_ONCE(tcpfsm_tw_live) || !tcpfsm_tw_is_tcp(tw))
		return 0;
	sub = tcpfsm_tw_sub(tw);
	if (expiring)
		why = TCPFSM_TW_EXIT_TIMER;
	else if (!check_net(twsk_net(tw)))
		why = TCPFSM_TW_EXIT_NETNS;
	else
		why = TCPFSM_TW_EXIT_EARLY;
	this_cpu_inc(tcpfsm_pcpu->tw_exits[sub][why]);
	if (tcpfsm_seed_active())
		counted = tcpfsm_seed_seen(tw);
	ns = tcpfsm_ns_counters(twsk_net(tw));
	if (counted) {
		this_cpu_dec(tcpfsm_pcpu->tw_gauge[sub]);
		if (ns)
			this_cpu_dec(ns->tw_gauge[sub]);
	}
	if (ns && sub == TCPFSM_TW_TIME_WAIT)
		this_cpu_inc(ns->exited[TCPFSM_PROTO_TCP][TCPFSM_TIME_WAIT]);
	else if (ns)
		this_cpu_inc(ns->tw_fw2_left);
	if (tcpfsm_dwell_active())
		__tcpfsm_dwell_tw_gone(tw);
	return 0;
}

/*
 * tcp_timewait_state_process(tw, ...): watch only substate FIN_WAIT2.
 * While the gauges are seeded, claim the sock for the seeding here, before
 * the kernel can change its substate: if the walk has not counted it yet,
 * count it in FIN_WAIT2 as the walk would have (see tcpfsm_seed.c).
 */
static int tcpfsm_tw_process_entry(struct kretprobe_instance *ri,
				   struct pt_regs *regs)
{
	const struct inet_timewait_sock *tw =
		(void *)regs_get_kernel_argument(regs, 0);

	if (!READ_ONCE(tcpfsm_tw_live) ||
	    tcpfsm_tw_sub(tw) != TCPFSM_TW_FIN_WAIT2)
		return 1;	/* no return probe needed */
	if (tcpfsm_seed_active() && !tcpfsm_seed_seen(tw)) {
		struct tcpfsm_ns_counters __percpu *ns;

		this_cpu_inc(tcpfsm_pcpu->tw_gauge[TCPFSM_TW_FIN_WAIT2]);
		ns = tcpfsm_ns_counters(twsk_net(tw));
		if (ns)
			this_cpu_inc(ns->tw_gauge[TCPFSM_TW_FIN_WAIT2]);
	}
	*(const struct inet_timewait_sock **)ri->data = tw;
	return 0;
}

/*
 * The peer's FIN arrived in substate FIN_WAIT2: the orphan now enters
 * TIME_WAIT.  That path returns TCP_TW_ACK with the sock still referenced
 * (the caller sends the ACK, then drops it), so it is safe to read.
 */
static int tcpfsm_tw_process_ret(struct kretprobe_instance *ri,
				 struct pt_regs *regs)
{
	const struct inet_timewait_sock *tw =
		*(const struct inet_timewait_sock **)ri->data;
	struct tcpfsm_ns_counters __percpu *ns;

	/* An enum in the return register: only its low 32 bits are defined. */
	if ((int)regs_return_value(regs) != TCP_TW_ACK ||
	    tcpfsm_tw_sub(tw) != TCPFSM_TW_TIME_WAIT)
		return 0;
	this_cpu_inc(tcpfsm_pcpu->tw_fw2_to_tw);
	/* The entry handler made sure the sock is counted in FIN_WAIT2. */
	this_cpu_dec(tcpfsm_pcpu->tw_gauge[TCPFSM_TW_FIN_WAIT2]);
	ns = tcpfsm_ns_counters(twsk_net(tw));
	if (ns) {
		this_cpu_dec(ns->tw_gauge[TCPFSM_TW_FIN_WAIT2]);
		this_cpu_inc(ns->tw_fw2_left);
	}
	tcpfsm_tw_count_in(ns, TCPFSM_TW_TIME_WAIT);
	if (tcpfsm_dwell_active())
		__tcpfsm_dwell_tw_fin(tw);
	return 0;
}

static struct kprobe tcpfsm_tw_enter_kp = {
	.pre_handler = tcpfsm_tw_enter,
};

static struct kprobe tcpfsm_tw_timer_kp = {
	.symbol_name = "tw_timer_handler",
	.pre_handler = tcpfsm_tw_timer,
};

static struct kprobe tcpfsm_tw_exit_kp = {
	.symbol_name = "inet_twsk_kill",
	.pre_handler = tcpfsm_tw_exit,
};

static struct kretprobe tcpfsm_tw_process_rp = {
	.kp.symbol_name = "tcp_timewait_state_process",
	.entry_handler = tcpfsm_tw_process_entry,
	.handler = tcpfsm_tw_process_ret,
	.data_size = sizeof(struct inet_timewait_sock *),
};

/* Place the entry probe on whichever name this kernel uses. */
static int tcpfsm_tw_register_enter(void)
{
	const char *name;
	int err = -ENOENT;
	unsigned int i;

	for (i = 0; (name = tcpfsm_tw_hashdance_symbol(i)); i++) {
		tcpfsm_tw_enter_kp.symbol_name = name;
		tcpfsm_tw_enter_kp.addr = NULL;
		err = register_kprobe(&tcpfsm_tw_enter_kp);
		if (!err)
			return 0;
	}
	return err;
}

/*
 * Place the probes, then let them count: no time-wait sock is counted in
 * or out by one probe while another cannot see it yet.  Returns 0 whether or not tracking could be
 * set up; tcpfsm_timewait_tracking says which.
 */
int tcpfsm_timewait_init(bool wanted)
{
	const char *what;
	int err;

	if (!wanted) {
		pr_info("time-wait tracking off (timewait=0)\n");
		return 0;
	}
	what = tcpfsm_tw_exit_kp.symbol_name;
	err = register_kprobe(&tcpfsm_tw_exit_kp);
	if (err)
		goto out_fail;
	what = tcpfsm_tw_timer_kp.symbol_name;
	err = register_kprobe(&tcpfsm_tw_timer_kp);
	if (err)
		goto out_unregister_exit;
	what = tcpfsm_tw_process_rp.kp.symbol_name;
	tcpfsm_tw_process_rp.maxactive = max_t(int, 16, 4 * num_possible_cpus());
	err = register_kretprobe(&tcpfsm_tw_process_rp);
	if (err)
		goto out_unregister_timer;
	what = "inet_twsk_hashdance_schedule or inet_twsk_hashdance";
	err = tcpfsm_tw_register_enter();
	if (err)
		goto out_unregister_process;
	/*
	 * Every probe in place, counting starts at once for all of them, and
	 * the seeding walk (next) starts after every handler that still saw
	 * it off.  Counting as each probe came in let a sock be killed, its
	 * address claimed for the seeding, and a new sock at that address
	 * (time-wait socks are SLAB_TYPESAFE_BY_RCU) enter unseen before the
	 * hand-over probe was placed: the walk then skipped it as claimed,
	 * and its death took it off a gauge it was never on.
	 */
	WRITE_ONCE(tcpfsm_tw_live, true);
	synchronize_rcu();
	tcpfsm_timewait_tracking = true;
	return 0;

out_unregister_process:
	unregister_kretprobe(&tcpfsm_tw_process_rp);
out_unregister_timer:
	unregister_kprobe(&tcpfsm_tw_timer_kp);
out_unregister_exit:
	unregister_kprobe(&tcpfsm_tw_exit_kp);
out_fail:
	pr_warn("time-wait tracking unavailable: cannot probe %s (error %d); everything else works\n",
		what, err);
	return 0;
}

/* Remove the probes; returns once no handler can be running. */
void tcpfsm_timewait_exit(void)
{
	if (!tcpfsm_timewait_tracking)
		return;
	unregister_kprobe(&tcpfsm_tw_enter_kp);
	unregister_kretprobe(&tcpfsm_tw_process_rp);
	unregister_kprobe(&tcpfsm_tw_timer_kp);
	unregister_kprobe(&tcpfsm_tw_exit_kp);
	WRITE_ONCE(tcpfsm_tw_live, false);
	tcpfsm_timewait_tracking = false;
}

/*
 * Hits the probes missed: a return probe that found no free instance, or a
 * probe hit while another kprobe ran on the same CPU.  Each can leave a
 * gauge wrong by one.
 */
unsigned long tcpfsm_timewait_missed(void)
{
	if (!tcpfsm_timewait_tracking)
		return 0;
	return tcpfsm_tw_process_rp.nmissed + tcpfsm_tw_process_rp.kp.nmissed +
	       tcpfsm_tw_enter_kp.nmissed + tcpfsm_tw_timer_kp.nmissed +
	       tcpfsm_tw_exit_kp.nmissed;
}
