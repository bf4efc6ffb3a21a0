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

size_t watch_diag_request(void *buf, size_t cap, uint8_t family, uint32_t states,
                          uint32_t seq)
{
	size_t need = MNL_ALIGN(sizeof(struct nlmsghdr)) +
	              MNL_ALIGN(sizeof(struct inet_diag_req_v2));
	if (cap < need || cap < WATCH_DIAG_REQUEST_BYTES)
		return 0;
	memset(buf, 0, need);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	struct inet_diag_req_v2 *req = mnl_nlmsg_put_extra_header(nlh, sizeof *req);
	req->sdiag_family = family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_ext = 0;
	req->idiag_states = states;
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
	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
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
