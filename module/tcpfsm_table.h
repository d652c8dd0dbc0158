/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpfsm_table.h - the reference TCP state table
 *
 * This header is the specification that tcpfsm checks a running kernel
 * against.  The kernel module and the userspace tool include it as is, so it
 * is plain C with no kernel or libc dependencies.
 *
 * States carry the kernel's own values (include/net/tcp_states.h), so a
 * value reported by the inet_sock_set_state tracepoint indexes the tables
 * below directly once it has been bounds-checked against TCPFSM_NSLOTS.
 *
 * Every (from, to) pair of TCP states has one verdict:
 *
 *   rfc      allowed by RFC 9293: drawn in Figure 5, or required by the event
 *            processing rules of section 3.10 (RST, ABORT or a timeout
 *            leading to CLOSED).
 *   linux    legitimate Linux behaviour that the RFC does not describe: the
 *            hand-over to a time-wait mini-socket, and close() re-entering
 *            the state that shutdown() already reached.
 *   illegal  every pair not listed in tcpfsm_rules[].  A correct kernel never
 *            reports one for a TCP socket.
 *
 * Each listed pair gives the RFC section or the Linux function that makes
 * it, checked against Debian's linux-source-6.1 (6.1.192).  Sources of
 * pairs that are legal but never reported by the tracepoint are flagged
 * TCPFSM_UNTRACED and say why.
 *
 * Only TCP sockets are validated.  MPTCP, DCCP and SCTP also report through
 * the same tracepoint, with TCP's state numbers but their own meanings; they
 * are counted in their own rows, named by their own protocol, and get the
 * verdict "-".
 */
#ifndef _TCPFSM_TABLE_H
#define _TCPFSM_TABLE_H

#ifdef __KERNEL__
/*
 * The tables are static so that the header needs no companion .c file; a
 * file that uses only some of them must not be warned about the others.
 */
#define TCPFSM_TABLE_DATA __maybe_unused
#else
#include <assert.h>
#define TCPFSM_TABLE_DATA
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Bump when a debugfs file changes in a way that breaks its readers. */
#define TCPFSM_FORMAT_VERSION 1

/* TCP states, with the kernel's values. */
enum tcpfsm_state {
	TCPFSM_ESTABLISHED = 1,
	TCPFSM_SYN_SENT,
	TCPFSM_SYN_RECV,
	TCPFSM_FIN_WAIT1,
	TCPFSM_FIN_WAIT2,
	TCPFSM_TIME_WAIT,
	TCPFSM_CLOSE,
	TCPFSM_CLOSE_WAIT,
	TCPFSM_LAST_ACK,
	TCPFSM_LISTEN,
	TCPFSM_CLOSING,
	TCPFSM_NEW_SYN_RECV,	/* request socks only, never a full socket */
	TCPFSM_BOUND_INACTIVE,	/* 6.8+, only in inet_diag dumps */
};

#define TCPFSM_STATE_FIRST	TCPFSM_ESTABLISHED
#define TCPFSM_STATE_LAST	TCPFSM_BOUND_INACTIVE

/*
 * Counters are indexed by the raw state value 0..TCPFSM_NSLOTS-1.  This
 * covers every value any kernel up to 7.2 reports (DCCP, gone in 6.16,
 * used 13-14, then 14-15, for states TCP does not have).  Larger values
 * are counted as unknown.
 */
#define TCPFSM_NSLOTS 16

/*
 * The kernel's names without the TCP_ prefix; NULL for unnamed values.
 * BOUND_INACTIVE exists only since 6.8: see tcpfsm_proto_state_name().
 */
static const char *const tcpfsm_state_names[TCPFSM_NSLOTS] TCPFSM_TABLE_DATA = {
	[TCPFSM_ESTABLISHED]	= "ESTABLISHED",
	[TCPFSM_SYN_SENT]	= "SYN_SENT",
	[TCPFSM_SYN_RECV]	= "SYN_RECV",
	[TCPFSM_FIN_WAIT1]	= "FIN_WAIT1",
	[TCPFSM_FIN_WAIT2]	= "FIN_WAIT2",
	[TCPFSM_TIME_WAIT]	= "TIME_WAIT",
	[TCPFSM_CLOSE]		= "CLOSE",
	[TCPFSM_CLOSE_WAIT]	= "CLOSE_WAIT",
	[TCPFSM_LAST_ACK]	= "LAST_ACK",
	[TCPFSM_LISTEN]		= "LISTEN",
	[TCPFSM_CLOSING]	= "CLOSING",
	[TCPFSM_NEW_SYN_RECV]	= "NEW_SYN_RECV",
	[TCPFSM_BOUND_INACTIVE]	= "BOUND_INACTIVE",
};

/* The names RFC 9293 uses; NULL for kernel-only states. */
static const char *const tcpfsm_rfc_names[TCPFSM_NSLOTS] TCPFSM_TABLE_DATA = {
	[TCPFSM_ESTABLISHED]	= "ESTABLISHED",
	[TCPFSM_SYN_SENT]	= "SYN-SENT",
	[TCPFSM_SYN_RECV]	= "SYN-RECEIVED",
	[TCPFSM_FIN_WAIT1]	= "FIN-WAIT-1",
	[TCPFSM_FIN_WAIT2]	= "FIN-WAIT-2",
	[TCPFSM_TIME_WAIT]	= "TIME-WAIT",
	[TCPFSM_CLOSE]		= "CLOSED",
	[TCPFSM_CLOSE_WAIT]	= "CLOSE-WAIT",
	[TCPFSM_LAST_ACK]	= "LAST-ACK",
	[TCPFSM_LISTEN]		= "LISTEN",
	[TCPFSM_CLOSING]	= "CLOSING",
};

/* Protocols that report through inet_sock_set_state, and a catch-all. */
enum tcpfsm_proto {
	TCPFSM_PROTO_TCP,
	TCPFSM_PROTO_MPTCP,
	TCPFSM_PROTO_DCCP,
	TCPFSM_PROTO_SCTP,
	TCPFSM_PROTO_OTHER,
	TCPFSM_NPROTO
};

static const char *const tcpfsm_proto_names[TCPFSM_NPROTO] TCPFSM_TABLE_DATA = {
	[TCPFSM_PROTO_TCP]	= "TCP",
	[TCPFSM_PROTO_MPTCP]	= "MPTCP",
	[TCPFSM_PROTO_DCCP]	= "DCCP",
	[TCPFSM_PROTO_SCTP]	= "SCTP",
	[TCPFSM_PROTO_OTHER]	= "OTHER",
};

/*
 * The other protocols name the values by their own states.  MPTCP's
 * sockets go through TCP's states.  DCCP (include/linux/dccp.h; removed in
 * 6.16) gives ten of TCP's values its own names and numbers two states of
 * its own after TCP's last: PARTOPEN is TCP_MAX_STATES, 13 until 6.8 added
 * TCP_BOUND_INACTIVE and 14 since.  SCTP (include/net/sctp/constants.h)
 * uses five of TCP's values.
 */
static const char *const tcpfsm_dccp_names[TCPFSM_NSLOTS] TCPFSM_TABLE_DATA = {
	[TCPFSM_ESTABLISHED]	= "OPEN",
	[TCPFSM_SYN_SENT]	= "REQUESTING",
	[TCPFSM_SYN_RECV]	= "RESPOND",
	[TCPFSM_FIN_WAIT1]	= "ACTIVE_CLOSEREQ",
	[TCPFSM_TIME_WAIT]	= "TIME_WAIT",
	[TCPFSM_CLOSE]		= "CLOSED",
	[TCPFSM_CLOSE_WAIT]	= "PASSIVE_CLOSE",
	[TCPFSM_LISTEN]		= "LISTEN",
	[TCPFSM_CLOSING]	= "CLOSING",
	[TCPFSM_NEW_SYN_RECV]	= "NEW_SYN_RECV",
};

/* DCCP's own states, numbered from TCP_MAX_STATES on. */
static const char *const tcpfsm_dccp_own_names[] TCPFSM_TABLE_DATA = {
	"PARTOPEN",
	"PASSIVE_CLOSEREQ",
};

static const char *const tcpfsm_sctp_names[TCPFSM_NSLOTS] TCPFSM_TABLE_DATA = {
	[TCPFSM_ESTABLISHED]	= "ESTABLISHED",
	[TCPFSM_SYN_SENT]	= "ESTABLISHING",
	[TCPFSM_CLOSE]		= "CLOSED",
	[TCPFSM_CLOSE_WAIT]	= "CLOSING",
	[TCPFSM_LISTEN]		= "LISTENING",
};

/* TCP_MAX_STATES before 6.8, and since. */
#define TCPFSM_TCP_MAX_STATES_OLD	13
#define TCPFSM_TCP_MAX_STATES_NEW	14

/* IANA protocol numbers (IPPROTO_MPTCP is Linux's own, 256 + TCP). */
#define TCPFSM_IPPROTO_TCP	6
#define TCPFSM_IPPROTO_DCCP	33
#define TCPFSM_IPPROTO_SCTP	132
#define TCPFSM_IPPROTO_MPTCP	262

/* Map a socket's sk_protocol to the counter row it is accounted in. */
static inline unsigned int tcpfsm_proto_index(unsigned int protocol)
{
	switch (protocol) {
	case TCPFSM_IPPROTO_TCP:
		return TCPFSM_PROTO_TCP;
	case TCPFSM_IPPROTO_MPTCP:
		return TCPFSM_PROTO_MPTCP;
	case TCPFSM_IPPROTO_DCCP:
		return TCPFSM_PROTO_DCCP;
	case TCPFSM_IPPROTO_SCTP:
		return TCPFSM_PROTO_SCTP;
	default:
		return TCPFSM_PROTO_OTHER;
	}
}

enum tcpfsm_verdict {
	TCPFSM_ILLEGAL,
	TCPFSM_RFC,
	TCPFSM_LINUX,
	TCPFSM_UNCHECKED,	/* not a TCP socket: counted, not validated */
	TCPFSM_NVERDICTS
};

static const char *const tcpfsm_verdict_names[TCPFSM_NVERDICTS] TCPFSM_TABLE_DATA = {
	[TCPFSM_ILLEGAL]	= "illegal",
	[TCPFSM_RFC]		= "rfc",
	[TCPFSM_LINUX]		= "linux",
	[TCPFSM_UNCHECKED]	= "-",
};

/*
 * The event is reported on a new socket cloned from one in FROM; the parent
 * stays in FROM.  The socket is born here, it does not leave FROM.
 */
#define TCPFSM_BIRTH	0x1
/* Legal, but the tracepoint never reports it; the reason says why. */
#define TCPFSM_UNTRACED	0x2

struct tcpfsm_rule {
	unsigned char from;
	unsigned char to;
	unsigned char verdict;
	unsigned char flags;
	const char *reason;
};

/*
 * The legal TCP transitions, grouped by the state they leave.  RFC section
 * numbers are those of RFC 9293; "3.10.5" is the ABORT call, "3.10.7" the
 * SEGMENT ARRIVES rules, "3.10.8" the timeouts.
 */
static const struct tcpfsm_rule tcpfsm_rules[] TCPFSM_TABLE_DATA = {
	/* CLOSED: nothing exists yet, or the socket has been torn down. */
	{ TCPFSM_CLOSE, TCPFSM_LISTEN, TCPFSM_RFC, 0,
	  "passive OPEN (3.10.1): listen() -> inet_csk_listen_start()" },
	{ TCPFSM_CLOSE, TCPFSM_SYN_SENT, TCPFSM_RFC, 0,
	  "active OPEN (3.10.1): connect() -> tcp_v4_connect()/tcp_v6_connect()" },
	{ TCPFSM_CLOSE, TCPFSM_CLOSE, TCPFSM_LINUX, 0,
	  "listener aborted by ss -K: tcp_abort() sets CLOSE, then tcp_done() again" },

	/* LISTEN: waiting for a SYN. */
	{ TCPFSM_LISTEN, TCPFSM_SYN_RECV, TCPFSM_RFC, TCPFSM_BIRTH,
	  "SYN (3.10.7.2): inet_csk_clone_lock() makes a child; the listener stays" },
	{ TCPFSM_LISTEN, TCPFSM_CLOSE, TCPFSM_RFC, 0,
	  "CLOSE (3.10.4): close(), shutdown(SHUT_RD) or a failed listen() on a listener" },
	{ TCPFSM_LISTEN, TCPFSM_SYN_SENT, TCPFSM_RFC, TCPFSM_UNTRACED,
	  "SEND in LISTEN (3.10.2): Linux fails connect() on a listener with EISCONN" },

	/* SYN-SENT: our SYN is out, waiting for the peer's. */
	{ TCPFSM_SYN_SENT, TCPFSM_ESTABLISHED, TCPFSM_RFC, 0,
	  "SYN,ACK (3.10.7.3): tcp_finish_connect(); also connect() under TCP_REPAIR" },
	{ TCPFSM_SYN_SENT, TCPFSM_SYN_RECV, TCPFSM_RFC, 0,
	  "SYN without ACK, simultaneous open (3.10.7.3): tcp_rcv_synsent_state_process()" },
	{ TCPFSM_SYN_SENT, TCPFSM_CLOSE, TCPFSM_RFC, 0,
	  "RST, ICMP, SYN timeout (3.10.7.3, 3.10.8): tcp_done(); close(): tcp_disconnect()" },

	/* SYN-RECEIVED: SYNs crossed, waiting for the ACK of ours. */
	{ TCPFSM_SYN_RECV, TCPFSM_ESTABLISHED, TCPFSM_RFC, 0,
	  "ACK of our SYN (3.10.7.4): tcp_rcv_state_process()" },
	{ TCPFSM_SYN_RECV, TCPFSM_FIN_WAIT1, TCPFSM_RFC, 0,
	  "CLOSE (3.10.4) of a fast-open child or simultaneous open: tcp_close_state()" },
	{ TCPFSM_SYN_RECV, TCPFSM_CLOSE_WAIT, TCPFSM_RFC, 0,
	  "FIN (3.10.7.4): tcp_fin(); on 6.1 an ACK always reaches ESTABLISHED first" },
	{ TCPFSM_SYN_RECV, TCPFSM_CLOSE, TCPFSM_RFC, 0,
	  "RST, ICMP, timeout or ABORT (3.10.5, 3.10.7.4): tcp_done(), inet_child_forget()" },
	{ TCPFSM_SYN_RECV, TCPFSM_LISTEN, TCPFSM_RFC, TCPFSM_UNTRACED,
	  "RST after passive OPEN (3.10.7.4): Linux drops the request sock silently" },

	/* ESTABLISHED: data flows both ways. */
	{ TCPFSM_ESTABLISHED, TCPFSM_FIN_WAIT1, TCPFSM_RFC, 0,
	  "CLOSE (3.10.4): close() or shutdown(SHUT_WR) -> tcp_close_state() sends FIN" },
	{ TCPFSM_ESTABLISHED, TCPFSM_CLOSE_WAIT, TCPFSM_RFC, 0,
	  "FIN (3.10.7.4): tcp_fin()" },
	{ TCPFSM_ESTABLISHED, TCPFSM_CLOSE, TCPFSM_RFC, 0,
	  "RST, ABORT or timeout (3.10.5, 3.10.7.4, 3.10.8): tcp_done(), tcp_disconnect()" },

	/* FIN-WAIT-1: our FIN is out, not yet acknowledged. */
	{ TCPFSM_FIN_WAIT1, TCPFSM_FIN_WAIT2, TCPFSM_RFC, 0,
	  "ACK of our FIN (3.10.7.4): tcp_rcv_state_process()" },
	{ TCPFSM_FIN_WAIT1, TCPFSM_CLOSING, TCPFSM_RFC, 0,
	  "FIN before the ACK of ours, simultaneous close (3.10.7.4): tcp_fin()" },
	{ TCPFSM_FIN_WAIT1, TCPFSM_TIME_WAIT, TCPFSM_RFC, TCPFSM_UNTRACED,
	  "FIN with the ACK of ours (3.10.7.4): Linux reports FIN_WAIT1->FIN_WAIT2->CLOSE" },
	{ TCPFSM_FIN_WAIT1, TCPFSM_CLOSE, TCPFSM_RFC, 0,
	  "RST, ABORT or timeout (3.10.5, 3.10.7.4, 3.10.8): tcp_done(), tcp_disconnect()" },
	{ TCPFSM_FIN_WAIT1, TCPFSM_FIN_WAIT1, TCPFSM_LINUX, 0,
	  "close() after shutdown(SHUT_WR), FIN unacknowledged: tcp_close_state() again" },

	/* FIN-WAIT-2: our FIN is acknowledged, waiting for the peer's. */
	{ TCPFSM_FIN_WAIT2, TCPFSM_TIME_WAIT, TCPFSM_RFC, TCPFSM_UNTRACED,
	  "FIN (3.10.7.4): Linux reports FIN_WAIT2->CLOSE (time-wait hand-over)" },
	{ TCPFSM_FIN_WAIT2, TCPFSM_CLOSE, TCPFSM_LINUX, 0,
	  "hand-over to a time-wait sock: tcp_time_wait() -> tcp_done(); also RST, ABORT" },
	{ TCPFSM_FIN_WAIT2, TCPFSM_FIN_WAIT2, TCPFSM_LINUX, 0,
	  "close() after shutdown(SHUT_WR), FIN acknowledged: tcp_close_state() again" },

	/* CLOSE-WAIT: the peer has closed, waiting for our close(). */
	{ TCPFSM_CLOSE_WAIT, TCPFSM_LAST_ACK, TCPFSM_RFC, 0,
	  "CLOSE (3.10.4): close() or shutdown(SHUT_WR) -> tcp_close_state() sends FIN" },
	{ TCPFSM_CLOSE_WAIT, TCPFSM_CLOSE, TCPFSM_RFC, 0,
	  "RST, ABORT or timeout (3.10.5, 3.10.7.4, 3.10.8): tcp_done(), tcp_disconnect()" },

	/* CLOSING: both FINs crossed, waiting for the ACK of ours. */
	{ TCPFSM_CLOSING, TCPFSM_TIME_WAIT, TCPFSM_RFC, TCPFSM_UNTRACED,
	  "ACK of our FIN (3.10.7.4): Linux reports CLOSING->CLOSE (time-wait hand-over)" },
	{ TCPFSM_CLOSING, TCPFSM_CLOSE, TCPFSM_LINUX, 0,
	  "hand-over to a time-wait sock after the ACK of our FIN: tcp_time_wait(); also RST" },
	{ TCPFSM_CLOSING, TCPFSM_CLOSING, TCPFSM_LINUX, 0,
	  "close() after shutdown(SHUT_WR) in CLOSING: tcp_close_state() again" },

	/* LAST-ACK: we closed after the peer, waiting for the ACK of our FIN. */
	{ TCPFSM_LAST_ACK, TCPFSM_CLOSE, TCPFSM_RFC, 0,
	  "ACK of our FIN (3.10.7.4): tcp_rcv_state_process() -> tcp_done(); also RST" },
	{ TCPFSM_LAST_ACK, TCPFSM_LAST_ACK, TCPFSM_LINUX, 0,
	  "close() after shutdown(SHUT_WR) in CLOSE_WAIT: tcp_close_state() again" },

	/* TIME-WAIT: 2MSL, so that late segments of this connection die out. */
	{ TCPFSM_TIME_WAIT, TCPFSM_CLOSE, TCPFSM_RFC, TCPFSM_UNTRACED,
	  "2MSL timeout (3.10.8): inet_twsk_kill() frees the time-wait sock, no event" },
};

#define TCPFSM_NRULES ARRAY_SIZE(tcpfsm_rules)

/*
 * Births in the other protocols, which like TCP's LISTEN -> SYN_RECV are
 * reported on the new socket, cloned from a listener that stays LISTEN.
 */
struct tcpfsm_birth {
	unsigned char proto;
	unsigned char from;
	unsigned char to;
};

static const struct tcpfsm_birth tcpfsm_births[] TCPFSM_TABLE_DATA = {
	/*
	 * mptcp_sk_clone_init(): the accepted MPTCP socket; before 6.4
	 * ("mptcp: consolidate passive msk socket initialization", in 6.1
	 * since 6.1.33) mptcp_sk_clone() made it SYN_RECV first.  A listener
	 * takes neither pair itself.
	 */
	{ TCPFSM_PROTO_MPTCP, TCPFSM_LISTEN, TCPFSM_ESTABLISHED },
	{ TCPFSM_PROTO_MPTCP, TCPFSM_LISTEN, TCPFSM_SYN_RECV },
	/* dccp_create_openreq_child() -> inet_csk_clone_lock(): RESPOND */
	{ TCPFSM_PROTO_DCCP, TCPFSM_LISTEN, TCPFSM_SYN_RECV },
};

static_assert(TCPFSM_STATE_LAST < TCPFSM_NSLOTS, "every named state needs a counter slot");
static_assert(TCPFSM_NSLOTS <= 256, "rule fields are unsigned char");

/* The name of a TCP state value, or NULL if the table does not know it. */
static inline const char *tcpfsm_state_name(long state)
{
	if (state < TCPFSM_STATE_FIRST || state > TCPFSM_STATE_LAST)
		return (const char *)0;
	return tcpfsm_state_names[state];
}

/*
 * The name of state @state of protocol @proto (enum tcpfsm_proto) on a
 * kernel whose TCP has @tcp_max_states states (TCP_MAX_STATES); NULL when
 * that protocol has no state of that value there.
 */
static inline const char *tcpfsm_proto_state_name(unsigned int proto,
						  long state,
						  long tcp_max_states)
{
	if (state < 0 || state >= TCPFSM_NSLOTS)
		return (const char *)0;
	switch (proto) {
	case TCPFSM_PROTO_TCP:
	case TCPFSM_PROTO_MPTCP:
		return state < tcp_max_states ? tcpfsm_state_names[state] :
						(const char *)0;
	case TCPFSM_PROTO_DCCP:
		if (state >= tcp_max_states &&
		    state < tcp_max_states + (long)ARRAY_SIZE(tcpfsm_dccp_own_names))
			return tcpfsm_dccp_own_names[state - tcp_max_states];
		return tcpfsm_dccp_names[state];
	case TCPFSM_PROTO_SCTP:
		return tcpfsm_sctp_names[state];
	default:
		return (const char *)0;
	}
}

/*
 * The value of the state named @name in protocol @proto on a kernel with
 * @tcp_max_states TCP states, or -1 if there is none.
 */
static inline long tcpfsm_proto_state_value(unsigned int proto,
					    const char *name,
					    long tcp_max_states)
{
	long state;

	for (state = 0; state < TCPFSM_NSLOTS; state++) {
		const char *n = tcpfsm_proto_state_name(proto, state,
							tcp_max_states);
		unsigned int i = 0;

		if (!n)
			continue;
		while (n[i] && n[i] == name[i])
			i++;
		if (n[i] == name[i])
			return state;
	}
	return -1;
}

/* The rule for a TCP pair, or NULL when the pair is illegal. */
static inline const struct tcpfsm_rule *tcpfsm_rule_find(long from, long to)
{
	unsigned int i;

	for (i = 0; i < TCPFSM_NRULES; i++)
		if (tcpfsm_rules[i].from == from && tcpfsm_rules[i].to == to)
			return &tcpfsm_rules[i];
	return (const struct tcpfsm_rule *)0;
}

#endif /* _TCPFSM_TABLE_H */
