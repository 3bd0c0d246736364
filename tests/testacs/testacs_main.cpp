// testacs: the scripted test ACS as a process, for end-to-end runs of the `cpesim` binary (e.g.
// the 10,000-device run of tests/cpesim/fleet_scale_test.sh). It answers every Inform, sends
// nothing else, forgets finished sessions (counters remain) and on SIGTERM/SIGINT prints its
// counters as one JSON line and exits.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "tests/testacs/testacs.h"

int main(int argc, char** argv) {
  CLI::App app{"testacs: a scripted TR-069 test ACS on 127.0.0.1 (see tests/testacs/testacs.h)"};
  std::string url_file;
  std::string auth = "none";
  std::string password_prefix = "pw-";
  size_t max_connections = 4096;
  app.add_option("--url-file", url_file, "write the ACS URL to this file once listening")->required();
  app.add_option("--auth", auth, "CPE authentication: none, basic or digest")
      ->check(CLI::IsMember({"none", "basic", "digest"}));
  app.add_option("--password-prefix", password_prefix, "a CPE's password is this prefix + its username");
  app.add_option("--max-connections", max_connections, "open connections at most");
  CLI11_PARSE(app, argc, argv);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // the server thread inherits the mask

  ruru::testacs::Options options;
  options.auth = auth == "basic"    ? ruru::testacs::AuthMode::kBasic
                 : auth == "digest" ? ruru::testacs::AuthMode::kDigest
                                    : ruru::testacs::AuthMode::kNone;
  options.keep_finished_sessions = false;
  options.max_connections = max_connections;
  ruru::testacs::ScriptedAcs acs(options);
  acs.SetCredentialLookup([&](const std::string& user) -> std::optional<std::string> { return password_prefix + user; });
  if (auto s = acs.Start(); !s.ok()) {
    std::cerr << "testacs: " << s.error().message << "\n";
    return 2;
  }
  {
    std::ofstream out(url_file + ".tmp");
    out << acs.url() << "\n";
  }
  std::rename((url_file + ".tmp").c_str(), url_file.c_str());
  std::cerr << "testacs: listening on " << acs.url() << "\n";

  int sig = 0;
  sigwait(&signals, &sig);
  const auto c = acs.GetCounters();
  acs.Stop();
  std::cout << "{\"connections\": " << c.connections << ", \"informs\": " << c.informs
            << ", \"sessions_completed\": " << c.sessions_completed << ", \"sessions_failed\": " << c.sessions_failed
            << ", \"auth_failures\": " << c.auth_failures << ", \"busy_rejections\": " << c.busy_rejections << "}"
            << std::endl;
  return 0;
}
