/* SPDX-License-Identifier: BSD-2-Clause */
/* inet_diag messages: build the dump request, decode the replies. The
 * message walk is libmnl's (mnl_cb_run: length checks, sequence and port
 * checks, NLMSG_DONE and NLMSG_ERROR); the decoding is ours. */
#include "watch/diag.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <libmnl/libmnl.h>

#include "watch/tcp_states.h"

/* The filter program, in inet_diag_bc_op units (code, yes, no; a jump is a
 * byte count from the op; running off the end exactly accepts, jumping 4
 * past it rejects). Per range, in ascending order:
 *
 *   S_LE hi  (port in the next op's `no`)  yes: +8  no: next range
 *   S_GE lo  (port in the next op's `no`)  yes: +8  no: next range
 *   JMP                                     always no: to the end (accept)
 *
 * then one JMP whose `no` lands 4 past the end (reject). Every op's `yes`
 * leads to the next op, so each jump target lies on the chain of `yes`
 * jumps from the start, as inet_diag_bc_audit() (valid_cc()) requires. */
size_t watch_diag_port_filter(uint8_t *buf, size_t cap, const struct watch_port_range *ranges,
                              size_t n)
{
	const size_t per = 5 * sizeof(struct inet_diag_bc_op); /* 20 bytes */
	size_t len = n * per + sizeof(struct inet_diag_bc_op);
	if (n == 0 || len > cap || len > UINT16_MAX)
		return 0;
	struct inet_diag_bc_op *op = (struct inet_diag_bc_op *)buf;
	memset(buf, 0, len);
	for (size_t i = 0; i < n; i++, op += 5) {
		size_t left = len - i * per; /* bytes from this range's first op */
		op[0] = (struct inet_diag_bc_op){ INET_DIAG_BC_S_LE, 8, (unsigned short)per };
		op[1].no = ranges[i].hi;
		op[2] = (struct inet_diag_bc_op){ INET_DIAG_BC_S_GE, 8, (unsigned short)(per - 8) };
		op[3].no = ranges[i].lo;
		op[4] = (struct inet_diag_bc_op){ INET_DIAG_BC_JMP, 4, (unsigned short)(left - 16) };
	}
	/* Reject: 4 bytes remain here; jump 4 past the end. */
	*op = (struct inet_diag_bc_op){ INET_DIAG_BC_JMP, 4, 8 };
	return len;
}

size_t watch_diag_request(void *buf, size_t cap, uint8_t family, uint32_t states,
                          uint32_t seq, const struct watch_port_range *ranges,
                          size_t n_ranges)
{
	size_t need = MNL_ALIGN(sizeof(struct nlmsghdr)) +
	              MNL_ALIGN(sizeof(struct inet_diag_req_v2));
	if (cap < need || cap < WATCH_DIAG_REQUEST_BYTES || n_ranges > WATCH_DIAG_MAX_RANGES)
		return 0;
	memset(buf, 0, need);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	if (family == AF_UNSPEC) {
		/* Both families in one walk of the hash tables: the older request
		 * (inet_diag_rcv_msg_compat() dumps with sdiag_family AF_UNSPEC). */
		nlh->nlmsg_type = TCPDIAG_GETSOCK;
		struct inet_diag_req *req = mnl_nlmsg_put_extra_header(nlh, sizeof *req);
		req->idiag_family = AF_UNSPEC;
		req->idiag_ext = 0;
		req->idiag_states = states;
	} else {
		nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
		struct inet_diag_req_v2 *req = mnl_nlmsg_put_extra_header(nlh, sizeof *req);
		req->sdiag_family = family;
		req->sdiag_protocol = IPPROTO_TCP;
		req->idiag_ext = 0;
		req->idiag_states = states;
	}
	if (n_ranges) {
		uint8_t prog[WATCH_DIAG_MAX_RANGES * 20 + 4];
		size_t plen = watch_diag_port_filter(prog, sizeof prog, ranges, n_ranges);
		if (plen == 0 || nlh->nlmsg_len + MNL_ATTR_HDRLEN + plen > cap)
			return 0;
		mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, plen, prog);
	}
	return nlh->nlmsg_len;
}

int watch_diag_decode(const struct nlmsghdr *nlh, struct watch_sock *out)
{
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct inet_diag_msg))
		return -EBADMSG;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return -EBADMSG;
	memset(out, 0, sizeof *out);
	out->local.family = m->idiag_family;
	out->local.port = ntohs(m->id.idiag_sport);
	memcpy(out->local.addr, m->id.idiag_src, m->idiag_family == AF_INET ? 4 : 16);
	out->state = m->idiag_state;
	out->rqueue = m->idiag_rqueue;
	out->wqueue = m->idiag_wqueue;
	out->uid = m->idiag_uid;
	out->inode = m->idiag_inode;
	return 0;
}

static int on_message(const struct nlmsghdr *nlh, void *data)
{
	struct watch_diag_feed_ctx *ctx = data;
	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY && nlh->nlmsg_type != TCPDIAG_GETSOCK)
		return MNL_CB_OK;
	struct watch_sock s;
	if (watch_diag_decode(nlh, &s) != 0) {
		ctx->bad++;
		return MNL_CB_OK;
	}
	if (s.state == WATCH_TCP_LISTEN)
		(void)watch_listeners_add(ctx->table, &s);
	else
		watch_listeners_match(ctx->table, &s);
	return MNL_CB_OK;
}

enum watch_diag_status watch_diag_feed(const void *buf, size_t len, uint32_t seq,
                                       uint32_t portid,
                                       struct watch_diag_feed_ctx *ctx, int *err)
{
	errno = 0;
	int r = mnl_cb_run(buf, len, seq, portid, on_message, ctx);
	if (r == MNL_CB_STOP)
		return WATCH_DIAG_DONE;
	if (r == MNL_CB_OK)
		return WATCH_DIAG_MORE;
	*err = errno ? -errno : -EBADMSG;
	return WATCH_DIAG_ERROR;
}
