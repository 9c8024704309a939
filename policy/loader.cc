#include "policy/loader.h"

#include <stdexcept>

namespace pw::policy {

namespace {
Loaded finish(Loaded l, std::string_view name, uint64_t generation) {
  ModelResult mr = build_model(l.config);
  l.errors = std::move(mr.errors);
  l.warnings = std::move(mr.warnings);
  if (!l.errors.empty()) return l;
  try {
    l.compiled = compile(mr.model, generation);
  } catch (const std::exception& e) {
    l.errors.push_back({{std::string(name), 0, 0}, e.what()});
    return l;
  }
  l.model = std::move(mr.model);
  return l;
}
}  // namespace

Loaded load_config(const Config& config, std::string_view name, uint64_t generation) {
  Loaded l;
  l.config = config;
  return finish(std::move(l), name, generation);
}

Loaded load_text(std::string_view text, std::string_view name, uint64_t generation) {
  ParseResult pr = parse_config(text, name);
  Loaded l;
  if (!pr.ok()) {
    l.errors = std::move(pr.errors);
    return l;
  }
  l.config = std::move(pr.config);
  return finish(std::move(l), name, generation);
}

Loaded load_file(const std::string& path, uint64_t generation) {
  ParseResult pr = load_config_file(path);
  Loaded l;
  if (!pr.ok()) {
    l.errors = std::move(pr.errors);
    return l;
  }
  l.config = std::move(pr.config);
  return finish(std::move(l), path, generation);
}

}  // namespace pw::policy
