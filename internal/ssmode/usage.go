package ssmode

// usage is the help of the ss personality: ss's options that sockscope
// honours, and those it refuses.
const usage = `Usage: ss [ OPTIONS ] [ FILTER ]
sockscope, run as ss: ss's options and table, from sockscope's own data.

   -h, --help          this help
   -V, --version       the ss version whose output is reproduced
   -n, --numeric       numeric ports
   -a, --all           sockets in every state
   -l, --listening     listening (and unconnected) sockets only
   -o, --options       timers
   -e, --extended      uid, inode, cookie and what the kernel adds
   -m, --memory        socket memory
   -i, --info          TCP internals (tcp_info, congestion control)
       --tos           TOS, traffic class and net_cls class id
       --cgroup        the cgroup v2 path
   -p, --processes     the processes holding each socket
   -s, --summary       the socket counts of /proc/net/sockstat
   -4, --ipv4          IPv4 sockets only
   -6, --ipv6          IPv6 sockets only
   -t, --tcp           TCP sockets
   -u, --udp           UDP sockets
   -w, --raw           raw sockets
   -x, --unix          unix domain sockets
   -M, --mptcp         MPTCP sockets
   -f, --family=FAMILY inet, inet6, unix or netlink
   -A, --query=QUERY   all, inet, tcp, mptcp, udp, raw, unix, unix_dgram,
                       unix_stream, unix_seqpacket (comma separated)
   -H, --no-header     no header line
   -O, --oneline       one line per socket
   -F, --filter=FILE   read the filter from FILE ("-": standard input)
   -N, --net=NAME      list the network namespace NAME (ip netns)
       --format=json   sockscope's JSON document instead of the table

   FILTER := [ state STATE-FILTER ] [ EXPRESSION ], as ss's; see
   sockscope's docs/filters.md.

Not available (exit 1): -K, -E, -T, -b, -D, -Z, -z,
--inet-sockopt, --tipcinfo; DCCP, SCTP, packet, vsock,
TIPC and XDP sockets are never listed.
`
