// `commit confirmed N` (JunOS semantics): the commit takes effect at once; unless a plain
// `commit` confirms it within N minutes, the configuration from before it is restored
// automatically (and committed as kind confirmed-expiry). A pure state machine: the caller
// passes the time and polls due(); the daemon's control loop does the restoring.
//
//  - arm() while a confirmation is already pending (a second `commit confirmed`) restarts the
//    timer with the new N but keeps the text to restore: expiry goes back to the last
//    configuration that was confirmed, not to an intermediate unconfirmed one.
//  - confirm() (any plain commit, including `commit` with nothing changed) ends the window.
//  - due() returns the text to restore once, at or after the deadline, and disarms.
// Not thread-safe: the control thread owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace pw::mgmt {

class ConfirmedCommit {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr uint32_t kMaxMinutes = 65535;  // as JunOS

  // `minute` is the length of one minute: one real minute, or less for tests (the daemon has
  // a test override).
  explicit ConfirmedCommit(Clock::duration minute = std::chrono::minutes(1)) : minute_(minute) {}

  // Starts (or restarts) the window of `minutes` (1..kMaxMinutes) at `now`; `previous_text`
  // is the configuration to restore on expiry (ignored when already pending). False (nothing
  // changed) for a number of minutes out of range.
  bool arm(uint32_t minutes, std::string previous_text, Clock::time_point now);

  // A plain commit: ends a pending window. Returns whether one was pending.
  bool confirm();

  // Once the window has expired: the configuration to restore (once; then disarmed).
  std::optional<std::string> due(Clock::time_point now);

  bool pending() const { return pending_; }
  std::optional<Clock::time_point> deadline() const;
  // Time left until the rollback (zero when due, nullopt when nothing is pending).
  std::optional<Clock::duration> remaining(Clock::time_point now) const;
  uint32_t minutes() const { return minutes_; }

 private:
  Clock::duration minute_;
  bool pending_ = false;
  uint32_t minutes_ = 0;
  Clock::time_point deadline_{};
  std::string previous_;
};

}  // namespace pw::mgmt
