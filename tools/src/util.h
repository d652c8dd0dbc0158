/* SPDX-License-Identifier: GPL-2.0 */
/*
 * util.h - messages and allocation that cannot fail silently
 */
#ifndef TCPFSM_UTIL_H
#define TCPFSM_UTIL_H

#include <stddef.h>

__attribute__((format(printf, 1, 2)))
void errmsg(const char *fmt, ...);
void *xcalloc(size_t n, size_t sz);

#endif
