/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_MIB_H
#define SYNQ_MIB_H

/* Counters under Linux's SNMP/netstat names, as nstat prints them
 * (group + name: "TcpExtListenOverflows"). One set per stack, like Linux's
 * per-network-namespace counters. */

#include <stddef.h>
#include <stdint.h>

#define SYNQ_MIB_COUNTERS(X)                                                   \
	X(Ip, InReceives)                                                      \
	X(Ip, InHdrErrors)                                                     \
	X(Ip, InAddrErrors)                                                    \
	X(Ip, InUnknownProtos)                                                 \
	X(Ip, InDelivers)                                                      \
	X(Ip, OutRequests)                                                     \
	X(Ip, ReasmFails)                                                      \
	X(IpExt, InTruncatedPkts)                                              \
	X(IpExt, InCsumErrors)                                                 \
	X(Tcp, ActiveOpens)                                                    \
	X(Tcp, PassiveOpens)                                                   \
	X(Tcp, AttemptFails)                                                   \
	X(Tcp, EstabResets)                                                    \
	X(Tcp, CurrEstab)                                                      \
	X(Tcp, InSegs)                                                         \
	X(Tcp, OutSegs)                                                        \
	X(Tcp, RetransSegs)                                                    \
	X(Tcp, InErrs)                                                         \
	X(Tcp, OutRsts)                                                        \
	X(Tcp, InCsumErrors)                                                   \
	X(TcpExt, SyncookiesSent)                                              \
	X(TcpExt, SyncookiesRecv)                                              \
	X(TcpExt, SyncookiesFailed)                                            \
	X(TcpExt, EmbryonicRsts)                                               \
	X(TcpExt, PruneCalled)                                                 \
	X(TcpExt, RcvPruned)                                                   \
	X(TcpExt, OfoPruned)                                                   \
	X(TcpExt, TCPRcvCollapsed)                                             \
	X(TcpExt, TW)                                                          \
	X(TcpExt, TWRecycled)                                                  \
	X(TcpExt, TWKilled)                                                    \
	X(TcpExt, PAWSActive)                                                  \
	X(TcpExt, PAWSEstab)                                                   \
	X(TcpExt, BeyondWindow)                                                \
	X(TcpExt, DelayedACKs)                                                 \
	X(TcpExt, DelayedACKLost)                                              \
	X(TcpExt, ListenOverflows)                                             \
	X(TcpExt, ListenDrops)                                                 \
	X(TcpExt, TCPHPHits)                                                   \
	X(TcpExt, TCPPureAcks)                                                 \
	X(TcpExt, TCPHPAcks)                                                   \
	X(TcpExt, TCPRenoRecovery)                                             \
	X(TcpExt, TCPSackRecovery)                                             \
	X(TcpExt, TCPRenoReorder)                                              \
	X(TcpExt, TCPSACKReorder)                                              \
	X(TcpExt, TCPSACKReneging)                                             \
	X(TcpExt, TCPFullUndo)                                                 \
	X(TcpExt, TCPPartialUndo)                                              \
	X(TcpExt, TCPDSACKUndo)                                                \
	X(TcpExt, TCPLossUndo)                                                 \
	X(TcpExt, TCPLostRetransmit)                                           \
	X(TcpExt, TCPRenoFailures)                                             \
	X(TcpExt, TCPSackFailures)                                             \
	X(TcpExt, TCPLossFailures)                                             \
	X(TcpExt, TCPFastRetrans)                                              \
	X(TcpExt, TCPSlowStartRetrans)                                         \
	X(TcpExt, TCPTimeouts)                                                 \
	X(TcpExt, TCPLossProbes)                                               \
	X(TcpExt, TCPLossProbeRecovery)                                        \
	X(TcpExt, TCPDSACKOldSent)                                             \
	X(TcpExt, TCPDSACKOfoSent)                                             \
	X(TcpExt, TCPDSACKRecv)                                                \
	X(TcpExt, TCPDSACKOfoRecv)                                             \
	X(TcpExt, TCPAbortOnData)                                              \
	X(TcpExt, TCPAbortOnClose)                                             \
	X(TcpExt, TCPAbortOnMemory)                                            \
	X(TcpExt, TCPAbortOnTimeout)                                           \
	X(TcpExt, TCPAbortOnLinger)                                            \
	X(TcpExt, TCPAbortFailed)                                              \
	X(TcpExt, TCPSACKDiscard)                                              \
	X(TcpExt, TCPDSACKIgnoredOld)                                          \
	X(TcpExt, TCPDSACKIgnoredNoUndo)                                       \
	X(TcpExt, TCPSpuriousRTOs)                                             \
	X(TcpExt, TCPDeferAcceptDrop)                                          \
	X(TcpExt, TCPTimeWaitOverflow)                                         \
	X(TcpExt, TCPReqQFullDoCookies)                                        \
	X(TcpExt, TCPReqQFullDrop)                                             \
	X(TcpExt, TCPRcvCoalesce)                                              \
	X(TcpExt, TCPOFOQueue)                                                 \
	X(TcpExt, TCPOFODrop)                                                  \
	X(TcpExt, TCPOFOMerge)                                                 \
	X(TcpExt, TCPChallengeACK)                                             \
	X(TcpExt, TCPSYNChallenge)                                             \
	X(TcpExt, TCPFromZeroWindowAdv)                                        \
	X(TcpExt, TCPToZeroWindowAdv)                                          \
	X(TcpExt, TCPWantZeroWindowAdv)                                        \
	X(TcpExt, TCPSynRetrans)                                               \
	X(TcpExt, TCPOrigDataSent)                                             \
	X(TcpExt, TCPACKSkippedSynRecv)                                        \
	X(TcpExt, TCPACKSkippedPAWS)                                           \
	X(TcpExt, TCPACKSkippedSeq)                                            \
	X(TcpExt, TCPACKSkippedTimeWait)                                       \
	X(TcpExt, TCPACKSkippedChallenge)                                      \
	X(TcpExt, TCPWinProbe)                                                 \
	X(TcpExt, TCPKeepAlive)                                                \
	X(TcpExt, TCPDelivered)                                                \
	X(TcpExt, TCPZeroWindowDrop)                                           \
	X(TcpExt, TCPRcvQDrop)                                                 \
	X(TcpExt, TCPOptionAnomalies)

enum synq_mib_counter {
#define SYNQ_MIB_ENUM(group, name) SYNQ_MIB_##group##name,
	SYNQ_MIB_COUNTERS(SYNQ_MIB_ENUM)
#undef SYNQ_MIB_ENUM
	SYNQ_MIB__COUNT
};

struct synq_mib {
	uint64_t value[SYNQ_MIB__COUNT];
};

/* "TcpExtListenOverflows" for SYNQ_MIB_TcpExtListenOverflows. */
const char *synq_mib_name(enum synq_mib_counter c);

/* nstat -az style: one "Name value" line per counter, all counters when
 * all is set, otherwise the non-zero ones. Writes at most cap bytes
 * (NUL-terminated); returns the length it needed, like snprintf. */
size_t synq_mib_format(const struct synq_mib *mib, char *buf, size_t cap, int all);

#endif
