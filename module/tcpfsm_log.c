// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm_log.c - the ring of illegal-transition records
 *
 * A fixed ring of log_size records, allocated at load.  Illegal transitions
 * are rare, so writers and readers share one lock.  Records are addressed
 * by sequence number: seq lives in slot seq % size, the ring holds
 * [tail, head), and a full ring overwrites its oldest record.
 *
 * Writers run in the probes, with preemption disabled (the probe disables
 * it where the tracepoint does not), and in inject's writes, so the lock
 * is a raw spinlock: on PREEMPT_RT a spinlock_t sleeps.  It is held only to
 * copy one record in or out (a few hundred bytes); the stack is saved and
 * the clock read before it is taken.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kallsyms.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "tcpfsm.h"
#include "tcpfsm_compat.h"

static DEFINE_RAW_SPINLOCK(tcpfsm_log_lock);
static struct tcpfsm_record *tcpfsm_log_ring;
static unsigned int tcpfsm_log_cap;
static u64 tcpfsm_log_head = 1;		/* seq of the next record */
static u64 tcpfsm_log_tail = 1;		/* seq of the oldest record held */
static u64 tcpfsm_log_dropped;

/* Allocate a ring of @size records. */
int tcpfsm_log_init(unsigned int size)
{
	tcpfsm_log_ring = kvcalloc(size, sizeof(*tcpfsm_log_ring), GFP_KERNEL);
	if (!tcpfsm_log_ring)
		goto out_nomem;
	tcpfsm_log_cap = size;
	return 0;

out_nomem:
	pr_err("cannot allocate the illegal-transition log (%u records of %zu bytes)\n",
	       size, sizeof(*tcpfsm_log_ring));
	return -ENOMEM;
}

/* Free the ring; nothing may log any more. */
void tcpfsm_log_exit(void)
{
	kvfree(tcpfsm_log_ring);
	tcpfsm_log_ring = NULL;
}

static struct tcpfsm_record *tcpfsm_log_slot(u64 seq)
{
	u32 slot;

	div_u64_rem(seq, tcpfsm_log_cap, &slot);
	return &tcpfsm_log_ring[slot];
}

/* The kind of context the reporting CPU is running in. */
static u8 tcpfsm_context(void)
{
	if (in_nmi() || tcpfsm_in_hardirq())
		return TCPFSM_CTX_IRQ;
	if (in_serving_softirq())
		return TCPFSM_CTX_SOFTIRQ;
	return TCPFSM_CTX_TASK;
}

/*
 * Save the kernel stack of the caller, without tcpfsm's own frames nor the
 * tracepoint's iterator, so the first entry is the kernel code that made
 * the transition.
 */
static unsigned int tcpfsm_stack_save(unsigned long *out)
{
	unsigned long entries[TCPFSM_STACK_DEPTH + 8];
	unsigned int nr, first = 0;

	nr = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	while (first < nr && (within_module(entries[first], THIS_MODULE) ||
			      tcpfsm_in_tracepoint(entries[first])))
		first++;
	nr = min_t(unsigned int, nr - first, TCPFSM_STACK_DEPTH);
	memcpy(out, entries + first, nr * sizeof(*out));
	return nr;
}

/* Append a record of @ev, with the current context and stack. */
void tcpfsm_log_add(const struct tcpfsm_event *ev)
{
	unsigned long entries[TCPFSM_STACK_DEPTH];
	unsigned int nr = tcpfsm_stack_save(entries);
	u64 ts = ktime_get_ns();
	struct tcpfsm_record *rec;
	unsigned long flags;

	raw_spin_lock_irqsave(&tcpfsm_log_lock, flags);
	if (tcpfsm_log_head - tcpfsm_log_tail == tcpfsm_log_cap) {
		tcpfsm_log_tail++;
		tcpfsm_log_dropped++;
	}
	rec = tcpfsm_log_slot(tcpfsm_log_head);
	rec->seq = tcpfsm_log_head++;
	rec->ts_ns = ts;
	rec->ev = *ev;
	rec->cpu = raw_smp_processor_id();
	rec->pid = task_pid_nr(current);
	rec->ctx = tcpfsm_context();
	memcpy(rec->comm, current->comm, sizeof(rec->comm));
	rec->comm[sizeof(rec->comm) - 1] = '\0';
	rec->nr_entries = nr;
	memcpy(rec->entries, entries, nr * sizeof(entries[0]));
	raw_spin_unlock_irqrestore(&tcpfsm_log_lock, flags);
}

/* Empty the log; sequence numbers continue where they were. */
void tcpfsm_log_clear(void)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&tcpfsm_log_lock, flags);
	tcpfsm_log_tail = tcpfsm_log_head;
	tcpfsm_log_dropped = 0;
	raw_spin_unlock_irqrestore(&tcpfsm_log_lock, flags);
}

/*
 * Copy the oldest record whose seq is at least *@seq into @rec and set *@seq
 * to its seq.  Returns false when there is none.
 */
bool tcpfsm_log_get(u64 *seq, struct tcpfsm_record *rec)
{
	unsigned long flags;
	bool found = false;

	raw_spin_lock_irqsave(&tcpfsm_log_lock, flags);
	if (*seq < tcpfsm_log_tail)
		*seq = tcpfsm_log_tail;
	if (*seq < tcpfsm_log_head) {
		*rec = *tcpfsm_log_slot(*seq);
		found = true;
	}
	raw_spin_unlock_irqrestore(&tcpfsm_log_lock, flags);
	return found;
}

/* Bytes allocated for the ring. */
size_t tcpfsm_log_bytes(void)
{
	return (size_t)tcpfsm_log_cap * sizeof(*tcpfsm_log_ring);
}

/* Records held, records overwritten since the last reset, next seq. */
void tcpfsm_log_stats(u64 *records, u64 *dropped, u64 *next_seq)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&tcpfsm_log_lock, flags);
	*records = tcpfsm_log_head - tcpfsm_log_tail;
	*dropped = tcpfsm_log_dropped;
	*next_seq = tcpfsm_log_head;
	raw_spin_unlock_irqrestore(&tcpfsm_log_lock, flags);
}

static const char *const tcpfsm_ctx_names[] = {
	[TCPFSM_CTX_TASK]	= "task",
	[TCPFSM_CTX_SOFTIRQ]	= "softirq",
	[TCPFSM_CTX_IRQ]	= "irq",
};

/* Print a task name so that it contains no space and no control byte. */
static void tcpfsm_comm_show(struct seq_file *m, const char *comm)
{
	for (; *comm; comm++) {
		unsigned char c = *comm;

		if (c < 0x21 || c > 0x7e || c == '\\')
			seq_printf(m, "\\x%02x", c);
		else
			seq_putc(m, c);
	}
}

/* Print an address and port as 1.2.3.4:80 or [::1]:80. */
static void tcpfsm_addr_show(struct seq_file *m, u16 family,
			     const struct in6_addr *addr, u16 port)
{
	if (family == AF_INET6)
		seq_printf(m, "[%pI6c]:%u", addr, port);
	else
		seq_printf(m, "%pI4:%u", &addr->s6_addr32[3], port);
}

/* Print the stack as symbol+off/size entries joined by commas. */
static void tcpfsm_stack_show(struct seq_file *m,
			      const struct tcpfsm_record *rec)
{
	char sym[KSYM_SYMBOL_LEN];
	unsigned int i;
	char *p;

	if (!rec->nr_entries) {
		seq_putc(m, '-');
		return;
	}
	for (i = 0; i < rec->nr_entries; i++) {
		sprint_symbol(sym, rec->entries[i]);
		/* "fn+0x1/0x2 [mod]" becomes "fn+0x1/0x2[mod]" */
		for (p = sym; *p; p++)
			if (*p != ' ')
				seq_putc(m, *p);
		if (i + 1 < rec->nr_entries)
			seq_putc(m, ',');
	}
}

/* One line of the "illegal" file. */
void tcpfsm_record_show(struct seq_file *m, const struct tcpfsm_record *rec)
{
	const struct tcpfsm_event *ev = &rec->ev;
	char from[16], to[16];

	seq_printf(m, "seq=%llu ts_ns=%llu cpu=%u pid=%d comm=",
		   rec->seq, rec->ts_ns, rec->cpu, rec->pid);
	tcpfsm_comm_show(m, rec->comm);
	seq_printf(m, " ctx=%s netns=%u uid=%u cgroup=%llu proto=%s family=%s src=",
		   tcpfsm_ctx_names[rec->ctx], ev->netns, ev->uid, ev->cgroup,
		   tcpfsm_proto_names[ev->proto],
		   ev->family == AF_INET6 ? "inet6" : "inet");
	tcpfsm_addr_show(m, ev->family, &ev->saddr, ev->sport);
	seq_puts(m, " dst=");
	tcpfsm_addr_show(m, ev->family, &ev->daddr, ev->dport);
	seq_printf(m, " from=%s to=%s injected=%d stack=",
		   tcpfsm_state_str(ev->proto, ev->from, from, sizeof(from)),
		   tcpfsm_state_str(ev->proto, ev->to, to, sizeof(to)),
		   ev->injected);
	tcpfsm_stack_show(m, rec);
	seq_putc(m, '\n');
}
