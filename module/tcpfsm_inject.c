// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm_inject.c - parse "PROTO FROM TO [SRC DST]" for the inject file
 *
 * Tests use injection to drive the judging and logging path with
 * transitions a correct kernel never makes.  The input comes from a user:
 * every token is checked and anything unexpected is -EINVAL.
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/nsproxy.h>
#include <linux/string.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>

#include "tcpfsm.h"
#include "tcpfsm_compat.h"

#define TCPFSM_INJECT_MAX_STATE 255

/* Match a protocol name; returns the index or -EINVAL. */
static int tcpfsm_parse_proto(const char *tok)
{
	int i;

	for (i = 0; i < TCPFSM_NPROTO; i++)
		if (!strcmp(tok, tcpfsm_proto_names[i]))
			return i;
	return -EINVAL;
}

/*
 * Match a state name of protocol @proto on this kernel, or STATE_<n>;
 * returns the value or -EINVAL.
 */
static int tcpfsm_parse_state(unsigned int proto, const char *tok)
{
	long s = tcpfsm_proto_state_value(proto, tok, TCPFSM_TCP_MAX_STATES);
	unsigned int n;

	if (s >= 0)
		return s;
	if (!str_has_prefix(tok, "STATE_"))
		return -EINVAL;
	tok += strlen("STATE_");
	/* kstrtouint would also take "+1" and "0x1"; only plain decimal. */
	if (!isdigit(*tok) || kstrtouint(tok, 10, &n) ||
	    n > TCPFSM_INJECT_MAX_STATE)
		return -EINVAL;
	return n;
}

/* Parse a port after an address: ":<decimal digits, <= 65535>". */
static int tcpfsm_parse_port(const char *p, u16 *port)
{
	if (*p != ':' || !isdigit(p[1]))
		return -EINVAL;
	return kstrtou16(p + 1, 10, port);
}

/* Parse "1.2.3.4:80" or "[::1]:80"; sets *@family on success. */
static int tcpfsm_parse_endpoint(const char *tok, u16 *family,
				 struct in6_addr *addr, u16 *port)
{
	const char *end;
	__be32 v4;

	if (*tok == '[') {
		/* in6_pton() also stops, successfully, at the string's end */
		if (!in6_pton(tok + 1, -1, addr->s6_addr, ']', &end) ||
		    *end != ']')
			return -EINVAL;
		*family = AF_INET6;
		return tcpfsm_parse_port(end + 1, port);
	}
	if (!in4_pton(tok, -1, (u8 *)&v4, ':', &end))
		return -EINVAL;
	ipv6_addr_set_v4mapped(v4, addr);
	*family = AF_INET;
	return tcpfsm_parse_port(end, port);
}

/* The writer's identity stands in for the socket's. */
static void tcpfsm_event_from_writer(struct tcpfsm_event *ev)
{
	ev->netns = current->nsproxy->net_ns->ns.inum;
	ev->uid = from_kuid_munged(&init_user_ns, current_fsuid());
	rcu_read_lock();
	ev->cgroup = cgroup_id(task_dfl_cgroup(current));
	rcu_read_unlock();
}

/*
 * Parse one injected transition from @line (modified in place) into @ev.
 * Returns 0, or -EINVAL for anything but "PROTO FROM TO [SRC DST]": fields
 * separated by single spaces, nothing before or after them.
 */
int tcpfsm_inject_parse(char *line, struct tcpfsm_event *ev)
{
	char *tok[6];
	int ntok = 0, proto, from, to;
	u16 dfamily;
	char *p = line;

	while (p) {
		if (ntok == ARRAY_SIZE(tok))
			return -EINVAL;
		tok[ntok++] = strsep(&p, " ");
		if (!*tok[ntok - 1])
			return -EINVAL;	/* an empty field: a space too many */
	}
	if (ntok != 3 && ntok != 5)
		return -EINVAL;

	proto = tcpfsm_parse_proto(tok[0]);
	if (proto < 0)
		return -EINVAL;
	from = tcpfsm_parse_state(proto, tok[1]);
	to = tcpfsm_parse_state(proto, tok[2]);
	if (from < 0 || to < 0)
		return -EINVAL;

	memset(ev, 0, sizeof(*ev));
	ev->proto = proto;
	ev->from = from;
	ev->to = to;
	ev->injected = true;
	ev->family = AF_INET;
	ipv6_addr_set_v4mapped(0, &ev->saddr);
	ipv6_addr_set_v4mapped(0, &ev->daddr);
	if (ntok == 5) {
		if (tcpfsm_parse_endpoint(tok[3], &ev->family, &ev->saddr,
					  &ev->sport) ||
		    tcpfsm_parse_endpoint(tok[4], &dfamily, &ev->daddr,
					  &ev->dport) ||
		    dfamily != ev->family)
			return -EINVAL;
	}
	tcpfsm_event_from_writer(ev);
	return 0;
}
