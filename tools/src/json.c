// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - streaming JSON writer.  Strings are escaped per RFC 8259:
 * '"', '\' and control characters are escaped, valid UTF-8 is copied, and
 * each byte that is not part of valid UTF-8 is written as \u00XX (its
 * Latin-1 reading), so the output is always valid UTF-8 JSON.
 */
#include <inttypes.h>
#include <string.h>

#include "json.h"
#include "out.h"

/* Start writing JSON to F; PRETTY indents by two spaces. */
void json_init(struct json *j, FILE *f, bool pretty)
{
	j->f = f;
	j->pretty = pretty;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}

/* Comma and indentation before a value or key at the current depth. */
static void sep(struct json *j)
{
	int i;

	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0 && !j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (j->pretty && j->depth > 0) {
		fputc('\n', j->f);
		for (i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
}

/* Open an object or array. */
static void open_(struct json *j, char c)
{
	sep(j);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAXDEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

/* Close an object or array. */
static void close_(struct json *j, char c)
{
	bool empty = j->first[j->depth];
	int i;

	if (j->depth > 0)
		j->depth--;
	if (j->pretty && !empty) {
		fputc('\n', j->f);
		for (i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(c, j->f);
}

/* Begin an object. */
void json_obj(struct json *j)
{
	open_(j, '{');
}

/* End an object. */
void json_obj_end(struct json *j)
{
	close_(j, '}');
}

/* Begin an array. */
void json_arr(struct json *j)
{
	open_(j, '[');
}

/* End an array. */
void json_arr_end(struct json *j)
{
	close_(j, ']');
}

/* Write N bytes of S as a JSON string. */
static void put_str(FILE *f, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	fputc('"', f);
	while (i < n) {
		unsigned char c = u[i];

		if (c >= 0x80) {
			k = utf8_seq_len(u + i, n - i);
			if (k) {
				fwrite(u + i, 1, k, f);
				i += k;
			} else {
				fprintf(f, "\\u%04x", c);
				i++;
			}
			continue;
		}
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
		i++;
	}
	fputc('"', f);
}

/* A member name; the next value belongs to it. */
void json_key(struct json *j, const char *k)
{
	sep(j);
	put_str(j->f, k, strlen(k));
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = true;
}

/* A string of N bytes (any bytes). */
void json_strn(struct json *j, const char *s, size_t n)
{
	sep(j);
	put_str(j->f, s, n);
}

/* A NUL-terminated string, or null for NULL. */
void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_strn(j, s, strlen(s));
}

/* An unsigned number. */
void json_u64(struct json *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRIu64, v);
}

/* A signed number. */
void json_i64(struct json *j, int64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRId64, v);
}

/* true or false. */
void json_bool(struct json *j, bool v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

/* null. */
void json_null(struct json *j)
{
	sep(j);
	fputs("null", j->f);
}

/* A number already formatted (e.g. a rate "12.50"). */
void json_raw(struct json *j, const char *number)
{
	sep(j);
	fputs(number, j->f);
}

/* Finish the document with a newline. */
void json_end(struct json *j)
{
	fputc('\n', j->f);
}

/* Member with a string value. */
void json_kstr(struct json *j, const char *k, const char *s)
{
	json_key(j, k);
	json_str(j, s);
}

/* Member with a number value. */
void json_ku64(struct json *j, const char *k, uint64_t v)
{
	json_key(j, k);
	json_u64(j, v);
}

/* Member with a boolean value. */
void json_kbool(struct json *j, const char *k, bool v)
{
	json_key(j, k);
	json_bool(j, v);
}
