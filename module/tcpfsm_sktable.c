// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm_sktable.c - a fixed-size table of socket pointers for the probe
 */
#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>

#include "tcpfsm_sktable.h"

#define TCPFSM_SLOT_EMPTY	0UL
#define TCPFSM_SLOT_TOMBSTONE	1UL	/* never a pointer */

/* Allocate a table of at least @capacity slots (a power of two). */
int tcpfsm_sktable_init(struct tcpfsm_sktable *t, unsigned int capacity,
			bool with_values)
{
	size_t n;

	t->bits = order_base_2(max(capacity, 2 * TCPFSM_SKTABLE_WINDOW));
	n = 1UL << t->bits;
	t->keys = kvcalloc(n, sizeof(*t->keys), GFP_KERNEL);
	t->values = with_values ? kvcalloc(n, sizeof(*t->values), GFP_KERNEL) :
				  NULL;
	t->used = alloc_percpu(long);
	if (!t->keys || (with_values && !t->values) || !t->used) {
		tcpfsm_sktable_free(t);
		return -ENOMEM;
	}
	return 0;
}

void tcpfsm_sktable_free(struct tcpfsm_sktable *t)
{
	kvfree(t->keys);
	kvfree(t->values);
	free_percpu(t->used);
	t->keys = NULL;
	t->values = NULL;
	t->used = NULL;
}

static unsigned long tcpfsm_slot(const struct tcpfsm_sktable *t,
				 const void *key, unsigned int i)
{
	return (hash_ptr(key, t->bits) + i) & ((1UL << t->bits) - 1);
}

long tcpfsm_sktable_find(const struct tcpfsm_sktable *t, const void *key)
{
	unsigned int i;

	for (i = 0; i < TCPFSM_SKTABLE_WINDOW; i++) {
		unsigned long slot = tcpfsm_slot(t, key, i);
		unsigned long k = READ_ONCE(t->keys[slot]);

		if (k == (unsigned long)key)
			return slot;
		/* Slots never become empty again: the key is not further. */
		if (k == TCPFSM_SLOT_EMPTY)
			break;
	}
	return -ENOENT;
}

long tcpfsm_sktable_insert(struct tcpfsm_sktable *t, const void *key)
{
	unsigned long want = (unsigned long)key;
	unsigned int i;

	if (tcpfsm_sktable_find(t, key) >= 0)
		return -EEXIST;
	for (i = 0; i < TCPFSM_SKTABLE_WINDOW; i++) {
		unsigned long slot = tcpfsm_slot(t, key, i);
		unsigned long k = READ_ONCE(t->keys[slot]), old;

		/* A concurrent inserter of the same key got here first. */
		if (k == want)
			return -EEXIST;
		if (k != TCPFSM_SLOT_EMPTY && k != TCPFSM_SLOT_TOMBSTONE)
			continue;
		old = cmpxchg(&t->keys[slot], k, want);
		if (old == k) {
			this_cpu_inc(*t->used);
			return slot;
		}
		if (old == want)
			return -EEXIST;
	}
	return -ENOSPC;
}

void tcpfsm_sktable_remove(struct tcpfsm_sktable *t, long slot)
{
	WRITE_ONCE(t->keys[slot], TCPFSM_SLOT_TOMBSTONE);
	this_cpu_dec(*t->used);
}

size_t tcpfsm_sktable_bytes(const struct tcpfsm_sktable *t)
{
	if (!t->keys)
		return 0;
	return (sizeof(*t->keys) + (t->values ? sizeof(*t->values) : 0)) <<
	       t->bits;
}

unsigned long tcpfsm_sktable_count(const struct tcpfsm_sktable *t)
{
	unsigned int cpu;
	long n = 0;

	if (!t->used)
		return 0;
	for_each_possible_cpu(cpu)
		n += READ_ONCE(*per_cpu_ptr(t->used, cpu));
	return max(n, 0L);
}
