/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpfsm_compat.h - what differs between the kernels tcpfsm supports
 *
 * tcpfsm builds and runs on every kernel from 5.10 to the newest.  Each
 * difference between them that the module meets is one helper here, named
 * for what changed, with its version check beside it; the rest of the
 * module never tests LINUX_VERSION_CODE.
 */
#ifndef _TCPFSM_COMPAT_H
#define _TCPFSM_COMPAT_H

#include <linux/preempt.h>
#include <linux/version.h>
#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/net_namespace.h>
#include <net/tcp_states.h>

/*
 * The death row of a namespace's TCP time-wait socks, which also names the
 * namespace's TCP hash tables (tcp_hashinfo itself is exported by 5.10 and
 * 6.1, not by 6.12 nor 7.2).  From 5.18 to 6.0 it was allocated apart from
 * struct netns_ipv4 ("tcp: allocate tcp_death_row outside of struct
 * netns_ipv4", undone in 6.1 by "tcp: Don't allocate tcp_death_row outside
 * of struct netns_ipv4.").  The cast drops the const of @net, which the
 * callers only read through.
 */
static inline struct inet_timewait_death_row *
tcpfsm_tcp_death_row(const struct net *net)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 18, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
	return net->ipv4.tcp_death_row;
#else
	return (struct inet_timewait_death_row *)&net->ipv4.tcp_death_row;
#endif
}

/*
 * The buckets that hold every listening TCP socket, chained through
 * sk_nulls_node.  Before 5.19 that is listening_hash, hashed by port only
 * (lhash2 then chained listeners through another node); 5.19 retired it
 * ("net: inet: Retire port only listening_hash") and chains them in lhash2.
 * A stable or distribution kernel may carry that change under an older
 * version, so module/Kbuild reads the header: TCPFSM_HAVE_LISTENING_HASH.
 */
#if !defined(TCPFSM_HAVE_LISTENING_HASH) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(5, 15, 0)
#error "module/Kbuild found no listening_hash in the headers of a kernel before 5.15"
#endif
static inline struct inet_listen_hashbucket *
tcpfsm_listen_buckets(struct inet_hashinfo *hinfo, unsigned int *n)
{
#ifdef TCPFSM_HAVE_LISTENING_HASH
	*n = INET_LHTABLE_SIZE;
	return hinfo->listening_hash;
#else
	*n = hinfo->lhash2_mask + 1;
	return hinfo->lhash2;
#endif
}

/*
 * The names of the function that makes a time-wait sock visible, tw and sk
 * its first two arguments, in the order to try them (NULL after the last):
 * it was renamed when it took over arming the timer, in 6.10's un-pinning
 * of the time-wait timer.  Both names are tried so that a stable kernel
 * with the change backported works too.
 */
static inline const char *tcpfsm_tw_hashdance_symbol(unsigned int i)
{
	static const char *const names[] = {
		"inet_twsk_hashdance_schedule",
		"inet_twsk_hashdance",
	};

	return i < ARRAY_SIZE(names) ? names[i] : NULL;
}

/* in_hardirq() replaced in_irq() in 5.11. */
static inline bool tcpfsm_in_hardirq(void)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
	return in_irq();
#else
	return in_hardirq();
#endif
}

/*
 * TCP's number of states, which DCCP numbered its own two states after
 * (PARTOPEN is TCP_MAX_STATES): 13 until 6.8 added TCP_BOUND_INACTIVE.
 * Taken from the kernel's own enum, so no version check is needed.
 */
#define TCPFSM_TCP_MAX_STATES	((unsigned int)TCP_MAX_STATES)

#endif /* _TCPFSM_COMPAT_H */
