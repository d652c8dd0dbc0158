/* SPDX-License-Identifier: GPL-2.0 */
/*
 * out.h - terminal output: colour, UTF-8 or ASCII, and safe printing of
 * strings that come from the kernel (comm, stack frames, reasons).
 */
#ifndef TCPFSM_OUT_H
#define TCPFSM_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum col { C_RESET, C_BOLD, C_DIM, C_RED, C_GREEN, C_YELLOW, C_BLUE, C_CYAN };

struct out {
	FILE *f;
	bool color;	/* ANSI colours */
	bool utf8;	/* the locale's codeset is UTF-8 */
	bool tty;	/* stdout is a terminal */
};

const char *out_col(const struct out *o, enum col c);
const char *out_verdict_col(const struct out *o, unsigned int verdict);
void out_safe(const struct out *o, const char *s, size_t n);
size_t out_escape(const char *s, size_t n, bool utf8, char *buf, size_t len);
void out_bar(const struct out *o, uint64_t value, uint64_t max, int width);
size_t utf8_seq_len(const unsigned char *s, size_t n);
void fmt_seconds(char *buf, size_t len, uint64_t ns);
void fmt_dec6(char *buf, size_t len, uint64_t v);

#endif
