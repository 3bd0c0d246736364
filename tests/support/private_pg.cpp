#include "tests/support/private_pg.h"

#include <libpq-fe.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace ruru::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

}  // namespace

PrivatePg::PrivatePg() {
  const char* bin = std::getenv("RURU_TEST_PG_BIN");
  bin_ = bin != nullptr && *bin ? bin : "/usr/lib/postgresql/15/bin";
  if (!Executable(bin_ + "/initdb") || !Executable(bin_ + "/pg_ctl")) {
    error_ = "no initdb/pg_ctl in " + bin_ + " (set RURU_TEST_PG_BIN)";
    return;
  }
  as_postgres_ = ::geteuid() == 0;
  if (as_postgres_ && !Executable("/usr/sbin/runuser") && !Executable("/sbin/runuser")) {
    error_ = "running as root without runuser: initdb cannot run as postgres";
    return;
  }
  char tmpl[] = "/tmp/ruru-private-pg.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  ::chmod(dir_.c_str(), 0700);
  if (as_postgres_ && std::system(("chown postgres:postgres '" + dir_ + "'").c_str()) != 0) {
    error_ = "cannot chown " + dir_ + " to postgres";
    return;
  }
  // The socket directory is private, so the default port cannot clash with another cluster.
  port_ = 5432;
  if (!Run("'" + bin_ + "/initdb' -D '" + dir_ + "/data' -U postgres --auth=trust -E UTF8 --locale=C --no-sync",
           std::chrono::seconds(120))) {
    error_ = "initdb failed:\n" + ReadAll(dir_ + "/ctl.log");
    return;
  }
  {
    std::ofstream conf(dir_ + "/data/postgresql.conf", std::ios::app);
    conf << "\n# tests/support/private_pg: throw-away cluster, unix socket only\n"
         << "listen_addresses = ''\nport = " << port_ << "\nunix_socket_directories = '" << dir_
         << "'\n"
         // fsync off is safe here (the OS does not crash, only PostgreSQL), but synchronous_commit must
         // stay on: with it off an immediate stop loses commits the client was told about.
         << "fsync = off\nsynchronous_commit = on\nfull_page_writes = off\nmax_connections = 60\n"
         << "shared_buffers = 32MB\n";
    if (!conf) {
      error_ = "cannot write postgresql.conf";
      return;
    }
  }
  if (!Start()) return;  // error_ set
}

PrivatePg::~PrivatePg() {
  if (dir_.empty()) return;
  if (running_) Stop(StopMode::kImmediate, std::chrono::seconds(20));
  // Whatever happened, no postmaster of ours may outlive the test.
  const std::string pidfile = ReadAll(dir_ + "/data/postmaster.pid");
  const long pid = std::atol(pidfile.c_str());
  if (pid > 1 && ::kill(static_cast<pid_t>(pid), 0) == 0) ::kill(static_cast<pid_t>(pid), SIGKILL);
  std::system(("rm -rf '" + dir_ + "'").c_str());
}

bool PrivatePg::Run(const std::string& cmd, std::chrono::seconds timeout) {
  std::string line = "timeout -k 5 " + std::to_string(timeout.count()) + " ";
  if (as_postgres_) line += "runuser -u postgres -- ";
  line += cmd + " >>'" + dir_ + "/ctl.log' 2>&1 </dev/null";
  const int rc = std::system(line.c_str());
  return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

bool PrivatePg::Start(std::chrono::seconds timeout) {
  if (running_) return true;
  const bool ok = Run("'" + bin_ + "/pg_ctl' -D '" + dir_ + "/data' -l '" + dir_ + "/postgres.log' -w -t " +
                          std::to_string(timeout.count()) + " start",
                      timeout + std::chrono::seconds(5));
  if (!ok) {
    error_ = "pg_ctl start failed:\n" + ReadAll(dir_ + "/ctl.log") + "\n" + ServerLog();
    return false;
  }
  // pg_ctl -w returns once the postmaster accepts connections; check it answers a query.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string err;
  while (QueryValue("postgres", "SELECT 1", &err) != "1") {
    if (std::chrono::steady_clock::now() >= deadline) {
      error_ = "the cluster does not answer: " + err;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  running_ = true;
  return true;
}

bool PrivatePg::Stop(StopMode mode, std::chrono::seconds timeout) {
  if (!running_) return true;
  const bool ok =
      Run("'" + bin_ + "/pg_ctl' -D '" + dir_ + "/data' -m " + (mode == StopMode::kFast ? "fast" : "immediate") +
              " -w -t " + std::to_string(timeout.count()) + " stop",
          timeout + std::chrono::seconds(5));
  if (ok) running_ = false;
  return ok;
}

std::string PrivatePg::Dsn(const std::string& dbname) const {
  return "host=" + dir_ + " port=" + std::to_string(port_) + " user=postgres dbname=" + dbname + " connect_timeout=5";
}

std::string PrivatePg::ServerLog() const { return ReadAll(dir_ + "/postgres.log"); }

bool PrivatePg::Exec(const std::string& dbname, const std::string& sql, std::string* error) const {
  std::string err;
  QueryValue(dbname, sql, &err);
  if (error != nullptr) *error = err;
  return err.empty();
}

std::string PrivatePg::QueryValue(const std::string& dbname, const std::string& sql, std::string* error) const {
  if (error != nullptr) error->clear();
  PGconn* conn = PQconnectdb(Dsn(dbname).c_str());
  std::string out;
  if (PQstatus(conn) != CONNECTION_OK) {
    if (error != nullptr) *error = PQerrorMessage(conn);
    PQfinish(conn);
    return out;
  }
  PGresult* res = PQexec(conn, sql.c_str());
  const ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    if (error != nullptr) *error = PQresultErrorMessage(res);
  } else if (st == PGRES_TUPLES_OK && PQntuples(res) > 0 && PQnfields(res) > 0) {
    out = PQgetisnull(res, 0, 0) ? "<null>" : PQgetvalue(res, 0, 0);
  }
  PQclear(res);
  PQfinish(conn);
  return out;
}

}  // namespace ruru::testing
