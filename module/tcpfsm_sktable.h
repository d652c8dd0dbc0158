/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpfsm_sktable.h - a fixed-size table of socket pointers, safe to use
 * from the probe without locks or allocation
 *
 * Open addressing with a short linear probe window.  Slots go from empty
 * to a key with cmpxchg, and from a key to a tombstone when removed; a key
 * is only ever looked up, inserted or removed by code that holds its
 * socket's lock (the kernel serialises a socket's state changes), so two
 * CPUs never insert the same key at once.  When the window of a key is
 * full the operation fails and the caller counts a miss: memory is fixed
 * when the table is created.
 */
#ifndef _TCPFSM_SKTABLE_H
#define _TCPFSM_SKTABLE_H

#include <linux/types.h>

struct tcpfsm_sktable {
	unsigned long *keys;
	u64 *values;		/* NULL for a set */
	long __percpu *used;	/* keys inserted less keys removed, per CPU */
	unsigned int bits;
};

/* Slots probed from a key's home slot before giving up. */
#define TCPFSM_SKTABLE_WINDOW 16

int tcpfsm_sktable_init(struct tcpfsm_sktable *t, unsigned int capacity,
			bool with_values);
void tcpfsm_sktable_free(struct tcpfsm_sktable *t);

/* The slot holding @key, or -ENOENT. */
long tcpfsm_sktable_find(const struct tcpfsm_sktable *t, const void *key);

/*
 * Claim a slot for @key.  Returns the slot, -EEXIST if @key is already
 * there (the caller may race with another inserter of the same key only in
 * a table without removals), or -ENOSPC.
 */
long tcpfsm_sktable_insert(struct tcpfsm_sktable *t, const void *key);

/* Free @slot, found by tcpfsm_sktable_find(). */
void tcpfsm_sktable_remove(struct tcpfsm_sktable *t, long slot);

/* Bytes allocated for the table. */
size_t tcpfsm_sktable_bytes(const struct tcpfsm_sktable *t);

/* Keys held now (summed over CPUs, for statistics). */
unsigned long tcpfsm_sktable_count(const struct tcpfsm_sktable *t);

#endif /* _TCPFSM_SKTABLE_H */
