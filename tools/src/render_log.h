/* SPDX-License-Identifier: GPL-2.0 */
/*
 * render_log.h - one illegal-transition record, as text or JSON
 */
#ifndef TCPFSM_RENDER_LOG_H
#define TCPFSM_RENDER_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"
#include "out.h"
#include "parse.h"

void log_text_record(const struct out *o, const struct tf_record *r, bool stack,
		     bool ago, uint64_t now);
void log_json_record(struct json *j, const struct tf_record *r);

#endif
