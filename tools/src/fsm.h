/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fsm.h - the reference TCP state table, as seen by the tool
 *
 * module/tcpfsm_table.h is compiled into fsm.c only (its static arrays would
 * be unused, and warned about, in every other file).  Everything else goes
 * through these accessors, which use the same numbering as the header.
 */
#ifndef TCPFSM_FSM_H
#define TCPFSM_FSM_H

#include <stdbool.h>
#include <stddef.h>

#define FSM_FORMAT	1	/* the debugfs format this tool understands */
#define FSM_NSTATES	256	/* state values 0..255 are accepted */
#define FSM_NSLOTS	16	/* values the module counts per protocol */
#define FSM_NRFC	11	/* states of RFC 9293 */

/* Kernel state values used by name in the tool. */
enum {
	FSM_ESTABLISHED = 1,
	FSM_SYN_SENT,
	FSM_SYN_RECV,
	FSM_FIN_WAIT1,
	FSM_FIN_WAIT2,
	FSM_TIME_WAIT,
	FSM_CLOSE,
	FSM_CLOSE_WAIT,
	FSM_LAST_ACK,
	FSM_LISTEN,
	FSM_CLOSING,
	FSM_NEW_SYN_RECV,
	FSM_BOUND_INACTIVE,
};

enum { FSM_TCP, FSM_MPTCP, FSM_DCCP, FSM_SCTP, FSM_OTHER, FSM_NPROTO };

enum { FSM_ILLEGAL, FSM_RFC, FSM_LINUX, FSM_UNCHECKED, FSM_NVERDICTS };

#define FSM_BIRTH	0x1
#define FSM_UNTRACED	0x2

struct fsm_rule {
	unsigned int from;
	unsigned int to;
	unsigned int verdict;
	unsigned int flags;
	const char *reason;
};

/* The 11 RFC states in the order a connection meets them. */
extern const unsigned char fsm_rfc_order[FSM_NRFC];

const char *fsm_state_name(unsigned int v);
const char *fsm_rfc_name(unsigned int v);
const char *fsm_state_label(unsigned int v, char buf[16]);
const char *fsm_proto_state_label(unsigned int proto, unsigned int v, char buf[16]);
bool fsm_proto_state_numbered(unsigned int proto, unsigned int v);
const char *fsm_short_label(unsigned int v, char buf[16]);
int fsm_parse_state(const char *s);
int fsm_parse_proto_state(unsigned int proto, const char *s);
int fsm_lookup_state(const char *s);
bool fsm_is_rfc_state(unsigned int v);

const char *fsm_proto_name(unsigned int p);
int fsm_parse_proto(const char *s);
const char *fsm_verdict_name(unsigned int v);
int fsm_parse_verdict(const char *s);

size_t fsm_nrules(void);
void fsm_rule_get(size_t i, struct fsm_rule *r);
bool fsm_rule_find(unsigned int from, unsigned int to, struct fsm_rule *r);
void fsm_flags_str(unsigned int flags, char *buf, size_t len);

#endif
