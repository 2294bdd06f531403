# Joins multicast groups through socket options, then copies the tables
# while the sockets still hold their memberships.
import shutil, socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for grp, ifaddr in (("239.1.2.3", "10.98.1.1"), ("224.0.0.251", "10.98.1.2")):
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton(grp) + socket.inet_aton(ifaddr))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
              socket.inet_pton(socket.AF_INET6, "ff05::1:3") + struct.pack("@I", socket.if_nametoindex("veth-cap0")))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3): u.sendto(b"x" * 100, ("127.0.0.1", 9))
u.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"veth-cap0")
for i in range(2): u.sendto(b"y" * 200, ("10.98.1.2", 9))
for name in ("dev", "igmp", "igmp6"):
    shutil.copyfile("/proc/thread-self/net/" + name, name)
