// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm_table.c - the reference table in force
 *
 * Turns the rules of tcpfsm_table.h into the lookup arrays the probe uses,
 * applying strict mode once at load.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/seq_file.h>

#include "tcpfsm.h"
#include "tcpfsm_compat.h"

u8 tcpfsm_actions[TCPFSM_NPROTO][TCPFSM_NSLOTS][TCPFSM_NSLOTS] __read_mostly;
static u8 tcpfsm_tcp_verdicts[TCPFSM_NSLOTS][TCPFSM_NSLOTS] __read_mostly;

static_assert(TCPFSM_ILLEGAL == 0, "unlisted pairs must default to illegal");

/* Build the verdict and action arrays; strict turns "linux" into "illegal". */
void tcpfsm_verdicts_init(bool strict)
{
	tcpfsm_actions_fill(tcpfsm_tcp_verdicts, tcpfsm_actions, strict);
}

/* The verdict in force for a counted pair (both states < TCPFSM_NSLOTS). */
enum tcpfsm_verdict tcpfsm_verdict(unsigned int proto, unsigned int from,
				   unsigned int to)
{
	if (proto != TCPFSM_PROTO_TCP)
		return TCPFSM_UNCHECKED;
	if (WARN_ON_ONCE(from >= TCPFSM_NSLOTS || to >= TCPFSM_NSLOTS))
		return TCPFSM_ILLEGAL;
	return tcpfsm_tcp_verdicts[from][to];
}

/*
 * Format a state of protocol @proto (enum tcpfsm_proto) as its name on
 * this kernel, or STATE_<n> when it has none.
 */
const char *tcpfsm_state_str(unsigned int proto, int state, char *buf,
			     size_t len)
{
	const char *name = tcpfsm_proto_state_name(proto, state,
						   TCPFSM_TCP_MAX_STATES);

	if (name)
		return name;
	snprintf(buf, len, "STATE_%d", state);
	return buf;
}

/* The "table" file: every pair that is not illegal under the table in force. */
void tcpfsm_table_show(struct seq_file *m)
{
	unsigned int i;

	seq_printf(m, "# tcpfsm table format %d\n", TCPFSM_FORMAT_VERSION);
	seq_puts(m, "# FROM TO VERDICT FLAGS REASON\n");
	for (i = 0; i < TCPFSM_NRULES; i++) {
		const struct tcpfsm_rule *r = &tcpfsm_rules[i];
		u8 verdict = tcpfsm_tcp_verdicts[r->from][r->to];
		const char *flags = "-";

		if (verdict == TCPFSM_ILLEGAL)
			continue;
		if ((r->flags & TCPFSM_BIRTH) && (r->flags & TCPFSM_UNTRACED))
			flags = "birth,untraced";
		else if (r->flags & TCPFSM_BIRTH)
			flags = "birth";
		else if (r->flags & TCPFSM_UNTRACED)
			flags = "untraced";
		seq_printf(m, "%s %s %s %s %s\n", tcpfsm_state_names[r->from],
			   tcpfsm_state_names[r->to],
			   tcpfsm_verdict_names[verdict], flags, r->reason);
	}
}
