// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - command line of tcpfsm: options, locale and colour detection,
 * dispatch, and turning the output into stdout only when a command worked.
 */
#include <errno.h>
#include <stdarg.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "fsm.h"
#include "parse.h"
#include "source.h"
#include "tcpfsm.h"
#include "util.h"

struct command {
	const char *name;
	int (*fn)(const struct opts *op, struct out *o);
	bool json;		/* accepts --json */
	bool stream;		/* writes straight to stdout */
};

static const struct command commands[] = {
	{ "summary",	 cmd_summary,	  true,  false },
	{ "states",	 cmd_states,	  true,  false },
	{ "transitions", cmd_transitions, true,  false },
	{ "log",	 cmd_log,	  true,  false },
	{ "watch",	 cmd_watch,	  true,  true },
	{ "table",	 cmd_table,	  true,  false },
	{ "explain",	 cmd_explain,	  true,  false },
	{ "dot",	 cmd_dot,	  false, false },
	{ "prometheus",	 cmd_prometheus,  false, false },
	{ "lifecycle",	 cmd_lifecycle,	  true,  false },
	{ "dwell",	 cmd_dwell,	  true,  false },
	{ "netns",	 cmd_netns,	  true,  false },
	{ "reset",	 cmd_reset,	  false, false },
};

static const char usage_text[] =
"Usage: tcpfsm [--root DIR] [--json] [--color WHEN] [COMMAND [OPTIONS]]\n"
"\n"
"Read the counters of the tcpfsm kernel module (TCP state transitions checked\n"
"against the RFC 9293 table) from debugfs.\n"
"\n"
"Commands:\n"
"  (none), summary        sockets per state, totals, newest illegal records\n"
"  states                 every state: current sockets, entered, exited\n"
"  transitions [--list]   FROM x TO grid of TCP counts with verdicts\n"
"  log [-f] [--stack]     illegal-transition records; -f follows new ones\n"
"  watch [-i SEC] [-n N]  refreshing dashboard with per-second rates\n"
"  table                  the reference table in force, with live counts\n"
"  explain [STATE]        what a state means, its edges and live counts\n"
"  dot                    the state diagram in Graphviz DOT\n"
"  prometheus [--textfile DIR]\n"
"                         metrics in the Prometheus text format\n"
"  lifecycle              transitions with TIME_WAIT put back (needs tracking)\n"
"  dwell                  time spent in each state, as histograms\n"
"  netns                  sockets per state per network namespace\n"
"  reset                  zero the resettable counters and empty the log\n"
"\n"
"Options:\n"
"  --root DIR     read DIR instead of " TCPFSM_DEFAULT_ROOT "\n"
"  --json         one JSON document (log -f and watch: one per line)\n"
"  --color WHEN   auto (default: a terminal and no NO_COLOR), always, never\n"
"  -f, --follow   log: print new records as they come, until SIGINT/SIGTERM\n"
"  --stack        log: the whole kernel stack, one frame per line\n"
"  --list         transitions: one line per pair instead of the grid\n"
"  --textfile DIR prometheus: replace DIR/tcpfsm.prom atomically (temporary file,\n"
"                 fsync, rename) for node_exporter's textfile collector; when\n"
"                 the module cannot be read the file says tcpfsm_up 0\n"
"  -i, --interval SEC  watch: seconds between refreshes (default 1)\n"
"  -n, --count N  watch: stop after N refreshes\n"
"  -h, --help     this help;  -V, --version  version and debugfs format\n"
"\n"
"Exit status: 0 ok, 1 malformed file, 2 usage, 3 debugfs or module or file\n"
"missing, 4 permission denied, 5 unknown file format, 6 other system error.\n";

/* Print a usage error and return EX_USAGE. */
__attribute__((format(printf, 1, 2)))
/* Print a usage error and return EX_USAGE. */
static int usage_err(const char *fmt, ...)
{
	va_list ap;

	fputs("tcpfsm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'tcpfsm --help'.\n", stderr);
	return EX_USAGE;
}

/* SIGINT/SIGTERM: ask the loop to stop. */
static void on_signal(int sig)
{
	(void)sig;
	tcpfsm_stop = 1;
}

/* SIGINT and SIGTERM set tcpfsm_stop and interrupt sleeps (no SA_RESTART). */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* True when the locale's character set is UTF-8. */
static bool locale_utf8(void)
{
	const char *cs;

	if (!setlocale(LC_CTYPE, ""))
		return false;
	cs = nl_langinfo(CODESET);
	return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

/* Parse a positive number of seconds for -i. */
static int parse_interval(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end || !(*v >= 0.05 && *v <= 86400))
		return -1;
	return 0;
}

/* The argument of an option: "--opt=VAL", or the next word. */
static const char *opt_arg(int argc, char **argv, int *i, const char *opt)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* Whether ARG is the option OPT, alone or as OPT=VALUE. */
static bool is_opt(const char *arg, const char *opt)
{
	size_t n = strlen(opt);

	return strncmp(arg, opt, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* Write the buffered output of a command to stdout. */
static int emit(const char *buf, size_t len)
{
	if (len && fwrite(buf, 1, len, stdout) != len)
		goto bad;
	if (fflush(stdout))
		goto bad;
	return EX_OK;
bad:
	errmsg("writing the output: %s", strerror(errno));
	return EX_SYS;
}

/* Parse the command line, run the command, write its output. */
int main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	const char *color = "auto", *a;
	char root[4096] = TCPFSM_DEFAULT_ROOT;
	struct opts op = { .interval = 1.0 };
	struct out o = { 0 };
	bool have_n = false, have_i = false;
	char *buf = NULL;
	size_t len = 0, k, rl;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0 ||
		    strcmp(arg, "help") == 0) {
			fputs(usage_text, stdout);
			return fflush(stdout) ? EX_SYS : EX_OK;
		}
		if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
			printf("tcpfsm %s (reads debugfs format %d)\n", TCPFSM_TOOL_VERSION,
			       FSM_FORMAT);
			return fflush(stdout) ? EX_SYS : EX_OK;
		}
		if (is_opt(arg, "--root")) {
			a = opt_arg(argc, argv, &i, "--root");
			if (!a || !*a)
				return usage_err("--root needs a directory");
			if (strlen(a) >= sizeof(root))
				return usage_err("--root: path too long");
			strcpy(root, a);
		} else if (strcmp(arg, "--json") == 0) {
			op.json = true;
		} else if (is_opt(arg, "--color") || is_opt(arg, "--colour")) {
			color = opt_arg(argc, argv, &i, arg[6] == 'u' ? "--colour" : "--color");
			if (!color || (strcmp(color, "auto") && strcmp(color, "always") &&
				       strcmp(color, "never")))
				return usage_err("--color takes auto, always or never");
		} else if (strcmp(arg, "-f") == 0 || strcmp(arg, "--follow") == 0) {
			op.follow = true;
		} else if (strcmp(arg, "--stack") == 0) {
			op.stack = true;
		} else if (strcmp(arg, "--list") == 0) {
			op.list = true;
		} else if (is_opt(arg, "--textfile")) {
			a = opt_arg(argc, argv, &i, "--textfile");
			if (!a || !*a)
				return usage_err("--textfile needs a directory");
			if (strlen(a) > PROM_TEXTFILE_DIR_MAX)
				return usage_err("--textfile: path too long");
			op.textfile = a;
		} else if (strcmp(arg, "-i") == 0 || is_opt(arg, "--interval")) {
			a = opt_arg(argc, argv, &i, "--interval");
			if (!a || parse_interval(a, &op.interval))
				return usage_err("-i takes seconds between 0.05 and 86400");
			have_i = true;
		} else if (strcmp(arg, "-n") == 0 || is_opt(arg, "--count")) {
			uint64_t n;

			a = opt_arg(argc, argv, &i, "--count");
			if (!a || tf_parse_u64(a, &n) || n < 1 || n > 1000000000)
				return usage_err("-n takes a count of refreshes (1 or more)");
			op.count = (long)n;
			have_n = true;
		} else if (arg[0] == '-' && arg[1]) {
			return usage_err("unknown option '%s'", arg);
		} else if (!cmd) {
			for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
				if (strcmp(arg, commands[k].name) == 0)
					cmd = &commands[k];
			if (!cmd)
				return usage_err("unknown command '%s'", arg);
		} else if (cmd->fn == cmd_explain && !op.state) {
			op.state = arg;
		} else {
			return usage_err("unexpected argument '%s'", arg);
		}
	}
	if (!cmd)
		cmd = &commands[0];
	if (op.json && !cmd->json)
		return usage_err("%s has its own format; --json does not apply", cmd->name);
	if ((op.follow || op.stack) && cmd->fn != cmd_log)
		return usage_err("-f and --stack belong to 'log'");
	if (op.list && cmd->fn != cmd_transitions)
		return usage_err("--list belongs to 'transitions'");
	if (op.textfile && cmd->fn != cmd_prometheus)
		return usage_err("--textfile belongs to 'prometheus'");
	if ((have_i || have_n) && cmd->fn != cmd_watch)
		return usage_err("-i and -n belong to 'watch'");

	/* "/sys/kernel/debug/tcpfsm/" is the default path too */
	rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		root[--rl] = '\0';
	op.root = root;

	o.utf8 = locale_utf8();
	o.tty = isatty(STDOUT_FILENO);
	if (strcmp(color, "always") == 0)
		o.color = true;
	else if (strcmp(color, "auto") == 0)
		o.color = o.tty && !getenv("NO_COLOR");

	if (cmd->stream || op.follow) {
		catch_signals();
		o.f = stdout;
		rc = op.follow ? cmd_follow(&op, &o) : cmd->fn(&op, &o);
		if (fflush(stdout) && rc == EX_OK) {
			errmsg("writing the output: %s", strerror(errno));
			rc = EX_SYS;
		}
		return rc;
	}
	o.f = open_memstream(&buf, &len);
	if (!o.f) {
		errmsg("open_memstream: %s", strerror(errno));
		return EX_SYS;
	}
	rc = cmd->fn(&op, &o);
	if (fclose(o.f)) {
		errmsg("out of memory");
		free(buf);
		return EX_SYS;
	}
	if (op.textfile)
		rc = prom_textfile(op.textfile, buf, len, rc);
	else if (rc == EX_OK)
		rc = emit(buf, len);
	free(buf);
	return rc;
}
