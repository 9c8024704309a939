#include "mgmt/printwall/render.h"

#include <algorithm>
#include <ostream>
#include <sstream>
#include <vector>

#include "mgmt/commands.h"

namespace pw::mgmt {

using nlohmann::json;

int reply_code(const json& reply) {
  auto it = reply.find("code");
  return it != reply.end() && it->is_number_integer() ? it->get<int>() : kInternal;
}

std::string string_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

namespace {

std::string cell(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_array()) {
    if (v.empty()) return "-";
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ", ") + (e.is_object() ? e.dump() : cell(e));
    return s;
  }
  return v.dump();
}

// "198.18.0.9:40000", "[2001:db8::1]:631"; "-" without an address.
std::string endpoint(const json& o, const char* ip_key, const char* port_key) {
  auto ip = o.find(ip_key);
  if (ip == o.end() || ip->is_null()) return "-";
  std::string s = cell(*ip);
  auto port = o.find(port_key);
  if (port == o.end() || port->is_null()) return s;
  if (s.find(':') != std::string::npos) s = "[" + s + "]";
  return s + ":" + cell(*port);
}

struct Column {
  const char* title;
  const char* key;
  const char* port_key = nullptr;  // the column shows key:port_key
};
struct TableSpec {
  const char* key;
  std::vector<Column> columns;
  bool other_keys;                // also show the rows' keys no column names (audit records)
  std::vector<const char*> quiet;  // keys not worth a column then
};

const std::vector<TableSpec>& table_specs() {
  static const std::vector<TableSpec> t = {
      {"records",
       {{"time", "timestamp"},
        {"action", "action"},
        {"reason", "reason"},
        {"proto", "proto"},
        {"src", "src_ip", "src_port"},
        {"dst", "dst_ip", "dst_port"},
        {"service", "service"},
        {"app", "app"}},
       true,
       {"ts", "event_type", "host", "community_id", "dest_ip", "dest_port", "direction", "vlan",
        "app_proto", "alert", "icmp_type", "icmp_code", "profile", "policy_generation", "flow_id",
        "count", "risks"}},
      {"flows",
       {{"proto", "proto"},
        {"src", "src"},
        {"sport", "sport"},
        {"dst", "dst"},
        {"dport", "dport"},
        {"state", "state"},
        {"service", "service"},
        {"app", "app"},
        {"packets", "packets"},
        {"idle_s", "idle_s"}},
       false,
       {}},
      {"commits",
       {{"n", "n"},
        {"id", "id"},
        {"time", "time"},
        {"user", "user"},
        {"kind", "kind"},
        {"comment", "comment"}},
       false,
       {}},
      {"blocked_sources",
       {{"address", "address"},
        {"since", "since"},
        {"until", "until"},
        {"remaining_s", "remaining_s"},
        {"failures", "failures"},
        {"service", "service"}},
       false,
       {}},
      {"ports",
       {{"role", "role"},
        {"device", "device"},
        {"link", "link"},
        {"ipackets", "ipackets"},
        {"opackets", "opackets"},
        {"imissed", "imissed"},
        {"oerrors", "oerrors"}},
       false,
       {}},
  };
  return t;
}

const TableSpec* table_spec(std::string_view key) {
  for (const auto& t : table_specs())
    if (key == t.key) return &t;
  return nullptr;
}

bool is_table(const json& v) {
  return v.is_array() && !v.empty() &&
         std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_object(); });
}

void print_rows(const std::vector<std::string>& titles,
                const std::vector<std::vector<std::string>>& rows, std::ostream& out, int indent) {
  std::vector<size_t> w(titles.size());
  for (size_t c = 0; c < titles.size(); ++c) {
    w[c] = titles[c].size();
    for (const auto& r : rows) w[c] = std::max(w[c], r[c].size());
  }
  auto line = [&](const std::vector<std::string>& r) {
    std::string s(static_cast<size_t>(indent), ' ');
    for (size_t c = 0; c < r.size(); ++c) {
      s += r[c];
      if (c + 1 < r.size()) s += std::string(w[c] - r[c].size() + 2, ' ');
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();  // an empty last cell
    out << s << "\n";
  };
  line(titles);
  for (const auto& r : rows) line(r);
}

// An array of objects as a table: a spec's columns (those some row has) or every key.
void print_table(std::string_view key, const json& rows, std::ostream& out, int indent) {
  std::vector<Column> cols;
  std::vector<std::string> extra;
  auto has = [&](const char* k) {
    return std::any_of(rows.begin(), rows.end(), [&](const json& r) { return r.contains(k); });
  };
  const TableSpec* spec = table_spec(key);
  if (spec)
    for (const auto& c : spec->columns)
      if (has(c.key)) cols.push_back(c);
  if (!spec || spec->other_keys) {
    for (const auto& r : rows)
      for (const auto& [k, v] : r.items()) {
        bool known = std::find(extra.begin(), extra.end(), k) != extra.end();
        if (spec)
          for (const auto& c : spec->columns)
            known = known || k == c.key || (c.port_key && k == c.port_key);
        if (spec)
          for (const char* q : spec->quiet) known = known || k == q;
        if (!known) extra.push_back(k);
      }
  }
  std::vector<std::string> titles;
  for (const auto& c : cols) titles.push_back(c.title);
  for (const auto& k : extra) titles.push_back(k);
  std::vector<std::vector<std::string>> table;
  for (const auto& r : rows) {
    std::vector<std::string> row;
    for (const auto& c : cols) {
      if (c.port_key) row.push_back(endpoint(r, c.key, c.port_key));
      else row.push_back(r.contains(c.key) ? cell(r[c.key]) : "-");
    }
    for (const auto& k : extra) row.push_back(r.contains(k) ? cell(r[k]) : "-");
    table.push_back(std::move(row));
  }
  print_rows(titles, table, out, indent);
}

void print_text(const std::string& s, std::ostream& out) {
  out << s;
  if (!s.empty() && s.back() != '\n') out << "\n";
}

void render_kv(const json& obj, std::ostream& out, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  size_t w = 0;
  for (const auto& [k, v] : obj.items())
    if (!v.is_object() && !is_table(v)) w = std::max(w, k.size());
  for (const auto& [k, v] : obj.items()) {
    if (v.is_object() && !v.empty()) {
      out << pad << k << ":\n";
      render_kv(v, out, indent + 2);
    } else if (is_table(v)) {
      out << pad << k << ":\n";
      print_table(k, v, out, indent + 2);
    } else {
      out << pad << k << ":" << std::string(w - std::min(w, k.size()) + 1, ' ')
          << (v.is_object() ? "-" : cell(v)) << "\n";
    }
  }
}

}  // namespace

void render_data(const json& data, std::ostream& out) {
  if (data.is_null()) return;
  if (data.is_string()) return print_text(data.get<std::string>(), out);
  if (is_table(data)) return print_table("", data, out, 0);
  if (data.is_array()) {
    for (const auto& e : data) out << (e.is_object() ? e.dump() : cell(e)) << "\n";
    return;
  }
  if (!data.is_object()) {
    out << cell(data) << "\n";
    return;
  }
  json rest = data;
  if (auto it = data.find("text"); it != data.end() && it->is_string()) {
    print_text(it->get<std::string>(), out);
    rest.erase("text");
  }
  if (auto it = data.find("lines"); it != data.end() && it->is_array()) {
    for (const auto& l : *it) out << (l.is_string() ? l.get<std::string>() : cell(l)) << "\n";
    rest.erase("lines");
  }
  for (const auto& t : table_specs()) {
    auto it = data.find(t.key);
    if (it == data.end() || !it->is_array()) continue;
    if (it->empty()) out << "no " << t.key << "\n";
    else if (is_table(*it)) print_table(t.key, *it, out, 0);
    else continue;
    rest.erase(t.key);
  }
  render_kv(rest, out, 0);
}

std::string format_event(const json& e) {
  if (!e.is_object()) return cell(e);
  std::vector<std::string> parts;
  for (const char* k : {"timestamp", "action", "reason", "proto"})
    if (auto it = e.find(k); it != e.end() && !it->is_null()) parts.push_back(cell(*it));
    else if (auto ts = e.find("ts"); k[0] == 't' && ts != e.end() && ts->is_string())
      parts.push_back(cell(*ts));  // a record of a release before `timestamp`
  std::string src = endpoint(e, "src_ip", "src_port"), dst = endpoint(e, "dst_ip", "dst_port");
  if (src != "-" || dst != "-") parts.push_back(src + " -> " + dst);
  for (const char* k : {"service", "app"})
    if (auto it = e.find(k); it != e.end() && !it->is_null()) parts.push_back(k + ("=" + cell(*it)));
  if (auto it = e.find("count"); it != e.end() && it->is_number() && *it != 1)
    parts.push_back("count=" + cell(*it));
  if (auto it = e.find("risks"); it != e.end() && it->is_array() && !it->empty())
    parts.push_back("risks=" + cell(*it));
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : " ") + p;
  return s;
}

void print_reply(const json& reply, bool as_json, std::ostream& out, std::ostream& err) {
  const int code = reply_code(reply);
  const std::string message = string_field(reply, "message");
  if (code != kOk) {
    err << "error: " << (message.empty() ? reply_code_name(code) : message) << "\n";
    if (auto it = reply.find("errors"); it != reply.end() && it->is_array()) {
      for (const auto& e : *it) {
        if (e.is_string()) {
          err << e.get<std::string>() << "\n";
          continue;
        }
        if (!e.is_object()) continue;
        std::string text = string_field(e, "text"), sug = string_field(e, "suggestion");
        err << text;
        if (!sug.empty() && text.find("did you mean") == std::string::npos)
          err << " (did you mean '" << sug << "'?)";
        err << "\n";
      }
    }
  } else if (!message.empty()) {
    (as_json ? err : out) << message << "\n";
  }
  auto data = reply.find("data");
  if (as_json) out << (data != reply.end() ? data->dump() : "null") << "\n";
  else if (data != reply.end()) render_data(*data, out);
  out.flush();
}

}  // namespace pw::mgmt
