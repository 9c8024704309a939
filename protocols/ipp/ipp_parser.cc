#include "protocols/ipp/ipp_parser.h"

#include <algorithm>
#include <cstring>

#include "policy/inspector_config.h"

namespace pw::proto::ipp {
namespace {

using Step = IppReader::Step;
using Kind = IppEvent::Kind;

// Tags (RFC 8010 3.5, IANA "IPP registrations: attribute syntaxes").
constexpr uint8_t kEndOfAttributes = 0x03;
constexpr uint8_t kBegCollection = 0x34;
constexpr uint8_t kTextWithLanguage = 0x35;
constexpr uint8_t kNameWithLanguage = 0x36;
constexpr uint8_t kEndCollection = 0x37;
constexpr uint8_t kMemberAttrName = 0x4A;
constexpr uint8_t kExtension = 0x7F;

IppEvent violation(Reason r, size_t used, std::string_view detail) {
  return {Kind::None, r, used, detail};
}

// The longest value a syntax may have (RFC 8011 5.1, RFC 8010 3.9), and whether it is exactly
// that long; 0xFFFF: no bound beyond the field's.
struct Syntax {
  uint16_t max;
  bool exact;
  bool text;  // character string: no control character or line break
};
Syntax syntax_of(uint8_t tag) {
  switch (tag) {
    case 0x21: case 0x23: return {4, true, false};     // integer, enum
    case 0x22: return {1, true, false};                // boolean
    case 0x31: return {11, true, false};               // dateTime
    case 0x32: return {9, true, false};                // resolution
    case 0x33: return {8, true, false};                // rangeOfInteger
    case kBegCollection: case kEndCollection: return {0, true, false};
    case 0x30: return {1023, false, false};            // octetString(MAX)
    case kTextWithLanguage: return {4 + 63 + 1023, false, true};
    case kNameWithLanguage: return {4 + 63 + 255, false, true};
    case 0x41: return {1023, false, true};             // textWithoutLanguage
    case 0x42: return {255, false, true};              // nameWithoutLanguage
    case 0x44: return {255, false, true};              // keyword
    case 0x45: return {1023, false, true};             // uri
    case 0x46: return {63, false, true};               // uriScheme
    case 0x47: return {63, false, true};               // charset
    case 0x48: return {63, false, true};               // naturalLanguage
    case 0x49: return {255, false, true};              // mimeMediaType
    case kMemberAttrName: return {255, false, true};
    default: break;
  }
  if (tag >= 0x10 && tag <= 0x1F) return {0xFFFF, false, false};  // out-of-band: value ignored
  if (tag >= 0x40 && tag <= 0x5F) return {1023, false, true};     // other character strings
  return {0xFFFF, false, false};  // other integer / octetString-like syntaxes: opaque
}

bool control(uint8_t c) { return c < 0x20 || c == 0x7F; }

void keep_value(IppReader& r, uint8_t c) {
  if (r.value_len < IppReader::kValue) r.value[r.value_len++] = static_cast<char>(c);
}

// The value of the current attribute is complete.
IppEvent value_done(IppReader& r, size_t used) {
  const std::string_view v(r.value, r.value_len);
  if (r.tag == kTextWithLanguage || r.tag == kNameWithLanguage) {
    if (r.lang_part != 2 || r.lang_left != 0)
      return violation(Reason::MalformedIpp, used, std::string_view(r.name, r.name_len));
  }
  r.step = Step::Tag;
  if (r.watch) return {static_cast<Kind>(r.watch), Reason::Forwarded, used, v};
  return {Kind::None, Reason::Forwarded, used, {}};
}

}  // namespace

void ipp_start(IppReader& r, bool request) {
  r = IppReader{};
  r.request = request;
}

std::string_view operation_name(uint16_t op, char (&buf)[8]) {
  if (const policy::ipp::Operation* o = policy::ipp::find_operation(op)) return o->name;
  static constexpr char kHex[] = "0123456789abcdef";
  buf[0] = '0';
  buf[1] = 'x';
  for (int i = 0; i < 4; ++i) buf[2 + i] = kHex[(op >> (12 - 4 * i)) & 0xF];
  return std::string_view(buf, 6);
}

IppEvent ipp_read(IppReader& r, const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    switch (r.step) {
      case Step::Header: {
        r.hdr[r.have++] = p[i++];
        if (r.have < 8) continue;
        // version-number: major 1 or 2 (RFC 8010 3.4.1; 2.x answers 1.x requests).
        if (r.hdr[0] < 1 || r.hdr[0] > 2) return violation(Reason::MalformedIpp, i, "version");
        r.code = static_cast<uint16_t>(r.hdr[2] << 8 | r.hdr[3]);
        r.step = Step::Tag;
        return {Kind::Operation, Reason::Forwarded, i, {}};
      }
      case Step::Tag: {
        const uint8_t t = p[i++];
        if (t == kEndOfAttributes) {
          if (r.depth != 0) return violation(Reason::MalformedIpp, i, "collection not closed");
          r.step = Step::Data;
          return {Kind::EndOfAttributes, Reason::Forwarded, i, {}};
        }
        if (t < 0x10) {  // begin-attribute-group-tag (RFC 8010 3.5.1; 0x00 reserved)
          if (t == 0x00 || t > 0x0F) return violation(Reason::MalformedIpp, i, "delimiter tag");
          if (r.depth != 0) return violation(Reason::MalformedIpp, i, "collection not closed");
          r.group = true;
          r.op_group = t == 0x01;  // operation-attributes-tag
          continue;
        }
        if (!r.group) return violation(Reason::MalformedIpp, i, "attribute outside a group");
        if (t == kExtension) return violation(Reason::MalformedIpp, i, "extension tag");
        r.tag = t;
        r.have = 0;
        r.step = Step::NameLen;
        continue;
      }
      case Step::NameLen:
      case Step::ValueLen: {
        r.len = static_cast<uint16_t>(r.len << 8 | p[i++]);
        if (++r.have < 2) continue;
        r.have = 0;
        r.left = r.len;
        if (r.step == Step::NameLen) {
          if (r.len > 255) return violation(Reason::MalformedIpp, i, "attribute name too long");
          // A name of length 0 is another value of the previous attribute (or a collection's
          // member value): the previous name (and whether it is document-format) stands.
          if (r.len > 0) {
            r.name_len = 0;
            r.watch = 0;
          }
          if (r.tag == kEndCollection && r.len != 0)
            return violation(Reason::MalformedIpp, i, "endCollection with a name");
          r.step = r.len ? Step::Name : Step::ValueLen;
          r.len = 0;
          if (r.step == Step::ValueLen && r.depth != 0) r.watch = 0;  // a member's value
          continue;
        }
        const Syntax sx = syntax_of(r.tag);
        if (r.len > sx.max || (sx.exact && r.len != sx.max))
          return violation(Reason::MalformedIpp, i, std::string_view(r.name, r.name_len));
        // A watched attribute of a request in any other syntax (a collection, a text, no-value)
        // would hide its values from the check: document-format is a mimeMediaType,
        // compression a keyword (RFC 8011 5.4.21, 5.4.32).
        if (r.watch && r.request &&
            r.tag != (r.watch == static_cast<uint8_t>(Kind::DocumentFormat) ? 0x49 : 0x44))
          return violation(Reason::IppDocumentFormat, i, std::string_view(r.name, r.name_len));
        if (r.tag == kBegCollection && ++r.depth > IppReader::kMaxDepth)
          return violation(Reason::MalformedIpp, i, "collections nested too deep");
        if (r.tag == kEndCollection) {
          if (r.depth == 0) return violation(Reason::MalformedIpp, i, "endCollection without begin");
          --r.depth;
        }
        r.value_len = 0;
        r.lang_part = 0;
        r.lang_left = 0;
        r.step = Step::Value;
        r.len = 0;
        if (r.left == 0) {
          if (IppEvent e = value_done(r, i); e.reason != Reason::Forwarded || e.kind != Kind::None)
            return e;
        }
        continue;
      }
      case Step::Name: {
        const uint8_t c = p[i++];
        // Attribute names are keywords (RFC 8011 5.1.4): printable US-ASCII.
        if (c <= 0x20 || c >= 0x7F) {
          const std::string_view so_far(r.name, r.name_len);
          return violation(Reason::IppAttributeInjection, i, so_far.empty() ? "attribute name" : so_far);
        }
        if (r.name_len < IppReader::kName) r.name[r.name_len++] = static_cast<char>(c);
        if (--r.left > 0) continue;
        if (r.depth == 0 && r.op_group) {
          const std::string_view nm(r.name, r.name_len);
          r.watch = static_cast<uint8_t>(nm == "document-format" ? Kind::DocumentFormat
                                         : nm == "compression"   ? Kind::Compression
                                                                 : Kind::None);
        }
        r.step = Step::ValueLen;
        continue;
      }
      case Step::Value: {
        const Syntax sx = syntax_of(r.tag);
        if (!sx.text) {  // opaque: skip what the value holds in one step
          const size_t k = std::min<size_t>(r.left, n - i);
          i += k;
          r.left = static_cast<uint16_t>(r.left - k);
        } else {
          const uint8_t c = p[i++];
          --r.left;
          bool text_byte = true;
          if (r.tag == kTextWithLanguage || r.tag == kNameWithLanguage) {
            // Two parts, each a 2-byte length and its bytes: the language, then the text.
            if (r.have > 0 || (r.lang_left == 0 && r.lang_part < 2)) {  // a part's length
              r.lang_left = static_cast<uint16_t>(r.lang_left << 8 | c);
              text_byte = false;
              if (++r.have == 2) {
                r.have = 0;
                ++r.lang_part;
                if (r.lang_left > r.left)
                  return violation(Reason::MalformedIpp, i, std::string_view(r.name, r.name_len));
                if (r.lang_left == 0 && r.lang_part == 1)
                  return violation(Reason::MalformedIpp, i, std::string_view(r.name, r.name_len));
              }
            } else if (r.lang_left == 0) {
              return violation(Reason::MalformedIpp, i, std::string_view(r.name, r.name_len));
            } else {
              --r.lang_left;
            }
          }
          if (text_byte) {
            if (control(c))
              return violation(Reason::IppAttributeInjection, i, std::string_view(r.name, r.name_len));
            if (r.watch) keep_value(r, c);
          }
        }
        if (r.left > 0) continue;
        if (IppEvent e = value_done(r, i); e.reason != Reason::Forwarded || e.kind != Kind::None)
          return e;
        continue;
      }
      case Step::Data:
        return {Kind::None, Reason::Forwarded, i, {}};
    }
  }
  return {Kind::None, Reason::Forwarded, i, {}};
}

}  // namespace pw::proto::ipp
