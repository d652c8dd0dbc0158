/* SPDX-License-Identifier: GPL-2.0 */
/*
 * watch.h - the pure part of "tcpfsm watch", for the unit test
 */
#ifndef TCPFSM_WATCH_H
#define TCPFSM_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "out.h"
#include "snap.h"

uint64_t watch_delta(uint64_t prev, uint64_t cur, bool *reset);
void watch_render(struct out *o, const struct snap *prev, const struct snap *cur,
		  uint64_t elapsed_ns, unsigned long frame, double interval, bool json);

#endif
