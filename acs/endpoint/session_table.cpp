#include "acs/endpoint/session_table.h"

namespace ruru::acs::endpoint {

SessionTable::Claimed SessionTable::Claim(const SessionPtr& s) {
  Claimed out;
  std::lock_guard lock(mu_);
  const std::string device = DeviceSlot(s->key);
  SessionPtr old;
  if (auto existing = by_device_.find(device); existing != by_device_.end()) {
    auto c = existing->second->conn.lock();
    if (c && c->open && !existing->second->proto.Expired() && c != s->conn.lock()) {
      out.result = ClaimResult::kDeviceBusy;
      out.refused_why = "another session of this device is in progress (from " + c->peer + ")";
      return out;
    }
    old = existing->second;
  }
  // The device's own abandoned session is replaced, so it does not count against the cap.
  const bool replaces = old && by_cookie_.count(old->id) > 0;
  if (by_cookie_.size() - (replaces ? 1 : 0) >= max_sessions_) {
    out.result = ClaimResult::kFull;
    out.refused_why = "cwmp.max_sessions reached";
    return out;
  }
  by_device_[device] = s;
  by_cookie_[s->id] = s;
  if (old) {
    auto it = by_cookie_.find(old->id);
    if (it != by_cookie_.end() && it->second == old) {
      by_cookie_.erase(it);
      out.replaced = old;
    }
  }
  return out;
}

bool SessionTable::Remove(const SessionPtr& s) {
  std::lock_guard lock(mu_);
  bool removed = false;
  if (auto it = by_cookie_.find(s->id); it != by_cookie_.end() && it->second == s) {
    by_cookie_.erase(it);
    removed = true;
  }
  if (auto it = by_device_.find(DeviceSlot(s->key)); it != by_device_.end() && it->second == s) by_device_.erase(it);
  return removed;
}

SessionPtr SessionTable::Find(const std::string& cookie) const {
  std::lock_guard lock(mu_);
  auto it = by_cookie_.find(cookie);
  return it == by_cookie_.end() ? nullptr : it->second;
}

bool SessionTable::Holds(const SessionPtr& s) const {
  std::lock_guard lock(mu_);
  auto it = by_cookie_.find(s->id);
  return it != by_cookie_.end() && it->second == s;
}

std::vector<SessionPtr> SessionTable::Expired() const {
  std::vector<SessionPtr> out;
  std::lock_guard lock(mu_);
  for (const auto& [id, s] : by_cookie_) {
    if (s->busy) continue;
    auto c = s->conn.lock();
    const bool connected = c && c->open;
    if (s->proto.Expired() || (!connected && s->proto.MayEnd())) out.push_back(s);
  }
  return out;
}

size_t SessionTable::size() const {
  std::lock_guard lock(mu_);
  return by_cookie_.size();
}

size_t SessionTable::Live() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [id, s] : by_cookie_) {
    auto c = s->conn.lock();
    if (s->busy || (c && c->open)) ++n;
  }
  return n;
}

bool SessionTable::Contains(const std::string& cookie) const {
  std::lock_guard lock(mu_);
  return by_cookie_.count(cookie) > 0;
}

bool SessionTable::AddConnection(const std::shared_ptr<Conn>& c, size_t max_per_ip) {
  std::lock_guard lock(mu_);
  size_t& n = conns_per_ip_[c->peer];
  if (max_per_ip > 0 && n >= max_per_ip) {
    if (n == 0) conns_per_ip_.erase(c->peer);
    return false;
  }
  ++n;
  conns_[c->id] = c;
  return true;
}

void SessionTable::RemoveConnection(Conn& c) {
  std::lock_guard lock(mu_);
  conns_.erase(c.id);
  auto it = conns_per_ip_.find(c.peer);
  if (it != conns_per_ip_.end() && --it->second == 0) conns_per_ip_.erase(it);
  c.stream = nullptr;
}

std::vector<std::shared_ptr<Conn>> SessionTable::Connections() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Conn>> out;
  out.reserve(conns_.size());
  for (const auto& [id, c] : conns_) out.push_back(c);
  return out;
}

void SessionTable::CancelIo(Conn& c) {
  std::lock_guard lock(mu_);
  if (c.stream != nullptr) c.stream->cancel();
}

}  // namespace ruru::acs::endpoint
