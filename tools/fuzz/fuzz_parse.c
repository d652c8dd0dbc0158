// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_parse.c - libFuzzer target over every debugfs parser of tcpfsm.
 *
 * Each input goes through all eight parsers (the first line decides which
 * one gets past the header, and the seeds from tests/fixtures/ provide the
 * headers).  What parses is then printed by the text and JSON helpers to
 * /dev/null, so escaping and formatting see the same hostile bytes.
 *
 *   make -C tools fuzz FUZZ_SECONDS=60
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fsm.h"
#include "json.h"
#include "out.h"
#include "parse.h"
#include "render_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink;

/* Print what the illegal parser produced, in both forms and both locales. */
static void print_log(const struct tf_log *log)
{
	struct out text = { .f = sink, .color = true, .utf8 = true };
	struct out ascii = { .f = sink };
	struct json j;
	size_t i;

	json_init(&j, sink, true);
	json_arr(&j);
	for (i = 0; i < log->n; i++) {
		log_text_record(&text, &log->v[i], true, true, 1);
		log_text_record(&ascii, &log->v[i], false, false, 0);
		log_json_record(&j, &log->v[i]);
	}
	json_arr_end(&j);
	json_end(&j);
}

static void print_table(const struct tf_table *t)
{
	struct out text = { .f = sink, .utf8 = true };
	struct out ascii = { .f = sink };
	struct json j;
	size_t i;

	json_init(&j, sink, false);
	json_arr(&j);
	for (i = 0; i < t->n; i++) {
		out_safe(&text, t->v[i].reason, strlen(t->v[i].reason));
		out_safe(&ascii, t->v[i].reason, strlen(t->v[i].reason));
		json_str(&j, t->v[i].reason);
	}
	json_arr_end(&j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct tf_transitions tr;
	struct tf_states st;
	struct tf_stats sx;
	struct tf_log lg;
	struct tf_table tb;
	struct tf_lifecycle lc;
	struct tf_dwell dw;
	struct tf_netns ns;
	struct tf_err e;
	char tmp[64];

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (!tf_parse_transitions(buf, size, &tr, &e))
		tf_transitions_free(&tr);
	if (!tf_parse_states(buf, size, &st, &e))
		tf_states_free(&st);
	if (!tf_parse_stats(buf, size, &sx, &e))
		fprintf(sink, "%s\n", sx.version);
	if (!tf_parse_illegal(buf, size, &lg, &e)) {
		print_log(&lg);
		tf_log_free(&lg);
	}
	if (!tf_parse_table(buf, size, &tb, &e)) {
		print_table(&tb);
		tf_table_free(&tb);
	}
	if (!tf_parse_lifecycle(buf, size, &lc, &e))
		tf_lifecycle_free(&lc);
	if (!tf_parse_dwell(buf, size, &dw, &e))
		tf_dwell_free(&dw);
	if (!tf_parse_netns(buf, size, &ns, &e))
		tf_netns_free(&ns);
	/* the helpers that see raw user words */
	if (size < sizeof(tmp)) {
		memcpy(tmp, data, size);
		tmp[size] = '\0';
		(void)fsm_lookup_state(tmp);
		(void)fsm_parse_state(tmp);
	}
	return 0;
}
