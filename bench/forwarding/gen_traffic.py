#!/usr/bin/env python3
"""Synthetic printer traffic for the forwarding benchmark, as an Ethernet pcap.

Print servers 198.19.0.0/16 send RAW (9100) jobs to printers in 198.18.20.0/24, the traffic the
enterprise profile allows: per flow a three-way handshake, then data segments from the server,
each acknowledged by the printer. Correct IPv4 and TCP checksums.

usage: gen_traffic.py OUT.pcap [--flows N] [--segments K] [--payload BYTES] [--inside IN.pcap]
With --inside, the printers' frames go to IN.pcap (what the gateway receives on its inside port)
and OUT.pcap keeps the servers' (the outside port).
"""
import argparse
import struct


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    f = eth + ip + tcp
    return f + b"\0" * max(0, 60 - len(f))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--flows", type=int, default=256)
    ap.add_argument("--segments", type=int, default=6)
    ap.add_argument("--payload", type=int, default=6, help="data bytes per segment (6: 64-byte frames)")
    ap.add_argument("--inside", help="write the printers' frames here")
    a = ap.parse_args()
    frames = []
    inside = []
    for i in range(a.flows):
        srv = bytes([198, 19, i >> 8 & 0xFF, i & 0xFF])
        prn = bytes([198, 18, 20, 1 + i % 14])
        sport = 20000 + i
        c, s = 1000, 5000
        frames.append(frame(srv, prn, sport, 9100, c - 1, 0, 0x02))
        back = inside if a.inside else frames
        back.append(frame(prn, srv, 9100, sport, s - 1, c, 0x12))
        frames.append(frame(srv, prn, sport, 9100, c, s, 0x10))
        for _ in range(a.segments):
            frames.append(frame(srv, prn, sport, 9100, c, s, 0x18, b"P" * a.payload))
            c += a.payload
            back.append(frame(prn, srv, 9100, sport, s, c, 0x10))
    write(a.out, frames)
    if a.inside:
        write(a.inside, inside)
    print(len(frames) + len(inside))


def write(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n, fr in enumerate(frames):
            f.write(struct.pack("<IIII", n // 1000000, n % 1000000, len(fr), len(fr)))
            f.write(fr)


if __name__ == "__main__":
    main()
