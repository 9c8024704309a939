// A new policy generation: compiled off the fast path, published by pointer, the old one
// retired once every worker has passed a quiescent state (rte_rcu_qsbr): a burst sees the old
// or the new policy, never a mix, and no packet waits for a commit.
#include <rte_rcu_qsbr.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "mgmt/printwalld/daemon.h"
#include "policy/loader.h"

namespace pw::daemon {

std::optional<std::string> read_file(const std::string& path, std::string* err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err = path + ": cannot read: " + std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::shared_ptr<const policy::CompiledPolicy> Daemon::policy_of(uint64_t g) {
  std::lock_guard<std::mutex> lg(gens_mu);
  auto it = gens.find(g);
  return it == gens.end() ? nullptr : it->second.policy;
}

Generation Daemon::newest() {
  std::lock_guard<std::mutex> lg(gens_mu);
  return gens.empty() ? Generation{} : gens.rbegin()->second;
}

bool publish(Daemon& d, const std::string& text, const std::string& name,
             std::vector<std::string>* errors, uint64_t* generation) {
  std::lock_guard<std::mutex> g(d.apply_mu);
  const uint64_t next_gen = d.generation + 1;
  policy::Loaded next = policy::load_text(text, name, next_gen);
  for (const auto& e : next.errors) errors->push_back(e.str());
  if (!next.ok()) {
    ++d.reloads_failed;
    return false;
  }
  {
    std::lock_guard<std::mutex> lg(d.gens_mu);
    d.gens[next_gen] = {next.compiled, next.model.profile};
  }
  d.dp.policy.store(next.compiled.get(), std::memory_order_release);
  // Every worker passes a quiescent state (or is offline) before the old one is retired.
  rte_rcu_qsbr_synchronize(d.dp.qs, RTE_QSBR_THRID_INVALID);
  d.generation = next_gen;
  {
    // Keep recent generations to name the services of queued events; older ones go.
    std::lock_guard<std::mutex> lg(d.gens_mu);
    while (d.gens.size() > 8) d.gens.erase(d.gens.begin());
  }
  std::fprintf(stderr, "printwalld: policy generation %llu in force (profile %s)\n",
               static_cast<unsigned long long>(next_gen),
               next.model.profile.empty() ? "none" : next.model.profile.c_str());
  if (generation) *generation = next_gen;
  return true;
}

}  // namespace pw::daemon
