// SPDX-License-Identifier: GPL-2.0
/*
 * out.c - helpers shared by the text views: colours that vanish when
 * colour is off, escaping of untrusted bytes, bars, time formatting.
 */
#include <stdio.h>
#include <string.h>

#include "fsm.h"
#include "out.h"

static const char *const ansi[] = {
	[C_RESET]	= "\033[0m",
	[C_BOLD]	= "\033[1m",
	[C_DIM]		= "\033[2m",
	[C_RED]		= "\033[1;31m",
	[C_GREEN]	= "\033[32m",
	[C_YELLOW]	= "\033[33m",
	[C_BLUE]	= "\033[34m",
	[C_CYAN]	= "\033[36m",
};

/* The escape sequence for colour C, or "" when colour is off. */
const char *out_col(const struct out *o, enum col c)
{
	return o->color ? ansi[c] : "";
}

/* The colour of a verdict: rfc green, linux yellow, illegal red. */
const char *out_verdict_col(const struct out *o, unsigned int verdict)
{
	switch (verdict) {
	case FSM_RFC:
		return out_col(o, C_GREEN);
	case FSM_LINUX:
		return out_col(o, C_YELLOW);
	case FSM_ILLEGAL:
		return out_col(o, C_RED);
	default:
		return out_col(o, C_DIM);
	}
}

/*
 * Length of the valid UTF-8 sequence at S (at most N bytes), or 0 if it is
 * not one: overlong forms, surrogates and values above U+10FFFF are invalid.
 */
size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned int c = s[0];
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (c == 0xe0 && s[1] < 0xa0)
		return 0;	/* overlong */
	if (c == 0xed && s[1] >= 0xa0)
		return 0;	/* surrogate */
	if (c == 0xf0 && s[1] < 0x90)
		return 0;	/* overlong */
	if (c == 0xf4 && s[1] >= 0x90)
		return 0;	/* above U+10FFFF */
	return len;
}

/*
 * Copy N bytes of S into BUF for a terminal: printable ASCII as is, valid
 * UTF-8 as is when UTF8, everything else (controls, invalid bytes, '\')
 * as \xNN.  Returns the length written (BUF is always terminated).
 */
size_t out_escape(const char *s, size_t n, bool utf8, char *buf, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, w = 0, k;

	if (!len)
		return 0;
	while (i < n) {
		k = u[i] >= 0x80 && utf8 ? utf8_seq_len(u + i, n - i) : 0;
		if (k > 1) {
			if (w + k >= len)
				break;
			memcpy(buf + w, u + i, k);
			w += k;
			i += k;
			continue;
		}
		if (u[i] >= 0x21 && u[i] <= 0x7e && u[i] != '\\') {
			if (w + 1 >= len)
				break;
			buf[w++] = (char)u[i++];
			continue;
		}
		if (u[i] == ' ' && i > 0 && i + 1 < n) {
			if (w + 1 >= len)
				break;
			buf[w++] = ' ';
			i++;
			continue;
		}
		if (w + 4 >= len)
			break;
		w += (size_t)snprintf(buf + w, len - w, "\\x%02x", u[i]);
		i++;
	}
	buf[w] = '\0';
	return w;
}

/* Print untrusted bytes safely (see out_escape). */
void out_safe(const struct out *o, const char *s, size_t n)
{
	char buf[1024];
	size_t done = 0;

	while (done < n) {
		size_t chunk = n - done > 200 ? 200 : n - done;

		/* do not split a UTF-8 sequence between chunks */
		while (chunk < n - done && chunk > 1 &&
		       ((unsigned char)s[done + chunk] & 0xc0) == 0x80)
			chunk--;
		out_escape(s + done, chunk, o->utf8, buf, sizeof(buf));
		fputs(buf, o->f);
		done += chunk;
	}
}

/*
 * A horizontal bar of VALUE/MAX times WIDTH cells: Unicode eighth blocks
 * when the terminal speaks UTF-8, '#' otherwise.
 */
void out_bar(const struct out *o, uint64_t value, uint64_t max, int width)
{
	static const char *const eighths[] = {
		"", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589",
	};
	long double frac;
	uint64_t cells;
	int i;

	if (!max || !value || width <= 0)
		return;
	frac = (long double)value / (long double)max;
	if (o->utf8) {
		cells = (uint64_t)(frac * width * 8 + 0.5L);
		if (!cells)
			cells = 1;
		for (i = 0; i < (int)(cells / 8); i++)
			fputs("\u2588", o->f);
		fputs(eighths[cells % 8], o->f);
	} else {
		cells = (uint64_t)(frac * width + 0.5L);
		if (!cells)
			cells = 1;
		for (i = 0; i < (int)cells; i++)
			fputc('#', o->f);
	}
}

/* NS as seconds with 6 decimals, like dmesg: "5.123456". */
void fmt_seconds(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%llu.%06llu", (unsigned long long)(ns / 1000000000u),
		 (unsigned long long)(ns % 1000000000u / 1000u));
}

/* V millionths as an exact decimal without trailing zeros: 1024 -> "0.001024". */
void fmt_dec6(char *buf, size_t len, uint64_t v)
{
	char frac[8];
	int i;

	snprintf(frac, sizeof(frac), "%06llu", (unsigned long long)(v % 1000000u));
	for (i = 5; i >= 0 && frac[i] == '0'; i--)
		frac[i] = '\0';
	if (frac[0])
		snprintf(buf, len, "%llu.%s", (unsigned long long)(v / 1000000u), frac);
	else
		snprintf(buf, len, "%llu", (unsigned long long)(v / 1000000u));
}
