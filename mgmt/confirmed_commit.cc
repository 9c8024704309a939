#include "mgmt/confirmed_commit.h"

namespace pw::mgmt {

bool ConfirmedCommit::arm(uint32_t minutes, std::string previous_text, Clock::time_point now) {
  if (minutes < 1 || minutes > kMaxMinutes) return false;
  if (!pending_) previous_ = std::move(previous_text);
  pending_ = true;
  minutes_ = minutes;
  deadline_ = now + minute_ * minutes;
  return true;
}

bool ConfirmedCommit::confirm() {
  bool was = pending_;
  pending_ = false;
  minutes_ = 0;
  previous_.clear();
  return was;
}

std::optional<std::string> ConfirmedCommit::due(Clock::time_point now) {
  if (!pending_ || now < deadline_) return std::nullopt;
  std::string text = std::move(previous_);
  pending_ = false;
  minutes_ = 0;
  previous_.clear();
  return text;
}

std::optional<ConfirmedCommit::Clock::time_point> ConfirmedCommit::deadline() const {
  if (!pending_) return std::nullopt;
  return deadline_;
}

std::optional<ConfirmedCommit::Clock::duration> ConfirmedCommit::remaining(
    Clock::time_point now) const {
  if (!pending_) return std::nullopt;
  return now >= deadline_ ? Clock::duration::zero() : deadline_ - now;
}

}  // namespace pw::mgmt
