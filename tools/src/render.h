/* SPDX-License-Identifier: GPL-2.0 */
/*
 * render.h - pieces shared by the views
 */
#ifndef TCPFSM_RENDER_H
#define TCPFSM_RENDER_H

#include "cmds.h"
#include "json.h"
#include "out.h"
#include "snap.h"

void json_begin_doc(struct json *j, struct out *o, const struct opts *op, const char *cmd);
void json_end_doc(struct json *j);
void json_stats(struct json *j, const struct snap *s);
void json_sockets(struct json *j, const struct snap *s);
int num_width(uint64_t v);
void fmt_gauge(char *buf, size_t len, const struct tf_state_row *r);
void fmt_netns(char *buf, size_t len, const struct tf_netns_row *r);
void print_module_line(struct out *o, const struct snap *s);

#endif
