/* SPDX-License-Identifier: GPL-2.0 */
/*
 * source.h - reading the debugfs files and explaining why they are absent
 */
#ifndef TCPFSM_SOURCE_H
#define TCPFSM_SOURCE_H

#include <stddef.h>

enum { SRC_OK, SRC_MISSING, SRC_DENIED, SRC_TOOBIG, SRC_ERROR };

int src_read(const char *root, const char *name, char **buf, size_t *len, int *errnum);
int src_diagnose(const char *root, char *msg, size_t len);
int src_write(const char *root, const char *name, const char *data, int *errnum);

#endif
