/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - a small streaming JSON writer (RFC 8259)
 */
#ifndef TCPFSM_JSON_H
#define TCPFSM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAXDEPTH 32

struct json {
	FILE *f;
	bool pretty;		/* indent; else one line */
	int depth;
	bool first[JSON_MAXDEPTH];
	bool after_key;
};

void json_init(struct json *j, FILE *f, bool pretty);
void json_obj(struct json *j);
void json_obj_end(struct json *j);
void json_arr(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *k);
void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const char *s, size_t n);
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
void json_raw(struct json *j, const char *number);
void json_end(struct json *j);

/* key + value shorthands */
void json_kstr(struct json *j, const char *k, const char *s);
void json_ku64(struct json *j, const char *k, uint64_t v);
void json_kbool(struct json *j, const char *k, bool v);

#endif
