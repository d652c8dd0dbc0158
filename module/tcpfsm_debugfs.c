// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm_debugfs.c - the files under /sys/kernel/debug/tcpfsm/
 *
 * The format of every file is a contract documented in docs/debugfs.md.
 * Readers sum the per-CPU counters when they open a file; writes are
 * parsed strictly and anything unexpected is -EINVAL with nothing changed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "tcpfsm.h"
#include "tcpfsm_compat.h"

/*
 * Longest accepted write, newline included: room for the longest inject
 * line without padding, "DCCP" and two 16-character state names with two
 * IPv6 endpoints in their longest form
 * ("[0000:...:0000:255.255.255.255]:65535"), about 150 bytes.
 */
#define TCPFSM_WRITE_MAX 256

static struct dentry *tcpfsm_dir;

static void tcpfsm_header(struct seq_file *m, const char *file,
			  const char *columns)
{
	seq_printf(m, "# tcpfsm %s format %d\n# %s\n", file,
		   TCPFSM_FORMAT_VERSION, columns);
}

/* Take a snapshot of the counters for one read of a file. */
static struct tcpfsm_counters *tcpfsm_snapshot(void)
{
	struct tcpfsm_counters *c = kvmalloc(sizeof(*c), GFP_KERNEL);

	if (c)
		tcpfsm_counters_read(c);
	return c;
}

static int transitions_show(struct seq_file *m, void *v)
{
	struct tcpfsm_counters *c = tcpfsm_snapshot();
	unsigned int p, from, to;
	char fbuf[16], tbuf[16];

	if (!c)
		return -ENOMEM;
	tcpfsm_header(m, "transitions", "PROTO FROM TO COUNT VERDICT");
	for (p = 0; p < TCPFSM_NPROTO; p++)
		for (from = 0; from < TCPFSM_NSLOTS; from++)
			for (to = 0; to < TCPFSM_NSLOTS; to++) {
				u64 n = c->transitions[p][from][to];

				if (!n)
					continue;
				seq_printf(m, "%s %s %s %llu %s\n",
					   tcpfsm_proto_names[p],
					   tcpfsm_state_str(p, from, fbuf, sizeof(fbuf)),
					   tcpfsm_state_str(p, to, tbuf, sizeof(tbuf)), n,
					   tcpfsm_verdict_names[tcpfsm_verdict(p, from, to)]);
			}
	kvfree(c);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(transitions);

/*
 * Events entering and leaving @state; births (a child cloned from a socket
 * in @state, in any protocol) do not leave it.
 * With time-wait tracking, TIME_WAIT adds the time-wait socks entering and
 * leaving that substate, and an orphan handed over in substate FIN_WAIT2
 * leaves FIN_WAIT2 only when its FIN arrives or it goes: as its gauge says.
 */
static void tcpfsm_entered_exited(const struct tcpfsm_counters *c,
				  unsigned int p, unsigned int state,
				  u64 *entered, u64 *exited)
{
	unsigned int s;

	*entered = 0;
	*exited = 0;
	for (s = 0; s < TCPFSM_NSLOTS; s++) {
		*entered += c->transitions[p][s][state];
		if (tcpfsm_actions[p][state][s] & TCPFSM_ACT_BIRTH)
			continue;
		*exited += c->transitions[p][state][s];
	}
	if (p != TCPFSM_PROTO_TCP || !tcpfsm_timewait_tracking)
		return;
	if (state == TCPFSM_TIME_WAIT) {
		*entered += c->tw_fw2_to_tw;
		for (s = 0; s < TCPFSM_NSLOTS; s++)
			*entered += c->tw_handoff[s][TCPFSM_TW_TIME_WAIT];
		for (s = 0; s < TCPFSM_TW_NEXITS; s++)
			*exited += c->tw_exits[TCPFSM_TW_TIME_WAIT][s];
	} else if (state == TCPFSM_FIN_WAIT2) {
		*exited += c->tw_fw2_to_tw;
		for (s = 0; s < TCPFSM_NSLOTS; s++)
			*exited -= c->tw_handoff[s][TCPFSM_TW_FIN_WAIT2];
		for (s = 0; s < TCPFSM_TW_NEXITS; s++)
			*exited += c->tw_exits[TCPFSM_TW_FIN_WAIT2][s];
	}
}

static int states_show(struct seq_file *m, void *v)
{
	struct tcpfsm_counters *c = tcpfsm_snapshot();
	unsigned int p, s;
	u64 entered, exited;
	char buf[16];

	if (!c)
		return -ENOMEM;
	tcpfsm_header(m, "states", "PROTO STATE CURRENT ENTERED EXITED");
	for (p = 0; p < TCPFSM_NPROTO; p++)
		for (s = 0; s < TCPFSM_NSLOTS; s++) {
			bool named = tcpfsm_proto_state_name(p, s,
							TCPFSM_TCP_MAX_STATES);

			tcpfsm_entered_exited(c, p, s, &entered, &exited);
			/* Every TCP state is listed, the rest when used. */
			if (!(p == TCPFSM_PROTO_TCP && named) &&
			    !entered && !exited)
				continue;
			seq_printf(m, "%s %s ", tcpfsm_proto_names[p],
				   tcpfsm_state_str(p, s, buf, sizeof(buf)));
			if (p == TCPFSM_PROTO_TCP && tcpfsm_state_has_gauge(s))
				seq_printf(m, "%lld", tcpfsm_current(c->gauge,
								     c->tw_gauge, s));
			else
				seq_putc(m, '-');
			seq_printf(m, " %llu %llu\n", entered, exited);
		}
	kvfree(c);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(states);

/* The stats of the optional features (docs/debugfs.md, "stats"). */
static void tcpfsm_stats_features(struct seq_file *m,
				  const struct tcpfsm_counters *c)
{
	unsigned long tracked, seeded, uncertain;
	unsigned int capacity, ns_tracked, ns_folded;
	u64 exits[TCPFSM_TW_NEXITS] = { 0 };
	size_t dwell_bytes, ns_bytes;
	unsigned int sub, why;

	for (sub = 0; sub < TCPFSM_TW_NSUB; sub++)
		for (why = 0; why < TCPFSM_TW_NEXITS; why++)
			exits[why] += c->tw_exits[sub][why];
	seq_printf(m, "timewait_tracking %d\n", tcpfsm_timewait_tracking);
	seq_printf(m, "timewait_fin_wait2 %lld\n",
		   c->tw_gauge[TCPFSM_TW_FIN_WAIT2]);
	seq_printf(m, "timewait_exits_timer %llu\n",
		   exits[TCPFSM_TW_EXIT_TIMER]);
	seq_printf(m, "timewait_exits_early %llu\n",
		   exits[TCPFSM_TW_EXIT_EARLY]);
	seq_printf(m, "timewait_exits_netns %llu\n",
		   exits[TCPFSM_TW_EXIT_NETNS]);
	seq_printf(m, "timewait_missed %lu\n", tcpfsm_timewait_missed());

	tcpfsm_dwell_stats(&tracked, &capacity, &dwell_bytes);
	seq_printf(m, "dwell %d\n", tcpfsm_dwell_active());
	seq_printf(m, "dwell_tracked %lu\n", tracked);
	seq_printf(m, "dwell_capacity %u\n", capacity);
	seq_printf(m, "dwell_misses %llu\n", c->dwell_misses);

	tcpfsm_netns_stats(&ns_tracked, &ns_folded, &ns_bytes);
	seq_printf(m, "netns_cap %u\n", tcpfsm_netns_cap);
	seq_printf(m, "netns_tracked %u\n", ns_tracked);
	seq_printf(m, "netns_folded %u\n", ns_folded);

	tcpfsm_seed_stats(&seeded, &uncertain);
	seq_printf(m, "seeded %lu\n", seeded);
	seq_printf(m, "seed_uncertain %lu\n", uncertain);

	/* Everything the module allocated; fixed from the load on. */
	seq_printf(m, "memory_bytes %zu\n",
		   sizeof(*c) * (num_possible_cpus() + 1) +
		   tcpfsm_log_bytes() + dwell_bytes + ns_bytes);
}

static int stats_show(struct seq_file *m, void *v)
{
	struct tcpfsm_counters *c = tcpfsm_snapshot();
	u64 events = 0, records, dropped, next_seq;
	const u64 *cell;
	size_t i;

	if (!c)
		return -ENOMEM;
	cell = &c->transitions[0][0][0];
	for (i = 0; i < sizeof(c->transitions) / sizeof(u64); i++)
		events += cell[i];
	events += c->out_of_range;
	tcpfsm_log_stats(&records, &dropped, &next_seq);

	tcpfsm_header(m, "stats", "KEY VALUE");
	seq_printf(m, "version %s\n", TCPFSM_VERSION);
	seq_printf(m, "format %d\n", TCPFSM_FORMAT_VERSION);
	seq_printf(m, "events %llu\n", events);
	seq_printf(m, "illegal %llu\n", c->illegal);
	seq_printf(m, "unknown_state %llu\n", c->unknown_state);
	seq_printf(m, "injected %llu\n", c->injected);
	seq_printf(m, "log_records %llu\n", records);
	seq_printf(m, "log_dropped %llu\n", dropped);
	seq_printf(m, "log_size %u\n", tcpfsm_log_size);
	seq_printf(m, "log_next_seq %llu\n", next_seq);
	seq_printf(m, "strict %d\n", tcpfsm_strict);
	seq_printf(m, "inject %d\n", tcpfsm_inject);
	tcpfsm_stats_features(m, c);
	kvfree(c);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/*
 * The RFC view of TCP (docs/debugfs.md, "lifecycle"): the transitions as
 * reported, with the hand-over to time-wait socks put back where RFC 9293
 * draws it.
 */
static int lifecycle_show(struct seq_file *m, void *v)
{
	struct tcpfsm_counters *c = tcpfsm_snapshot();
	u64 (*l)[TCPFSM_NSLOTS];
	unsigned int from, to, why;
	char fbuf[16], tbuf[16];

	if (!c)
		return -ENOMEM;
	l = c->transitions[TCPFSM_PROTO_TCP];
	for (from = 0; from < TCPFSM_NSLOTS; from++) {
		u64 handed = c->tw_handoff[from][TCPFSM_TW_FIN_WAIT2] +
			     c->tw_handoff[from][TCPFSM_TW_TIME_WAIT];

		/* The counters are read one by one: never go below zero. */
		l[from][TCPFSM_CLOSE] -= min(handed, l[from][TCPFSM_CLOSE]);
		l[from][TCPFSM_TIME_WAIT] +=
			c->tw_handoff[from][TCPFSM_TW_TIME_WAIT];
	}
	l[TCPFSM_FIN_WAIT2][TCPFSM_TIME_WAIT] += c->tw_fw2_to_tw;
	for (why = 0; why < TCPFSM_TW_NEXITS; why++) {
		l[TCPFSM_FIN_WAIT2][TCPFSM_CLOSE] +=
			c->tw_exits[TCPFSM_TW_FIN_WAIT2][why];
		l[TCPFSM_TIME_WAIT][TCPFSM_CLOSE] +=
			c->tw_exits[TCPFSM_TW_TIME_WAIT][why];
	}

	tcpfsm_header(m, "lifecycle", "FROM TO COUNT");
	for (from = 0; from < TCPFSM_NSLOTS; from++)
		for (to = 0; to < TCPFSM_NSLOTS; to++)
			if (l[from][to])
				seq_printf(m, "%s %s %llu\n",
					   tcpfsm_state_str(TCPFSM_PROTO_TCP, from,
							    fbuf, sizeof(fbuf)),
					   tcpfsm_state_str(TCPFSM_PROTO_TCP, to,
							    tbuf, sizeof(tbuf)),
					   l[from][to]);
	kvfree(c);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lifecycle);

/* Time in each TCP state: log2 histograms in microseconds. */
static int dwell_show(struct seq_file *m, void *v)
{
	struct tcpfsm_counters *c = tcpfsm_snapshot();
	unsigned int s, b;
	char buf[16];

	if (!c)
		return -ENOMEM;
	tcpfsm_header(m, "dwell",
		      "PROTO STATE BUCKET_US COUNT | PROTO STATE count N | PROTO STATE sum_us N");
	for (s = 0; s < TCPFSM_NSLOTS; s++) {
		const char *name = tcpfsm_state_str(TCPFSM_PROTO_TCP, s, buf,
						    sizeof(buf));
		u64 n = 0;

		for (b = 0; b < TCPFSM_DWELL_BUCKETS; b++) {
			if (!c->dwell[s][b])
				continue;
			n += c->dwell[s][b];
			seq_printf(m, "TCP %s %llu %llu\n", name, 1ULL << b,
				   c->dwell[s][b]);
		}
		if (!n)
			continue;
		seq_printf(m, "TCP %s count %llu\n", name, n);
		seq_printf(m, "TCP %s sum_us %llu\n", name,
			   c->dwell_sum_us[s]);
	}
	kvfree(c);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dwell);

static int netns_show(struct seq_file *m, void *v)
{
	return tcpfsm_netns_show(m);
}
DEFINE_SHOW_ATTRIBUTE(netns);

static int table_show(struct seq_file *m, void *v)
{
	tcpfsm_table_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(table);

/*
 * The "illegal" file walks the log by sequence number: *pos 0 is the
 * header, *pos n > 0 the oldest record with seq >= n.  Each step copies one
 * record under the log lock, so a reader never holds it for long and never
 * sees a half-written record.
 */
static void *illegal_start(struct seq_file *m, loff_t *pos)
{
	struct tcpfsm_record *rec = m->private;
	u64 seq = *pos;

	if (!*pos)
		return SEQ_START_TOKEN;
	if (!tcpfsm_log_get(&seq, rec))
		return NULL;
	*pos = seq;
	return rec;
}

static void *illegal_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct tcpfsm_record *rec = m->private;

	*pos = v == SEQ_START_TOKEN ? 1 : rec->seq + 1;
	return illegal_start(m, pos);
}

static void illegal_stop(struct seq_file *m, void *v)
{
}

static int illegal_show(struct seq_file *m, void *v)
{
	if (v == SEQ_START_TOKEN)
		seq_printf(m, "# tcpfsm illegal format %d\n",
			   TCPFSM_FORMAT_VERSION);
	else
		tcpfsm_record_show(m, v);
	return 0;
}

static const struct seq_operations illegal_seq_ops = {
	.start = illegal_start,
	.next = illegal_next,
	.stop = illegal_stop,
	.show = illegal_show,
};

static int illegal_open(struct inode *inode, struct file *file)
{
	return seq_open_private(file, &illegal_seq_ops,
				sizeof(struct tcpfsm_record));
}

static const struct file_operations illegal_fops = {
	.owner = THIS_MODULE,
	.open = illegal_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

/*
 * Copy a one-line command from userspace into @buf (NUL-terminated, one
 * trailing newline removed).  Returns 0 or -EINVAL/-EFAULT.
 */
static int tcpfsm_copy_command(char *buf, size_t size, const char __user *ubuf,
			       size_t count)
{
	if (!count || count >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (buf[count - 1] == '\n')
		buf[--count] = '\0';
	if (strlen(buf) != count || strchr(buf, '\n'))
		return -EINVAL;	/* embedded NUL or several lines */
	return 0;
}

static ssize_t control_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	char buf[TCPFSM_WRITE_MAX];
	int err;

	err = tcpfsm_copy_command(buf, sizeof(buf), ubuf, count);
	if (err)
		return err;
	if (strcmp(buf, "reset"))
		return -EINVAL;
	if (tcpfsm_netns_active()) {
		err = tcpfsm_netns_reset();
		if (err)
			return err;
	}
	tcpfsm_counters_reset();
	tcpfsm_log_clear();
	return count;
}

static const struct file_operations control_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = control_write,
	.llseek = noop_llseek,
};

static ssize_t inject_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	char buf[TCPFSM_WRITE_MAX];
	struct tcpfsm_event ev;
	int err;

	err = tcpfsm_copy_command(buf, sizeof(buf), ubuf, count);
	if (err)
		return err;
	err = tcpfsm_inject_parse(buf, &ev);
	if (err)
		return err;
	tcpfsm_judge(&ev);
	return count;
}

static const struct file_operations inject_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = inject_write,
	.llseek = noop_llseek,
};

/*
 * Create one file, unless an earlier one failed: the files are the module's
 * only interface, so a file missing while "stats" says its feature is on
 * would mislead.  The first error is kept in *@err.
 */
static void tcpfsm_debugfs_file(const char *name, umode_t mode,
				const struct file_operations *fops, int *err)
{
	struct dentry *d;

	if (*err)
		return;
	d = debugfs_create_file(name, mode, tcpfsm_dir, NULL, fops);
	if (IS_ERR(d)) {
		*err = PTR_ERR(d);
		pr_err("cannot create debugfs file %s: error %d\n", name, *err);
	}
}

/* Create the directory and every file of the features in force, or none. */
int tcpfsm_debugfs_init(void)
{
	int err = 0;

	tcpfsm_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(tcpfsm_dir)) {
		pr_err("cannot create debugfs directory: error %ld (is debugfs enabled and allowed?)\n",
		       PTR_ERR(tcpfsm_dir));
		return PTR_ERR(tcpfsm_dir);
	}
	tcpfsm_debugfs_file("transitions", 0400, &transitions_fops, &err);
	tcpfsm_debugfs_file("states", 0400, &states_fops, &err);
	tcpfsm_debugfs_file("stats", 0400, &stats_fops, &err);
	tcpfsm_debugfs_file("illegal", 0400, &illegal_fops, &err);
	tcpfsm_debugfs_file("table", 0400, &table_fops, &err);
	tcpfsm_debugfs_file("control", 0200, &control_fops, &err);
	if (tcpfsm_timewait_tracking)
		tcpfsm_debugfs_file("lifecycle", 0400, &lifecycle_fops, &err);
	if (tcpfsm_dwell_active())
		tcpfsm_debugfs_file("dwell", 0400, &dwell_fops, &err);
	if (tcpfsm_netns_active())
		tcpfsm_debugfs_file("netns", 0400, &netns_fops, &err);
	if (tcpfsm_inject)
		tcpfsm_debugfs_file("inject", 0200, &inject_fops, &err);
	if (err)
		debugfs_remove_recursive(tcpfsm_dir);
	return err;
}

/* Remove every file; waits for readers and writers still inside them. */
void tcpfsm_debugfs_exit(void)
{
	debugfs_remove_recursive(tcpfsm_dir);
}
