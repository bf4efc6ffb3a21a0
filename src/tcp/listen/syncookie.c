/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SYN cookies
 * ===========
 *
 * Why.  A listener that answers a SYN normally keeps a request object until
 * the final ACK arrives or the SYN-ACK retries run out (about a minute).
 * Someone who sends SYNs from forged source addresses never sends that ACK,
 * so a modest stream of spoofed SYNs keeps the request table full and real
 * clients are turned away: the SYN flood of 1996. A SYN cookie answers the
 * SYN without keeping anything. Everything the server would have stored is
 * folded into the one field the client must send back, our initial
 * sequence number, which returns in the final ACK as ack - 1. Only a host
 * that received the SYN-ACK can echo it, so a flood from forged addresses
 * creates no state at all.
 *
 * When Linux uses them (tcp_conn_request() and tcp_syn_flood_action() in
 * net/ipv4/tcp_input.c).  Only under pressure: with net.ipv4.tcp_syncookies
 * = 1 (the default) a cookie replaces the request object only when the
 * listener's SYN queue is already full; with tcp_syncookies = 2 every SYN
 * gets one; with 0, a SYN that finds the queue full is dropped. A full
 * *accept* queue still drops the SYN, cookie or not. On the way back, an
 * ACK that matches no connection is tested as a cookie only if this
 * listener (or its reuseport group) sent a cookie in the last
 * SYNCOOKIE_VALID_NS, 120 s (tcp_synq_no_recent_overflow()); otherwise it
 * takes the ordinary LISTEN path and draws a RST. synq follows the same
 * policy; this file holds only the arithmetic, the caller holds the policy.
 * Debug builds of the listener should check a cookie for every SYN, even
 * when the queue has room, so this code runs on every handshake of every
 * test (FreeBSD's syncache does the same under INVARIANTS).
 *
 * Layout (secure_tcp_syn_cookie() and check_tcp_syn_cookie() in
 * net/ipv4/syncookies.c).  With H(k, c) = low 32 bits of
 * SipHash-2-4(key k; client addr, server addr,
 * client port << 16 | server port, c) over those four 32-bit words:
 *
 *     cookie = H(key0, 0) + client_isn + (count << 24)
 *              + ((H(key1, count) + mss_index) mod 2^24)       (mod 2^32)
 *
 *   - H(key0, 0) + client_isn hides everything else and makes the ISN as
 *     unpredictable as an RFC 6528 one; it does not depend on time, so the
 *     checker can subtract it without knowing the counter.
 *   - After that subtraction the top 8 bits are the minute counter mod 256.
 *   - The low 24 bits are a MAC over the tuple and the full 32-bit counter,
 *     plus the MSS index (0..3) added on top.
 *
 * To check, subtract H(key0, 0) + client_isn, read the counter from the
 * top byte, compute age = (now_counter - top byte) mod 256, give up if the
 * age is 2 or more, then subtract H(key1, now_counter - age) from the low
 * 24 bits. What is left must be a valid index, below 4; anything else is a
 * failure (SyncookiesFailed in Linux's MIB, SyncookiesRecv on success).
 *
 * Time.  count = now / 60 s (tcp_cookie_time(), jiffies divided by
 * TCP_SYNCOOKIE_PERIOD). MAX_SYNCOOKIE_AGE = 2, so a cookie is accepted
 * while the counter is the one it was made with or the next one: for at
 * least 60 s and at most 120 s after the SYN-ACK, depending on where in the
 * minute it was sent. A handshake that straddles a tick still completes.
 * Only the age needs the top byte, so the counter wrapping past 255 is
 * harmless; the MAC uses the whole counter, so a cookie from 256 minutes
 * ago does not come back to life.
 *
 * MSS.  There is room for 2 bits, so the client's MSS is rounded down to
 * one of 536, 1300, 1440, 1460 (msstab[] for IPv4; IPv6 uses 1220, 1420,
 * 1440, 8940). An MSS below 536 still maps to 536, as Linux does. 1460 is
 * Ethernet, 1440 and 1300 cover common tunnels, 536 is the RFC 9293
 * default.
 *
 * Options in the timestamp (cookie_init_timestamp() and
 * cookie_timestamp_decode()).  The ISN has no room for window scale, SACK
 * or ECN, but the SYN-ACK's TSval comes back in the ACK's TSecr, so when
 * the SYN carried timestamps Linux spends the low 6 bits of TSval on them:
 *
 *     bits 0-3   the peer's window shift 0..14; 0xf = no window scaling
 *     bit  4     SACK permitted
 *     bit  5     ECN requested
 *
 * The rest of TSval is the millisecond clock with its low 6 bits replaced,
 * stepped back by 64 if that replacement put it ahead of the clock, so the
 * TSval never runs ahead of time (RFC 7323 wants it monotonic) and lags by
 * at most 63 ms (comparisons are modulo 2^32, like every TCP timestamp).
 * The per-connection timestamp offset (secure_tcp_ts_off()) is added after
 * encoding and subtracted from the echo before decoding; the server
 * derives it from the tuple both times, so it costs no state. The decoder refuses a cookie
 * whose echo claims an option that a sysctl has since disabled
 * (tcp_timestamps, tcp_sack, tcp_window_scaling): the client was promised
 * something the server will no longer honour.
 *
 * What is lost.  Without timestamps (Linux clears every option in that
 * case): window scaling, so the receive window stays below 64 KB; SACK;
 * ECN. Always lost: the exact MSS (rounded down), data on the SYN (TFO),
 * TCP_SAVE_SYN, SYN-ACK retransmission (nothing is left to retransmit; the
 * client's own SYN retransmission gets a fresh cookie, the same value
 * within a minute). If the final ACK is lost the client believes it is
 * ESTABLISHED while the server knows nothing: a client that speaks first
 * repairs this, because its data segment carries the same acknowledgment
 * number and is checked as a cookie (within the validity window); in a
 * protocol where the server speaks first both sides wait.
 *
 * Threat model.  A blind attacker (one who forges source addresses and
 * does not see our SYN-ACKs) cannot know H(key0, 0) for a tuple, so every
 * 32-bit value looks alike to him; of the 2^32, exactly 8 are accepted at
 * a given moment (2 ages x 4 indices), so a forged ACK succeeds with
 * probability 2^-29 and needs about 5 x 10^8 tries per connection, and
 * only while the listener is sending cookies. The MAC proper is only 24
 * bits, less the 2 bits of MSS index; that is the price of fitting in a
 * sequence number. The MSS index is added to the MAC, not covered by it,
 * so a cookie (or client ISN) off by 1 to 3 can read back as another
 * index instead of failing; producing one takes a valid cookie, that is,
 * seeing the SYN-ACK, and buys only another table MSS. The keys are two
 * random 128-bit SipHash keys per stack (Linux: one pair per boot,
 * syncookie_secret[2]); synq draws them from the stack's seeded
 * generator. An attacker who does see the SYN-ACK (on the path) can
 * complete the handshake, but he could complete a normal one too; cookies
 * are no defence against that. Replay: a valid cookie ACK can be resent
 * from the same tuple for up to 120 s; while the connection exists the ACK
 * reaches it instead, so replay only matters after it has closed, and
 * again only to someone who saw the original exchange. Cookies do nothing
 * against clients that complete the handshake and then idle (that is what
 * TCP_DEFER_ACCEPT and request timeouts are for).
 *
 * Differences from Linux.  Linux feeds the addresses and ports to SipHash
 * in network byte order, synq in host order: a cookie is only ever checked
 * by the stack that made it, with its own keys, so the difference is
 * invisible on the wire and changes no property.
 *
 * References.
 *   D. J. Bernstein, "SYN cookies", https://cr.yp.to/syncookies.html (1996).
 *   RFC 4987, TCP SYN Flooding Attacks and Common Mitigations, sec. 3.6.
 *   RFC 7323, TCP Extensions for High Performance (timestamps, wscale).
 *   J.-P. Aumasson, D. J. Bernstein, "SipHash: a fast short-input PRF",
 *     INDOCRYPT 2012.
 *   Linux: net/ipv4/syncookies.c (secure_tcp_syn_cookie,
 *     check_tcp_syn_cookie, __cookie_v4_init_sequence, __cookie_v4_check,
 *     cookie_init_timestamp, cookie_timestamp_decode), include/net/tcp.h
 *     (tcp_cookie_time, MAX_SYNCOOKIE_AGE, TCP_SYNCOOKIE_PERIOD,
 *     tcp_synq_no_recent_overflow), net/ipv4/tcp_input.c (tcp_conn_request).
 *   FreeBSD: sys/netinet/tcp_syncache.c, whose opening comment is the model
 *     for this one.
 */
#include "tcp/listen/syncookie.h"

#include <assert.h>

static_assert(SYNCOOKIE_MSS_COUNT <= SYNCOOKIE_MAC_MASK, "index fits the MAC field");
static_assert(SYNCOOKIE_MAX_AGE <= 256, "age is read from 8 bits");
static_assert((SYNCOOKIE_TS_WSCALE_MASK | SYNCOOKIE_TS_SACK | SYNCOOKIE_TS_ECN) ==
              SYNCOOKIE_TS_MASK, "the three option fields fill the 6 bits");
static_assert(SYNCOOKIE_WSCALE_MAX < SYNCOOKIE_TS_WSCALE_NONE,
              "a real shift never reads as 'none'");

/* The IPv4 table (Linux msstab[]), smallest first. */
static const uint16_t syncookie_mss_table[SYNCOOKIE_MSS_COUNT] = {
	536, 1300, 1440, 1460,
};

/* Low 32 bits of SipHash-2-4 over (client, server, ports, counter), as
 * Linux's cookie_hash() feeds siphash_4u32(). */
static uint32_t syncookie_hash(const struct siphash_key *key, uint32_t client_addr,
                               uint32_t server_addr, uint16_t client_port,
                               uint16_t server_port, uint32_t counter)
{
	uint32_t ports = (uint32_t)client_port << 16 | server_port;
	return (uint32_t)siphash_4u32(key, client_addr, server_addr, ports, counter);
}

uint32_t syncookie_counter(synq_time_t now)
{
	assert(now >= 0);
	return (uint32_t)(now / SYNCOOKIE_PERIOD_NS);
}

uint32_t syncookie_make(const struct siphash_key key[2], uint32_t client_addr,
                        uint32_t server_addr, uint16_t client_port,
                        uint16_t server_port, uint32_t client_isn,
                        uint32_t mss_index, uint32_t counter)
{
	assert(mss_index < SYNCOOKIE_MSS_COUNT);
	uint32_t hide = syncookie_hash(&key[0], client_addr, server_addr,
	                               client_port, server_port, 0);
	uint32_t mac = syncookie_hash(&key[1], client_addr, server_addr,
	                              client_port, server_port, counter);
	return hide + client_isn + (counter << SYNCOOKIE_COUNTER_SHIFT) +
	       ((mac + mss_index) & SYNCOOKIE_MAC_MASK);
}

int syncookie_check(const struct siphash_key key[2], uint32_t client_addr,
                    uint32_t server_addr, uint16_t client_port,
                    uint16_t server_port, uint32_t client_isn, uint32_t cookie,
                    uint32_t counter)
{
	uint32_t hide = syncookie_hash(&key[0], client_addr, server_addr,
	                               client_port, server_port, 0);
	uint32_t rest = cookie - (hide + client_isn);
	uint32_t age = (counter - (rest >> SYNCOOKIE_COUNTER_SHIFT)) &
	               (UINT32_MAX >> SYNCOOKIE_COUNTER_SHIFT);
	if (age >= SYNCOOKIE_MAX_AGE)
		return SYNCOOKIE_CHECK_FAILED;
	uint32_t mac = syncookie_hash(&key[1], client_addr, server_addr,
	                              client_port, server_port, counter - age);
	uint32_t mss_index = (rest - mac) & SYNCOOKIE_MAC_MASK;
	if (mss_index >= SYNCOOKIE_MSS_COUNT)
		return SYNCOOKIE_CHECK_FAILED;
	return (int)mss_index;
}

uint32_t syncookie_mss_index(uint16_t peer_mss)
{
	uint32_t i = SYNCOOKIE_MSS_COUNT - 1;
	while (i > 0 && peer_mss < syncookie_mss_table[i])
		i--;
	return i;
}

uint16_t syncookie_mss_value(uint32_t index)
{
	assert(index < SYNCOOKIE_MSS_COUNT);
	return syncookie_mss_table[index];
}

uint32_t syncookie_tsval_encode(uint32_t ts_now_ms, bool wscale_ok,
                                uint8_t peer_wscale, bool sack_ok, bool ecn_ok)
{
	uint32_t options = SYNCOOKIE_TS_WSCALE_NONE;
	if (wscale_ok)
		options = peer_wscale > SYNCOOKIE_WSCALE_MAX ? SYNCOOKIE_WSCALE_MAX
		                                             : peer_wscale;
	if (sack_ok)
		options |= SYNCOOKIE_TS_SACK;
	if (ecn_ok)
		options |= SYNCOOKIE_TS_ECN;

	uint32_t tsval = (ts_now_ms & ~SYNCOOKIE_TS_MASK) | options;
	/* Never ahead of the clock: step back one 64 ms slot, keeping the
	 * option bits. Near zero this wraps, as the clock itself does. */
	if (tsval > ts_now_ms)
		tsval -= 1u << SYNCOOKIE_TS_BITS;
	return tsval;
}

bool syncookie_tsecr_decode(uint32_t echoed_minus_offset, bool saw_timestamp,
                            int sysctl_timestamps, int sysctl_sack,
                            int sysctl_window_scaling,
                            struct syncookie_options *out)
{
	*out = (struct syncookie_options){ 0 };
	if (!saw_timestamp)
		return true; /* the SYN-ACK carried no options to recover */
	if (!sysctl_timestamps)
		return false;

	out->sack_ok = (echoed_minus_offset & SYNCOOKIE_TS_SACK) != 0;
	if (out->sack_ok && !sysctl_sack)
		return false;
	out->ecn_ok = (echoed_minus_offset & SYNCOOKIE_TS_ECN) != 0;

	uint32_t wscale = echoed_minus_offset & SYNCOOKIE_TS_WSCALE_MASK;
	if (wscale == SYNCOOKIE_TS_WSCALE_NONE)
		return true;
	out->wscale_ok = true;
	out->snd_wscale = (uint8_t)wscale;
	return sysctl_window_scaling != 0;
}
