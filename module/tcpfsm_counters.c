// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm_counters.c - per-CPU counters and their reset baseline
 *
 * The probe increments only its own CPU's copy, so it needs no lock and no
 * atomic instruction.  A reset never writes to another CPU's copy (that
 * would race with its increments and lose counts): it records the current
 * sums as a baseline, and readers report sum - baseline.
 */
#include <linux/cpumask.h>
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
		return -ENOMEM;
	tcpfsm_baseline = kzalloc(sizeof(*tcpfsm_baseline), GFP_KERNEL);
	if (!tcpfsm_baseline) {
		free_percpu(tcpfsm_pcpu);
		return -ENOMEM;
	}
	return 0;
}

/* Free what tcpfsm_counters_init() allocated; the probe must be detached. */
void tcpfsm_counters_exit(void)
{
	kfree(tcpfsm_baseline);
	free_percpu(tcpfsm_pcpu);
}

/* Add @n u64 counters at @src into @dst. */
static void tcpfsm_add(u64 *dst, const u64 *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] += READ_ONCE(src[i]);
}

/* Sum every CPU's counters into @sum, without the baseline applied. */
static void tcpfsm_counters_sum(struct tcpfsm_counters *sum)
{
	unsigned int cpu, s;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct tcpfsm_counters *c = per_cpu_ptr(tcpfsm_pcpu, cpu);

		tcpfsm_add(&sum->transitions[0][0][0], &c->transitions[0][0][0],
			   sizeof(c->transitions) / sizeof(u64));
		sum->out_of_range += READ_ONCE(c->out_of_range);
		sum->illegal += READ_ONCE(c->illegal);
		sum->unknown_state += READ_ONCE(c->unknown_state);
		sum->injected += READ_ONCE(c->injected);
		for (s = 0; s < TCPFSM_NSLOTS; s++)
			sum->gauge[s] += READ_ONCE(c->gauge[s]);
	}
}

/* Read all counters as of the last reset; gauges are absolute. */
void tcpfsm_counters_read(struct tcpfsm_counters *sum)
{
	const struct tcpfsm_counters *base = tcpfsm_baseline;
	u64 *cell = &sum->transitions[0][0][0];
	const u64 *bcell = &base->transitions[0][0][0];
	size_t i;

	mutex_lock(&tcpfsm_baseline_lock);
	tcpfsm_counters_sum(sum);
	for (i = 0; i < sizeof(sum->transitions) / sizeof(u64); i++)
		cell[i] -= bcell[i];
	sum->out_of_range -= base->out_of_range;
	sum->illegal -= base->illegal;
	sum->unknown_state -= base->unknown_state;
	sum->injected -= base->injected;
	mutex_unlock(&tcpfsm_baseline_lock);
}

/* Start every resettable counter again from zero; gauges are kept. */
void tcpfsm_counters_reset(void)
{
	mutex_lock(&tcpfsm_baseline_lock);
	tcpfsm_counters_sum(tcpfsm_baseline);
	mutex_unlock(&tcpfsm_baseline_lock);
}
