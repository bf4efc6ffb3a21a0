/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_WATCH_MIB_H
#define SYNQ_WATCH_MIB_H

/* The kernel counters that say connections are being lost on the listen
 * path, read as nstat reads them: /proc/net/netstat and /proc/net/snmp
 * hold pairs of lines, a header ("TcpExt: SyncookiesSent ...") and a value
 * line with the same prefix; nstat names a counter by prefix + field
 * ("TcpExtSyncookiesSent"), and so do we, so figures can be compared with
 * `nstat -az` directly. The counters are per network namespace.
 *
 * Which code path bumps which counter (Linux 6.x):
 *   ListenOverflows   SYN or final ACK met a full accept queue
 *                     (tcp_conn_request(), tcp_v4_syn_recv_sock())
 *   ListenDrops       every SYN dropped at a listener (tcp_listendrop()):
 *                     the overflows above, TCPReqQFullDrop, the
 *                     tcp_max_syn_backlog rule, no route, no memory
 *   TCPReqQFullDrop   SYN queue full and tcp_syncookies = 0
 *   TCPReqQFullDoCookies  SYN queue full, answered with a cookie
 *   SyncookiesSent/Recv/Failed  cookies sent, cookie ACKs accepted, and
 *                     ACKs whose cookie did not check out
 *   TCPDeferAcceptDrop  bare ACK held back by TCP_DEFER_ACCEPT
 *   TCPAbortOnData    RST sent because data was unread at close() or came
 *                     after the application shut the socket
 *   EmbryonicRsts     RST to a request socket (tcp_abort_on_overflow = 1,
 *                     or a bad segment for a SYN-RECV connection)
 *   TCPTimeWaitOverflow  socket closed without TIME-WAIT: tcp_max_tw_buckets
 *   TcpPassiveOpens   connections created by a listener (accept side) */

#include <stddef.h>
#include <stdint.h>

#define WATCH_MIBS(X)                                                        \
	X(LISTEN_OVERFLOWS, "TcpExt", "ListenOverflows", "tcpext_listen_overflows", 0)  \
	X(LISTEN_DROPS, "TcpExt", "ListenDrops", "tcpext_listen_drops", 0)              \
	X(REQQ_FULL_DROP, "TcpExt", "TCPReqQFullDrop", "tcpext_reqq_full_drops", 0)     \
	X(REQQ_FULL_DO_COOKIES, "TcpExt", "TCPReqQFullDoCookies",                \
	  "tcpext_reqq_full_cookies", 0)                                                \
	X(SYNCOOKIES_SENT, "TcpExt", "SyncookiesSent", "tcpext_syncookies_sent", 0)     \
	X(SYNCOOKIES_RECV, "TcpExt", "SyncookiesRecv", "tcpext_syncookies_recv", 0)     \
	X(SYNCOOKIES_FAILED, "TcpExt", "SyncookiesFailed", "tcpext_syncookies_failed", 0) \
	X(DEFER_ACCEPT_DROP, "TcpExt", "TCPDeferAcceptDrop",                     \
	  "tcpext_defer_accept_drops", 0)                                               \
	X(ABORT_ON_DATA, "TcpExt", "TCPAbortOnData", "tcpext_abort_on_data", 0)         \
	X(EMBRYONIC_RSTS, "TcpExt", "EmbryonicRsts", "tcpext_embryonic_rsts", 0)        \
	X(TIME_WAIT_OVERFLOW, "TcpExt", "TCPTimeWaitOverflow",                   \
	  "tcpext_time_wait_overflows", 0)                                              \
	X(PASSIVE_OPENS, "Tcp", "PassiveOpens", "tcp_passive_opens", 0)

enum watch_mib_id {
#define WATCH_MIB_ENUM(id, group, field, prom, gauge) WATCH_MIB_##id,
	WATCH_MIBS(WATCH_MIB_ENUM)
#undef WATCH_MIB_ENUM
	WATCH_MIB__COUNT
};

struct watch_mib_info {
	const char *group;      /* "TcpExt", the line prefix without ':' */
	const char *field;      /* "ListenOverflows" */
	const char *nstat_name; /* "TcpExtListenOverflows" */
	const char *prom_name;  /* "synq_tcpext_listen_overflows_total" */
	int gauge;              /* 1: a level, not a count */
};
const struct watch_mib_info *watch_mib_info(enum watch_mib_id id);

struct watch_mib {
	uint64_t value[WATCH_MIB__COUNT];
	uint32_t present;       /* bit (1 << id): found in the text */
};

/* Where a /proc text did not parse: 1-based line, and the field or
 * prefix it was about. */
struct watch_parse_error {
	int line;
	char key[48];
};

/* Parse one /proc/net/netstat or /proc/net/snmp text and fill the tracked
 * counters it holds (others are skipped). 0, or -EINVAL with *where set
 * when a value line does not pair with its header (other prefix, other
 * field count) or a tracked value is not a number. */
int watch_mib_parse(const char *text, size_t len, struct watch_mib *mib,
                    struct watch_parse_error *where);

/* The change of one counter between two samples: 0 when it is absent
 * from either, or went backwards (a namespace re-created); *ok says which. */
uint64_t watch_mib_delta(const struct watch_mib *now, const struct watch_mib *prev,
                         enum watch_mib_id id, int *ok);

/* /proc/net/sockstat's TCP line: "TCP: inuse N orphan N tw N alloc N mem N". */
struct watch_sockstat {
	uint64_t inuse, orphan, tw, alloc;
	int present;
};
int watch_sockstat_parse(const char *text, size_t len, struct watch_sockstat *out,
                         struct watch_parse_error *where);

#endif
