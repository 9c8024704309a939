#include "protocols/discovery/discovery_parser.h"

#include <algorithm>

#include "common/ascii.h"

namespace pw::proto::discovery {

const char* to_string(Protocol p) {
  switch (p) {
    case Protocol::Mdns: return "mdns";
    case Protocol::Llmnr: return "llmnr";
    case Protocol::NetbiosNs: return "netbios-ns";
    case Protocol::NetbiosDgm: return "netbios-dgm";
    case Protocol::Ssdp: return "ssdp";
    case Protocol::Wsd: return "wsd";
    case Protocol::Slp: return "slp";
    case Protocol::CupsBrowsing: return "cups-browsing";
  }
  return "?";
}

const char* to_string(Role r) {
  switch (r) {
    case Role::Query: return "query";
    case Role::Answer: return "answer";
    case Role::Announce: return "announce";
    case Role::Register: return "register";
    case Role::Data: return "data";
  }
  return "?";
}

namespace {

using Bytes = std::span<const uint8_t>;

Parsed bad(std::string_view why) {
  Parsed p;
  p.what = why;
  return p;
}
Parsed good(Role r, std::string_view what = {}) {
  Parsed p;
  p.ok = true;
  p.role = r;
  p.what = what;
  return p;
}

uint32_t be16(Bytes d, size_t at) { return uint32_t{d[at]} << 8 | d[at + 1]; }
uint32_t be24(Bytes d, size_t at) { return uint32_t{d[at]} << 16 | uint32_t{d[at + 1]} << 8 | d[at + 2]; }

// ------------------------------------------------------------------------------------------------
// DNS names (mDNS, LLMNR, NetBIOS): labels of at most 63 bytes, at most 255 bytes in all,
// compression pointers only strictly backward of everything the name visited (so no loop and no
// forward reference), no extended label types. NetBIOS: the first label is the 32-byte
// first-level encoding of RFC 1001 section 14.1 (each byte 'A'..'P').
// ------------------------------------------------------------------------------------------------
const char* read_name(Bytes d, size_t at, size_t* end, bool netbios, bool pointers = true) {
  size_t pos = at, lowest = at, wire = 0, labels = 0;
  bool jumped = false;
  for (;;) {
    if (pos >= d.size()) return "name past the end";
    const uint8_t b = d[pos];
    if (b == 0) {
      if (!jumped) *end = pos + 1;
      if (++wire > kMaxName) return "name over 255 bytes";
      if (netbios && labels == 0) return "NetBIOS name without its encoded label";
      return nullptr;
    }
    if ((b & 0xC0) == 0xC0) {
      if (!pointers) return "compression pointer where none may be";
      if (pos + 1 >= d.size()) return "compression pointer past the end";
      const size_t target = (size_t{b} & 0x3F) << 8 | d[pos + 1];
      if (target >= lowest) return "compression pointer loop or forward reference";
      if (!jumped) *end = pos + 2;
      jumped = true;
      lowest = target;
      pos = target;
      continue;
    }
    if (b & 0xC0) return "extended label type";
    if (pos + 1 + b > d.size()) return "label past the end";
    if (netbios && labels == 0) {
      if (b != 32) return "NetBIOS name not 32 encoded bytes";
      for (size_t i = 1; i <= 32; ++i)
        if (d[pos + i] < 'A' || d[pos + i] > 'P') return "NetBIOS name not first-level encoded";
    }
    wire += size_t{b} + 1;
    if (wire > kMaxName) return "name over 255 bytes";
    ++labels;
    if (pos < lowest) lowest = pos;
    pos += size_t{b} + 1;
  }
}

enum class Dns : uint8_t { Mdns, Llmnr, Netbios };

Parsed parse_dns(Bytes d, Dns flavor) {
  if (d.size() < 12) return bad("shorter than its header");
  const bool nb = flavor == Dns::Netbios;
  const uint32_t flags = be16(d, 2);
  const bool response = flags & 0x8000;
  const uint32_t opcode = (flags >> 11) & 0xF;
  const size_t qd = be16(d, 4), an = be16(d, 6), ns = be16(d, 8), ar = be16(d, 10);
  if (qd + an + ns + ar > kMaxRecords) return bad("over 256 records");
  if (flavor == Dns::Mdns && opcode != 0) return bad("opcode not 0");
  if (flavor == Dns::Llmnr && (opcode != 0 || qd != 1)) return bad("opcode not 0 or not one question");
  if (nb && qd > 1) return bad("more than one question");
  size_t pos = 12;
  for (size_t i = 0; i < qd; ++i) {
    if (const char* why = read_name(d, pos, &pos, nb)) return bad(why);
    if (pos + 4 > d.size()) return bad("question past the end");
    pos += 4;
  }
  for (size_t i = 0; i < an + ns + ar; ++i) {
    if (const char* why = read_name(d, pos, &pos, nb)) return bad(why);
    if (pos + 10 > d.size()) return bad("record past the end");
    const uint32_t type = be16(d, pos);
    const size_t rdlen = be16(d, pos + 8);
    const size_t rdata = pos + 10;
    if (rdata + rdlen > d.size()) return bad("record data past the end");
    const Bytes within = d.first(rdata + rdlen);  // names in the data end inside it
    size_t name_at = SIZE_MAX;
    if (!nb && (type == 12 || type == 5 || type == 2 || type == 39)) name_at = rdata;  // PTR CNAME NS DNAME
    if (!nb && type == 33) {                                                          // SRV
      if (rdlen < 7) return bad("SRV record too short");
      name_at = rdata + 6;
    }
    if (nb && type == 32 && rdlen % 6 != 0) return bad("NB record not a multiple of 6 bytes");
    if (name_at != SIZE_MAX) {
      size_t name_end = 0;
      if (const char* why = read_name(within, name_at, &name_end, false)) return bad(why);
      if (name_end != rdata + rdlen) return bad("record data longer than its name");
    }
    pos = rdata + rdlen;
  }
  if (pos != d.size()) return bad("bytes after the last record");
  if (nb) {
    // RFC 1002 section 4.2.1.1: 0 query, 5 registration, 6 release, 7 WACK, 8/9 refresh.
    if (opcode == 0) return good(response ? Role::Answer : (an ? Role::Announce : Role::Query), "name query");
    if (opcode == 5 || opcode == 6 || opcode == 8 || opcode == 9)
      return good(response ? Role::Answer : Role::Register, opcode == 6 ? "name release" : "name registration");
    if (opcode == 7) return good(Role::Answer, "wait for acknowledgement");
    return bad("unknown NetBIOS opcode");
  }
  if (!response) return good(Role::Query);
  // mDNS: a response no question asked for is an announcement (RFC 6762 section 8.3).
  return good(flavor == Dns::Mdns && qd == 0 ? Role::Announce : Role::Answer);
}

// ------------------------------------------------------------------------------------------------
// NetBIOS datagram service (RFC 1002 section 4.4)
// ------------------------------------------------------------------------------------------------
Parsed parse_netbios_dgm(Bytes d) {
  if (d.size() < 10) return bad("shorter than its header");
  const uint8_t type = d[0];
  size_t end = 0;
  switch (type) {
    case 0x10: case 0x11: case 0x12: {  // direct unique, direct group, broadcast
      if (d.size() < 14) return bad("shorter than its header");
      if (14 + be16(d, 10) != d.size()) return bad("datagram length does not match");
      if (be16(d, 12) != 0 || (d[1] & 0x03) != 0x02)
        return bad("fragmented NetBIOS datagram");  // FIRST set, MORE clear: one piece
      if (const char* why = read_name(d, 14, &end, true, false)) return bad(why);
      if (const char* why = read_name(d, end, &end, true, false)) return bad(why);
      return good(Role::Data, type == 0x12 ? "broadcast datagram" : "direct datagram");
    }
    case 0x13:  // error
      if (d.size() != 11) return bad("error datagram of the wrong length");
      return good(Role::Answer, "datagram error");
    case 0x14: case 0x15: case 0x16:  // query request, positive and negative response
      if (const char* why = read_name(d, 10, &end, true, false)) return bad(why);
      if (end != d.size()) return bad("bytes after the name");
      return good(type == 0x14 ? Role::Query : Role::Answer, "datagram query");
    default:
      return bad("unknown datagram type");
  }
}

// ------------------------------------------------------------------------------------------------
// SSDP: HTTP-style start line and headers, nothing else
// ------------------------------------------------------------------------------------------------
bool token_char(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

Parsed parse_ssdp(Bytes d) {
  const std::string_view s(reinterpret_cast<const char*>(d.data()), d.size());
  size_t pos = 0, lines = 0;
  std::string_view kind;
  Role role = Role::Query;
  bool man_discover = false, st = false, ended = false;
  while (pos < s.size()) {
    const size_t lf = s.find('\n', pos);
    if (lf == std::string_view::npos) return bad("line without its end");
    std::string_view line = s.substr(pos, lf - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = lf + 1;
    if (line.size() > kMaxSsdpLine) return bad("line over 1024 bytes");
    for (char c : line)
      if ((static_cast<uint8_t>(c) < 0x20 && c != '\t') || c == 0x7F) return bad("control character");
    if (lines++ == 0) {
      if (line == "M-SEARCH * HTTP/1.1") {
        kind = "M-SEARCH";
        role = Role::Query;
      } else if (line == "NOTIFY * HTTP/1.1") {
        kind = "NOTIFY";
        role = Role::Announce;
      } else if (line == "HTTP/1.1 200 OK") {
        kind = "200 OK";
        role = Role::Answer;
      } else {
        return bad("not an SSDP start line");
      }
      continue;
    }
    if (line.empty()) {
      ended = true;
      break;
    }
    if (lines > kMaxSsdpHeaders + 1) return bad("over 32 headers");
    const size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return bad("header without a name");
    for (size_t i = 0; i < colon; ++i)
      if (!token_char(static_cast<uint8_t>(line[i]))) return bad("header name not a token");
    std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    if (iequals(name, "MAN") && value == "\"ssdp:discover\"") man_discover = true;
    if (iequals(name, "ST") && !value.empty()) st = true;
  }
  if (!ended) return bad("headers without their empty line");
  if (pos != s.size()) return bad("bytes after the headers");
  if (role == Role::Query && (!man_discover || !st)) return bad("M-SEARCH without MAN ssdp:discover and ST");
  return good(role, kind);
}

// ------------------------------------------------------------------------------------------------
// WS-Discovery: a well-formed XML document without document type, bounded fields, one of the
// discovery actions
// ------------------------------------------------------------------------------------------------
bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
         c == '-' || c == '.' || c == '_' || static_cast<uint8_t>(c) >= 0x80;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The text of a field: entity references limited to XML's five and character references.
const char* check_text(std::string_view t) {
  if (t.size() > kMaxWsdField) return "field over 1024 bytes";
  for (size_t i = 0; i < t.size(); ++i) {
    const uint8_t c = static_cast<uint8_t>(t[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return "control character";
    if (c == '<') return "'<' in a value";
    if (c != '&') continue;
    const size_t semi = t.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) return "unterminated entity reference";
    const std::string_view ref = t.substr(i + 1, semi - i - 1);
    if (ref != "lt" && ref != "gt" && ref != "amp" && ref != "quot" && ref != "apos" &&
        !(ref.size() >= 2 && ref[0] == '#'))
      return "entity reference other than XML's own";
    i = semi;
  }
  return nullptr;
}

Parsed parse_wsd(Bytes d) {
  std::string_view s(reinterpret_cast<const char*>(d.data()), d.size());
  if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);  // UTF-8 byte order mark
  struct Open {
    uint32_t at, len;
  };
  Open stack[kMaxWsdDepth];
  size_t depth = 0, pos = 0;
  bool root_done = false, in_action = false;
  std::string_view action;
  Parsed doctype = bad("document type or entity declaration");
  doctype.doctype = true;
  while (pos < s.size()) {
    const size_t lt = s.find('<', pos);
    const std::string_view text = s.substr(pos, (lt == std::string_view::npos ? s.size() : lt) - pos);
    if (const char* why = check_text(text)) return bad(why);
    if (depth == 0 && text.find_first_not_of(" \t\r\n") != std::string_view::npos)
      return bad("text outside the document element");
    if (in_action) action = text;
    if (lt == std::string_view::npos) break;
    pos = lt;
    if (s.substr(pos, 4) == "<!--") {
      const size_t end = s.find("-->", pos + 4);
      if (end == std::string_view::npos) return bad("unterminated comment");
      pos = end + 3;
      continue;
    }
    if (s.substr(pos, 2) == "<!") {
      if (s.substr(pos, 9) == "<![CDATA[") return bad("CDATA section");
      return doctype;  // DOCTYPE, ENTITY, ELEMENT, ...: declarations have no place here
    }
    if (s.substr(pos, 2) == "<?") {
      const size_t end = s.find("?>", pos + 2);
      if (end == std::string_view::npos) return bad("unterminated processing instruction");
      if (pos != 0 || s.substr(pos, 6) != "<?xml ") return bad("processing instruction");
      pos = end + 2;
      continue;
    }
    const bool closing = s.substr(pos, 2) == "</";
    size_t p = pos + (closing ? 2 : 1);
    const size_t name_at = p;
    while (p < s.size() && name_char(s[p])) ++p;
    const size_t name_len = p - name_at;
    if (name_len == 0 || name_len > 256) return bad("element name empty or over 256 bytes");
    const std::string_view name = s.substr(name_at, name_len);
    if (closing) {
      while (p < s.size() && (s[p] == ' ' || s[p] == '\t' || s[p] == '\r' || s[p] == '\n')) ++p;
      if (p >= s.size() || s[p] != '>') return bad("malformed end tag");
      if (depth == 0 || s.substr(stack[depth - 1].at, stack[depth - 1].len) != name)
        return bad("end tag does not match");
      --depth;
      in_action = false;
      if (depth == 0) root_done = true;
      pos = p + 1;
      continue;
    }
    if (root_done) return bad("a second document element");
    // Attributes: name="value" or name='value'.
    bool empty = false;
    for (;;) {
      while (p < s.size() && (s[p] == ' ' || s[p] == '\t' || s[p] == '\r' || s[p] == '\n')) ++p;
      if (p >= s.size()) return bad("unterminated tag");
      if (s[p] == '>') break;
      if (s.substr(p, 2) == "/>") {
        empty = true;
        ++p;
        break;
      }
      const size_t an = p;
      while (p < s.size() && name_char(s[p])) ++p;
      if (p == an || p - an > 256) return bad("attribute name empty or over 256 bytes");
      if (p >= s.size() || s[p] != '=') return bad("attribute without a value");
      ++p;
      if (p >= s.size() || (s[p] != '"' && s[p] != '\'')) return bad("attribute value not quoted");
      const char q = s[p++];
      const size_t close = s.find(q, p);
      if (close == std::string_view::npos) return bad("unterminated attribute value");
      if (const char* why = check_text(s.substr(p, close - p))) return bad(why);
      p = close + 1;
    }
    pos = p + 1;
    if (empty) {
      if (depth == 0) root_done = true;
      continue;
    }
    if (depth == kMaxWsdDepth) return bad("elements nested over 32 deep");
    stack[depth++] = {static_cast<uint32_t>(name_at), static_cast<uint32_t>(name_len)};
    const size_t colon = name.find(':');
    in_action = (colon == std::string_view::npos ? name : name.substr(colon + 1)) == "Action";
  }
  if (depth != 0 || !root_done) return bad("document not closed");
  while (!action.empty() && (action.front() == ' ' || action.front() == '\n' || action.front() == '\r' || action.front() == '\t')) action.remove_prefix(1);
  while (!action.empty() && (action.back() == ' ' || action.back() == '\n' || action.back() == '\r' || action.back() == '\t')) action.remove_suffix(1);
  struct Act {
    std::string_view suffix;
    Role role;
  };
  static constexpr Act kActs[] = {{"/ProbeMatches", Role::Answer},   {"/ResolveMatches", Role::Answer},
                                  {"/Probe", Role::Query},           {"/Resolve", Role::Query},
                                  {"/Hello", Role::Announce},        {"/Bye", Role::Announce},
                                  {"/fault", Role::Answer}};
  for (const Act& a : kActs)
    if (ends_with(action, a.suffix)) return good(a.role, a.suffix.substr(1));
  return bad(action.empty() ? "no WS-Addressing Action" : "not a WS-Discovery action");
}

// ------------------------------------------------------------------------------------------------
// SLP v2 (RFC 2608)
// ------------------------------------------------------------------------------------------------
// `count` length-prefixed strings from `pos`, within [.., end).
bool strings(Bytes d, size_t* pos, size_t end, int count) {
  for (int i = 0; i < count; ++i) {
    if (*pos + 2 > end) return false;
    *pos += 2 + be16(d, *pos);
    if (*pos > end) return false;
  }
  return true;
}

// Authentication blocks (RFC 2608 section 9.2): `n` of them from `pos`.
bool auth_blocks(Bytes d, size_t* pos, size_t end, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (*pos + 4 > end) return false;
    const size_t len = be16(d, *pos + 2);
    if (len < 10 || *pos + len > end) return false;
    *pos += len;
  }
  return true;
}

// A URL entry (section 4.3): reserved, lifetime, URL, its authentication blocks.
bool url_entry(Bytes d, size_t* pos, size_t end) {
  if (*pos + 5 > end) return false;
  *pos += 3;
  if (!strings(d, pos, end, 1) || *pos + 1 > end) return false;
  const size_t auths = d[*pos];
  ++*pos;
  return auth_blocks(d, pos, end, auths);
}

Parsed parse_slp(Bytes d) {
  if (d.size() < 2) return bad("shorter than its header");
  if (d[0] == 1) return bad("SLPv1 (obsolete)");
  if (d[0] != 2) return bad("not SLP version 2");
  if (d.size() < 14) return bad("shorter than its header");
  if (be24(d, 2) != d.size()) return bad("length field does not match");
  const size_t lang = be16(d, 12);
  if (lang == 0 || lang > 64 || 14 + lang > d.size()) return bad("language tag empty, long or past the end");
  for (size_t i = 14; i < 14 + lang; ++i) {
    const char c = static_cast<char>(d[i]);
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
      return bad("language tag not a tag");
  }
  const size_t body = 14 + lang;
  size_t end = d.size();
  // Extensions: a chain of strictly increasing offsets, each inside the message.
  if (size_t ext = be24(d, 7)) {
    end = ext;
    for (int n = 0; ext; ++n) {
      if (n == 16 || ext < body || ext + 5 > d.size()) return bad("extension chain out of bounds");
      const size_t next = be24(d, ext + 2);
      if (next && next <= ext) return bad("extension chain goes backward");
      ext = next;
    }
  }
  size_t pos = body;
  static constexpr std::string_view kNames[] = {"",         "SrvRqst",  "SrvRply",     "SrvReg",
                                                "SrvDeReg", "SrvAck",   "AttrRqst",    "AttrRply",
                                                "DAAdvert", "SrvTypeRqst", "SrvTypeRply", "SAAdvert"};
  const uint8_t fn = d[1];
  if (fn < 1 || fn > 11) return bad("unknown function");
  const std::string_view what = kNames[fn];
  bool fits = true;
  switch (fn) {
    case 1: fits = strings(d, &pos, end, 5); break;  // PRList, type, scopes, predicate, SPI
    case 6: fits = strings(d, &pos, end, 5); break;  // PRList, URL, scopes, tags, SPI
    case 9:                                           // PRList, naming authority, scopes
      fits = strings(d, &pos, end, 1) && pos + 2 <= end;
      if (fits && be16(d, pos) != 0xFFFF) fits = strings(d, &pos, end, 1);
      else pos += 2;
      fits = fits && strings(d, &pos, end, 1);
      break;
    case 2: {  // error, count, URL entries
      if (pos + 4 > end) return bad("SrvRply past the end");
      const size_t n = be16(d, pos + 2);
      pos += 4;
      for (size_t i = 0; fits && i < n; ++i) fits = url_entry(d, &pos, end);
      break;
    }
    case 7:  // error, attribute list, authentication blocks
      fits = pos + 2 <= end;
      pos += 2;
      fits = fits && strings(d, &pos, end, 1) && pos + 1 <= end;
      if (fits) {
        const size_t auths = d[pos++];
        fits = auth_blocks(d, &pos, end, auths);
      }
      break;
    case 3:  // URL entry, type, scopes, attributes, attribute authentication blocks
      fits = url_entry(d, &pos, end) && strings(d, &pos, end, 3) && pos + 1 <= end;
      if (fits) {
        const size_t auths = d[pos++];
        fits = auth_blocks(d, &pos, end, auths);
      }
      break;
    case 4: fits = strings(d, &pos, end, 1) && url_entry(d, &pos, end) && strings(d, &pos, end, 1); break;
    case 5: fits = pos + 2 <= end; pos += 2; break;
    default: fits = pos <= end; break;  // DAAdvert, SrvTypeRply, SAAdvert: header checks only
  }
  if (!fits) return bad("a field past the end of the message");
  Role role = Role::Answer;
  if (fn == 1 || fn == 6 || fn == 9) role = Role::Query;
  if (fn == 3 || fn == 4) role = Role::Register;
  if (fn == 8 || fn == 11) role = Role::Announce;
  return good(role, what);
}

// ------------------------------------------------------------------------------------------------
// CUPS browsing: "TYPE STATE URI [\"LOCATION\" \"INFO\" \"MAKE-AND-MODEL\"]..." on one line
// ------------------------------------------------------------------------------------------------
Parsed parse_cups(Bytes d) {
  std::string_view s(reinterpret_cast<const char*>(d.data()), d.size());
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  for (char c : s)
    if (static_cast<uint8_t>(c) < 0x20 || c == 0x7F) return bad("control character or a second line");
  auto hex_word = [&](size_t* pos) {
    size_t start = *pos;
    while (*pos < s.size() && *pos - start < 8 &&
           ((s[*pos] >= '0' && s[*pos] <= '9') || (s[*pos] >= 'a' && s[*pos] <= 'f') ||
            (s[*pos] >= 'A' && s[*pos] <= 'F')))
      ++*pos;
    return *pos > start && *pos < s.size() && s[*pos] == ' ';
  };
  size_t pos = 0;
  if (!hex_word(&pos)) return bad("type not hexadecimal");
  ++pos;
  if (!hex_word(&pos)) return bad("state not hexadecimal");
  ++pos;
  const size_t uri_end = std::min(s.find(' ', pos), s.size());
  const std::string_view uri = s.substr(pos, uri_end - pos);
  if (uri.substr(0, 6) != "ipp://" && uri.substr(0, 7) != "ipps://") return bad("URI not ipp or ipps");
  pos = uri_end;
  while (pos < s.size()) {  // quoted strings (CUPS escapes none: a quote ends the string)
    if (s[pos] == ' ') {
      ++pos;
      continue;
    }
    if (s[pos] == '"') {
      const size_t close = s.find('"', pos + 1);
      if (close == std::string_view::npos) return bad("unterminated quoted string");
      pos = close + 1;
      continue;
    }
    const size_t sp = std::min(s.find(' ', pos), s.size());  // lease-duration=N and kin
    if (s.substr(pos, sp - pos).find('"') != std::string_view::npos) return bad("stray quote");
    pos = sp;
  }
  return good(Role::Announce, "browse packet");
}

}  // namespace

Parsed parse(Protocol p, std::span<const uint8_t> d) {
  static constexpr size_t kMax[] = {kMaxMdns, kMaxLlmnr, kMaxNetbios, kMaxNetbios,
                                    kMaxSsdp, kMaxWsd,   kMaxSlp,     kMaxCupsBrowse};
  if (d.size() > kMax[static_cast<size_t>(p)]) return bad("over its protocol's size limit");
  if (d.empty()) return bad("empty datagram");
  switch (p) {
    case Protocol::Mdns: return parse_dns(d, Dns::Mdns);
    case Protocol::Llmnr: return parse_dns(d, Dns::Llmnr);
    case Protocol::NetbiosNs: return parse_dns(d, Dns::Netbios);
    case Protocol::NetbiosDgm: return parse_netbios_dgm(d);
    case Protocol::Ssdp: return parse_ssdp(d);
    case Protocol::Wsd: return parse_wsd(d);
    case Protocol::Slp: return parse_slp(d);
    case Protocol::CupsBrowsing: return parse_cups(d);
  }
  return bad("unknown protocol");
}

}  // namespace pw::proto::discovery
