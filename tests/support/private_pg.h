// PrivatePg: a throw-away PostgreSQL cluster owned by one test, so the test may stop it, crash it
// and start it again (chaos tests). Unlike PgTest's shared server (RURU_TEST_PG_DSN), nothing else
// uses it.
//
// The constructor initdb's a cluster in a fresh mktemp directory under /tmp (as the `postgres`
// user via `runuser -u postgres --` when running as root), listening on a unix socket in that
// directory only (no TCP), fsync off but synchronous_commit on (a `-m immediate` stop is a crash of
// PostgreSQL, not of the OS: no commit a client saw may be lost), and starts it. The destructor stops it (immediate)
// and removes the directory. Every wait is bounded. When initdb is missing or fails, ok() is false and error() says
// why: tests then GTEST_SKIP.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace ruru::testing {

class PrivatePg {
 public:
  enum class StopMode { kFast, kImmediate };  // pg_ctl -m fast (clean) / -m immediate (a crash)

  // Binaries from RURU_TEST_PG_BIN, else /usr/lib/postgresql/15/bin.
  PrivatePg();
  ~PrivatePg();
  PrivatePg(const PrivatePg&) = delete;
  PrivatePg& operator=(const PrivatePg&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // pg_ctl start -w on the same port and socket directory as before; false (and error()) when the
  // server did not accept connections within `timeout`.
  bool Start(std::chrono::seconds timeout = std::chrono::seconds(30));
  // pg_ctl stop -w; false when it did not stop within `timeout`.
  bool Stop(StopMode mode = StopMode::kFast, std::chrono::seconds timeout = std::chrono::seconds(30));
  bool running() const { return running_; }

  // A libpq keyword/value connection string (unix socket, user postgres) for `dbname`.
  std::string Dsn(const std::string& dbname = "postgres") const;
  const std::string& dir() const { return dir_; }
  uint16_t port() const { return port_; }
  std::string ServerLog() const;  // the postgres log (for failure messages)

  // One statement on a fresh connection; false and *error on failure.
  bool Exec(const std::string& dbname, const std::string& sql, std::string* error = nullptr) const;
  // First column of the first row ("" when none or on error, then *error is set); NULL as "<null>".
  std::string QueryValue(const std::string& dbname, const std::string& sql, std::string* error = nullptr) const;

 private:
  // Runs `cmd` (a shell command line) as the cluster owner, output appended to the control log,
  // killed after `timeout`; returns true on exit status 0.
  bool Run(const std::string& cmd, std::chrono::seconds timeout);

  std::string bin_;
  std::string dir_;
  uint16_t port_ = 5432;
  bool as_postgres_ = false;
  bool running_ = false;
  std::string error_;
};

}  // namespace ruru::testing
