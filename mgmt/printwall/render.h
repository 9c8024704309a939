// Replies as the printwall CLI prints them: text, tables and key/value lines, or JSON lines.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

namespace pw::mgmt {

// Rendering. `data` of a reply as text: data["text"] as is, data["lines"] one per line, tables
// for records / flows / commits / ports (and any other array of objects), key: value lines for
// the rest (nested objects indented).
void render_data(const nlohmann::json& data, std::ostream& out);
// One `monitor events` event as one line.
std::string format_event(const nlohmann::json& event);
// A reply as the CLI prints it: message, `error: ...` and config errors on `err`, data on `out`
// (text, or one JSON line with `json`).
void print_reply(const nlohmann::json& reply, bool json, std::ostream& out, std::ostream& err);
// A reply's code (kInternal when it has none) and a string field ("" when absent).
int reply_code(const nlohmann::json& reply);
std::string string_field(const nlohmann::json& j, const char* key);

}  // namespace pw::mgmt
