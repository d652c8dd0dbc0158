// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm_counters.c - per-CPU counters and their reset baseline
 *
 * The probes change only their own CPU's copy, so they need no lock and no
 * atomic instruction.  A reset never writes to another CPU's copy (that
 * would race with its increments and lose counts): it records the current
 * sums as a baseline, and readers report sum - baseline.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "tcpfsm.h"

struct tcpfsm_counters __percpu *tcpfsm_pcpu __read_mostly;

/* Serialises resets against readers, so a read sees one baseline. */
static DEFINE_MUTEX(tcpfsm_baseline_lock);
static struct tcpfsm_counters *tcpfsm_baseline;

/* Allocate zeroed per-CPU counters and the baseline. */
int tcpfsm_counters_init(void)
{
	tcpfsm_pcpu = alloc_percpu(struct tcpfsm_counters);
	if (!tcpfsm_pcpu)
		goto out_nomem;
	tcpfsm_baseline = kvzalloc(sizeof(*tcpfsm_baseline), GFP_KERNEL);
	if (!tcpfsm_baseline)
		goto out_free_pcpu;
	return 0;

out_free_pcpu:
	free_percpu(tcpfsm_pcpu);
out_nomem:
	pr_err("cannot allocate the counters (%zu bytes per CPU)\n",
	       sizeof(struct tcpfsm_counters));
	return -ENOMEM;
}

/* Free what tcpfsm_counters_init() allocated; no probe may run any more. */
void tcpfsm_counters_exit(void)
{
	kvfree(tcpfsm_baseline);
	free_percpu(tcpfsm_pcpu);
}

/*
 * Sum every CPU's copy of a per-CPU structure made only of 64-bit
 * counters into @sum (@size bytes).  Signed gauges sum correctly too.
 */
void tcpfsm_sum_percpu(const void __percpu *pcpu, size_t size, u64 *sum)
{
	size_t i, words = size / sizeof(u64);
	unsigned int cpu;

	memset(sum, 0, size);
	for_each_possible_cpu(cpu) {
		const u64 *c = per_cpu_ptr(pcpu, cpu);

		for (i = 0; i < words; i++)
			sum[i] += READ_ONCE(c[i]);
	}
}

/* Read all counters as of the last reset; gauges are absolute. */
void tcpfsm_counters_read(struct tcpfsm_counters *sum)
{
	const u64 *base = (const u64 *)tcpfsm_baseline;
	u64 *words = (u64 *)sum;
	size_t i;

	mutex_lock(&tcpfsm_baseline_lock);
	tcpfsm_sum_percpu(tcpfsm_pcpu, sizeof(*sum), words);
	for (i = 0; i < TCPFSM_RESETTABLE_WORDS; i++)
		words[i] -= base[i];
	mutex_unlock(&tcpfsm_baseline_lock);
}

/* Start every resettable counter again from zero; gauges are kept. */
void tcpfsm_counters_reset(void)
{
	mutex_lock(&tcpfsm_baseline_lock);
	tcpfsm_sum_percpu(tcpfsm_pcpu, sizeof(*tcpfsm_baseline),
			  (u64 *)tcpfsm_baseline);
	mutex_unlock(&tcpfsm_baseline_lock);
}
