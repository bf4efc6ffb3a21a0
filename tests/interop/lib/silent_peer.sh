# A namespace whose default route leads to a silent peer (sourced; the
# caller defines bad and finish):
#   silent_peer_ns NS DEV PEER NET
# creates namespace NS with lo up and a veth pair DEV/PEER whose both ends
# stay inside it; DEV gets NET.1/24 and a default route via NET.2, a
# gateway whose MAC nobody owns. Whatever the namespace sends to a
# non-local address (SYN-ACKs to spoofed sources) leaves through DEV and
# vanishes at PEER, which has no address: no answer, no ICMP. The pair has
# no IPv6, so nothing else crosses it.
silent_peer_ns() {
  local ns=$1 dev=$2 peer=$3 net=$4
  ip netns add "$ns" || { bad "ip netns add $ns"; finish; }
  ip -n "$ns" link set lo up
  # No IPv6 on the pair: its router solicitations and MLD reports would
  # land on PEER now and then, moving Ip6 counters a test may compare
  # (lo, made before, keeps ::1).
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link add "$dev" type veth peer name "$peer" &&
    ip -n "$ns" link set "$dev" up && ip -n "$ns" link set "$peer" up &&
    ip -n "$ns" addr add "$net.1/24" dev "$dev" &&
    ip -n "$ns" neigh add "$net.2" lladdr 02:00:00:00:77:02 dev "$dev" nud permanent &&
    ip -n "$ns" route add default via "$net.2" dev "$dev" || { bad "veth pair"; finish; }
}
