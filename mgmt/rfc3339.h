// RFC 3339 timestamps in UTC for the management records (commit metadata, audit log).
#pragma once

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace pw::mgmt {

// "2024-05-01T12:00:00Z"; with `micros`, "2024-05-01T12:00:00.123456Z" (as events' ts).
inline std::string rfc3339_utc(std::chrono::system_clock::time_point t, bool micros = false) {
  using namespace std::chrono;
  auto us = duration_cast<microseconds>(t.time_since_epoch()).count();
  time_t secs = static_cast<time_t>(us / 1000000);
  long frac = static_cast<long>(us % 1000000);
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char b[64];
  size_t n = std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
  if (micros)
    std::snprintf(b + n, sizeof b - n, ".%06ldZ", frac);
  else
    std::snprintf(b + n, sizeof b - n, "Z");
  return b;
}

}  // namespace pw::mgmt
