#include "tests/cpesim/decode_memo.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "cwmp/codec.h"

namespace ruru::cpesim {

bool IsPlainId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

std::optional<DecodeMemo::Entry> DecodeMemo::Split(std::string_view body, const cwmp::Envelope& envelope) {
  const std::string needle = ">" + envelope.id + "<";
  const size_t at = body.find(needle);
  if (at == std::string_view::npos || body.find(needle, at + 1) != std::string_view::npos) return std::nullopt;
  Entry e;
  e.prefix = std::string(body.substr(0, at + 1));
  e.suffix = std::string(body.substr(at + 1 + envelope.id.size()));
  e.envelope = envelope;
  return e;
}

Result<cwmp::Envelope> DecodeMemo::Decode(std::string_view body) {
  for (const auto& e : entries_) {
    if (!e || body.size() <= e->prefix.size() + e->suffix.size() || !body.starts_with(e->prefix) ||
        !body.ends_with(e->suffix)) {
      continue;
    }
    const std::string_view id = body.substr(e->prefix.size(), body.size() - e->prefix.size() - e->suffix.size());
    if (!IsPlainId(id)) continue;
    ++hits_;
    cwmp::Envelope out = e->envelope;
    out.id = std::string(id);
    return out;
  }
  auto decoded = cwmp::Decode(body);
  if (!decoded.ok()) return decoded.error();
  cwmp::Envelope& env = decoded->envelope;
  if (std::holds_alternative<cwmp::InformResponse>(env.body) && decoded->warnings.empty() && IsPlainId(env.id)) {
    if (auto e = Split(body, env)) {
      const bool confirmed = candidate_ && candidate_->prefix == e->prefix && candidate_->suffix == e->suffix &&
                             candidate_->envelope.id != env.id && [&] {
                               cwmp::Envelope a = candidate_->envelope;
                               a.id = env.id;
                               return a == env;
                             }();
      if (confirmed) {
        entries_[next_] = std::move(e);
        next_ = (next_ + 1) % kEntries;
        candidate_.reset();
      } else {
        candidate_ = std::move(e);
      }
    }
  }
  return std::move(env);
}

}  // namespace ruru::cpesim
