/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_TCP_H
#define SYNQ_TCP_TCP_H

/* The TCP core's objects and the functions its files share, one header
 * per object or file; this one only gathers them.
 *
 * Four kinds of object, each in its own fixed pool, each small:
 *   tcp_listener   a LISTEN socket: its accept queue and request count
 *                  (listen/listener.h)
 *   tcp_request    a SYN_RECV request ("mini socket", Linux's request_sock)
 *                  (listen/request.h)
 *   tcp_conn       a full connection (SYN_SENT ... LAST_ACK, and CLOSE while
 *                  its owner still holds it) (conn.h)
 *   tcp_timewait   a TIME-WAIT (or orphaned FIN_WAIT2) leftover (timewait.h)
 * Requests, connections and TIME-WAITs share one hash table keyed by the
 * 4-tuple (Linux's established hash, which holds all three), and one timer
 * heap keyed by each object's earliest deadline. Objects are named by a
 * 32-bit handle: kind in the top two bits, pool index below (base.h). */


#include "tcp/base.h"
#include "tcp/cc.h"
#include "tcp/clock.h"
#include "tcp/conn.h"
#include "tcp/conn_timer.h"
#include "tcp/input.h"
#include "tcp/listen/listener.h"
#include "tcp/listen/request.h"
#include "tcp/output.h"
#include "tcp/personality.h"
#include "tcp/rmem.h"
#include "tcp/rtt.h"
#include "tcp/siphash.h"
#include "tcp/sockopts.h"
#include "tcp/table.h"
#include "tcp/timer.h"
#include "tcp/timewait.h"
#include "tcp/upcall.h"
#include "tcp/window.h"

#endif
