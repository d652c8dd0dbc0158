// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm_stall.c - a test helper: hold one tcpfsm probe in flight
 *
 * unload_test loads this next to tcpfsm to see that unloading tcpfsm
 * waits for a probe that is still running.  Once "armed" is set, the first
 * time-in-state update (__tcpfsm_dwell_transition(), which the tracepoint
 * probe calls with preemption off) that comes on CPU "cpu" is held for
 * "ms" milliseconds at its entry, by a kprobe; "stalling" is 1 meanwhile
 * and "held" counts the probes held.  An unload that freed the time-in-state
 * table under the held probe would send it through a NULL pointer.
 *
 * Never for production: it busy-waits in softirq context on purpose.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/processor.h>
#include <linux/ptrace.h>
#include <linux/smp.h>

static int cpu = 1;
module_param(cpu, int, 0444);
MODULE_PARM_DESC(cpu, "The CPU whose probe is held (default 1)");

static unsigned int ms = 4000;
module_param(ms, uint, 0444);
MODULE_PARM_DESC(ms, "How long the probe is held, 1-15000 ms (default 4000)");

static int armed;
module_param(armed, int, 0644);
MODULE_PARM_DESC(armed, "Write 1 to hold the next probe on the CPU");

static int stalling;
module_param(stalling, int, 0444);
MODULE_PARM_DESC(stalling, "1 while a probe is held");

static unsigned int held;
module_param(held, uint, 0444);
MODULE_PARM_DESC(held, "Probes held so far");

/* Entry of __tcpfsm_dwell_transition(sk, from, to, birth). */
static int tcpfsm_stall_entry(struct kprobe *kp, struct pt_regs *regs)
{
	unsigned long from = regs_get_kernel_argument(regs, 1);
	unsigned long to = regs_get_kernel_argument(regs, 2);
	u64 until;

	/* from == to returns before the table: nothing to catch there. */
	if (from == to || raw_smp_processor_id() != cpu ||
	    cmpxchg(&armed, 1, 0) != 1)
		return 0;
	WRITE_ONCE(stalling, 1);
	until = ktime_get_mono_fast_ns() + (u64)ms * NSEC_PER_MSEC;
	while (ktime_get_mono_fast_ns() < until)
		cpu_relax();
	WRITE_ONCE(held, held + 1);
	WRITE_ONCE(stalling, 0);
	return 0;
}

static struct kprobe tcpfsm_stall_kp = {
	.symbol_name = "__tcpfsm_dwell_transition",
	.pre_handler = tcpfsm_stall_entry,
};

static int __init tcpfsm_stall_init(void)
{
	int err;

	if (ms < 1 || ms > 15000 || cpu < 0 || cpu >= nr_cpu_ids ||
	    !cpu_online(cpu)) {
		pr_err("ms must be 1-15000 and cpu an online CPU\n");
		return -EINVAL;
	}
	err = register_kprobe(&tcpfsm_stall_kp);
	if (err)
		pr_err("cannot probe %s (is tcpfsm loaded?): error %d\n",
		       tcpfsm_stall_kp.symbol_name, err);
	return err;
}

static void __exit tcpfsm_stall_exit(void)
{
	unregister_kprobe(&tcpfsm_stall_kp);
}

module_init(tcpfsm_stall_init);
module_exit(tcpfsm_stall_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tcpfsm test helper: hold one probe in flight");
