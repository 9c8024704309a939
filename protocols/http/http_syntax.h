// HTTP/1.1 syntax shared by the inspectors that read HTTP messages (protocols/http for plain HTTP
// services, protocols/ipp for IPP's requests and responses): tokens and the framing fields'
// values (RFC 9110 5.6, RFC 9112 6, 7.1). Pure functions over complete values.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pw::proto::http {

// RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" /
// "_" / "`" / "|" / "~" / DIGIT / ALPHA.
bool is_tchar(uint8_t c);

// `v` without leading and trailing optional white space (SP, HTAB).
std::string_view trim_ows(std::string_view v);

// A Content-Length value (already trimmed): 1-15 digits; nullopt when it is anything else.
std::optional<uint64_t> content_length(std::string_view v);

// A Transfer-Encoding value (a list that may span field lines): whether its final coding is
// chunked; nullopt when the list is empty or its final coding no token.
std::optional<bool> final_coding_is_chunked(std::string_view v);

// A chunk-size line (RFC 9112 7.1) without its CRLF: the size, or nullopt when the line is no
// 1-15 hex digits followed by the end, ';' (extensions) or white space.
std::optional<uint64_t> chunk_size(std::string_view line);

}  // namespace pw::proto::http
