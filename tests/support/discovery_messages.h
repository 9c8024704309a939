// Discovery and name protocol messages as real implementations send them (Avahi, Windows, CUPS,
// OpenSLP, WSD printers), built for the tests (protocols/discovery/): the parser's unit tests,
// the policy re-check test's benign sessions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pw::testing::discovery_messages {

using Bytes = std::vector<uint8_t>;

inline void put16(Bytes& b, uint32_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
inline void put24(Bytes& b, uint32_t v) {
  b.push_back(static_cast<uint8_t>(v >> 16));
  put16(b, v & 0xFFFF);
}
inline void put(Bytes& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }
// A DNS name in labels ("_ipp._tcp.local"), root included.
inline void name(Bytes& b, std::string_view dotted) {
  while (!dotted.empty()) {
    const size_t dot = std::min(dotted.find('.'), dotted.size());
    b.push_back(static_cast<uint8_t>(dot));
    put(b, dotted.substr(0, dot));
    dotted.remove_prefix(std::min(dot + 1, dotted.size()));
  }
  b.push_back(0);
}
inline Bytes header(uint16_t flags, uint16_t qd, uint16_t an = 0, uint16_t ns = 0, uint16_t ar = 0) {
  Bytes b;
  put16(b, 0);
  put16(b, flags);
  put16(b, qd);
  put16(b, an);
  put16(b, ns);
  put16(b, ar);
  return b;
}
// RFC 1001 section 14.1: 16 bytes (padded with spaces, the last the suffix), each nibble + 'A'.
inline void nb_name(Bytes& b, std::string_view n, uint8_t suffix = 0x20) {
  std::string s(n);
  s.resize(15, ' ');
  s.push_back(static_cast<char>(suffix));
  b.push_back(32);
  for (unsigned char c : s) {
    b.push_back(static_cast<uint8_t>('A' + (c >> 4)));
    b.push_back(static_cast<uint8_t>('A' + (c & 0xF)));
  }
  b.push_back(0);
}

inline Bytes mdns_query() {  // Avahi browsing for IPP printers
  Bytes b = header(0, 1);
  name(b, "_ipp._tcp.local");
  put16(b, 12);  // PTR
  put16(b, 1);
  return b;
}

// An announcement: PTR _ipp._tcp.local -> "Printer._ipp._tcp.local" (compressed), and SRV.
inline Bytes mdns_announcement() {
  Bytes b = header(0x8400, 0, 2);
  const size_t service = b.size();
  name(b, "_ipp._tcp.local");
  put16(b, 12);
  put16(b, 1);
  put16(b, 0);
  put16(b, 4500);
  Bytes inst;
  inst.push_back(7);
  put(inst, "Printer");
  inst.push_back(0xC0);
  inst.push_back(static_cast<uint8_t>(service));
  put16(b, static_cast<uint32_t>(inst.size()));
  const size_t instance = b.size();
  b.insert(b.end(), inst.begin(), inst.end());
  b.push_back(0xC0);  // owner: the instance name, compressed
  b.push_back(static_cast<uint8_t>(instance));
  put16(b, 33);  // SRV priority weight port target
  put16(b, 0x8001);
  put16(b, 0);
  put16(b, 120);
  Bytes srv;
  put16(srv, 0);
  put16(srv, 0);
  put16(srv, 631);
  name(srv, "printer.local");
  put16(b, static_cast<uint32_t>(srv.size()));
  b.insert(b.end(), srv.begin(), srv.end());
  return b;
}

inline Bytes nbns(uint16_t flags, std::string_view n, uint16_t an = 0) {
  Bytes b = header(flags, 1, 0, 0, an);
  nb_name(b, n);
  put16(b, 0x20);
  put16(b, 1);
  if (an) {
    b.push_back(0xC0);
    b.push_back(12);
    put16(b, 0x20);
    put16(b, 1);
    put16(b, 0);
    put16(b, 300000);
    put16(b, 6);
    put16(b, 0);
    b.insert(b.end(), {0xC6, 0x12, 0x00, 0x09});
  }
  return b;
}

inline Bytes nbdgm(uint8_t type, size_t user, int length_fix = 0, uint8_t flags = 0x02) {
  Bytes names;
  nb_name(names, "PRINTER");
  nb_name(names, "WORKGROUP", 0x1D);
  Bytes b{type, flags, 0, 1, 198, 18, 20, 5, 0, 138};
  put16(b, static_cast<uint32_t>(names.size() + user + static_cast<size_t>(length_fix)));
  put16(b, 0);
  b.insert(b.end(), names.begin(), names.end());
  b.resize(b.size() + user, 0x42);
  return b;
}

inline constexpr std::string_view kMsearch =
    "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\n"
    "ST: urn:dial-multiscreen-org:service:dial:1\r\nUSER-AGENT: Chromium/118.0 Linux\r\n\r\n";
inline constexpr std::string_view kNotify =
    "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\n"
    "LOCATION: http://198.18.20.5:80/desc.xml\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n"
    "SERVER: Printer/1.0 UPnP/1.0\r\nUSN: uuid:1234::upnp:rootdevice\r\n\r\n";

inline std::string wsd(std::string_view action, std::string_view body = "<wsd:Probe/>") {
  return std::string("<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
                     "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" "
                     "xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
                     "xmlns:wsd=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\">"
                     "<soap:Header><wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>"
                     "<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/") +
         std::string(action) +
         "</wsa:Action><wsa:MessageID>urn:uuid:0f5d604c-81ac-4abc-8010-51dbffad55f2</wsa:MessageID>"
         "</soap:Header><soap:Body>" + std::string(body) + "</soap:Body></soap:Envelope>";
}

inline void slp_string(Bytes& b, std::string_view s) {
  put16(b, static_cast<uint32_t>(s.size()));
  put(b, s);
}
inline Bytes slp(uint8_t fn, const Bytes& body, int length_fix = 0) {
  Bytes b{2, fn};
  put24(b, static_cast<uint32_t>(16 + body.size() + static_cast<size_t>(length_fix)));
  put16(b, 0x2000);  // multicast
  put24(b, 0);
  put16(b, 0x1234);
  slp_string(b, "en");
  b.insert(b.end(), body.begin(), body.end());
  return b;
}
inline Bytes srvrqst() {
  Bytes body;
  slp_string(body, "");
  slp_string(body, "service:printer");
  slp_string(body, "DEFAULT");
  slp_string(body, "");
  slp_string(body, "");
  return body;
}
inline Bytes srvreg() {  // a registration: URL entry, type, scopes, attributes, no auth blocks
  Bytes body{0};
  put16(body, 65535);
  slp_string(body, "service:printer:lpr://198.18.0.66/queue");
  body.push_back(0);
  slp_string(body, "service:printer");
  slp_string(body, "DEFAULT");
  slp_string(body, std::string(1000, 'A'));  // the amplifier
  body.push_back(0);
  return body;
}

// SLP SrvRply with one URL entry (the printer's answer to srvrqst()).
inline Bytes srvrply() {
  Bytes reply;
  put16(reply, 0);
  put16(reply, 1);
  reply.push_back(0);
  put16(reply, 300);
  slp_string(reply, "service:printer:ipp://198.18.20.5/ipp/print");
  reply.push_back(0);
  return slp(2, reply);
}

}  // namespace pw::testing::discovery_messages
