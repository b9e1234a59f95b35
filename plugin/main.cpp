// SPDX-License-Identifier: Apache-2.0
// vapushd: XEP-0357 push app server component. `--config FILE` runs until SIGTERM/SIGINT;
// `--check-config --config FILE` validates the config and loads the key files it names;
// exits 0, or 2 with file, line (or key file) and reason.
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>

#include "plugin/config.h"
#include "plugin/daemon.h"
#include "plugin/log.h"
#include "push/credentials.h"
#include "push/localizer_icu.h"

namespace {

std::atomic<bool> g_stop{false};

void onSignal(int) { g_stop = true; }

int usage() {
  std::cerr << "usage: vapushd --config FILE [--check-config]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      config_path = argv[++i];
    } else if (std::strcmp(argv[i], "--check-config") == 0) {
      check_only = true;
    } else if (std::strcmp(argv[i], "--version") == 0) {
      std::cout << "vapushd 0.1.0\n";
      return 0;
    } else {
      return usage();
    }
  }
  if (config_path.empty()) return usage();
  const vapush::ConfigResult result = vapush::loadConfig(config_path);
  if (!result.config) {
    std::cerr << "vapushd: config error: " << result.error->toString() << "\n";
    return 2;
  }
  const vapush::Config& config = *result.config;
  // The catalogs (built-in and i18n.directory): every key, every pattern ICU can parse.
  std::string catalog_error;
  const auto localizer = vapush::push::IcuLocalizer::load(config.i18n, catalog_error);
  if (!localizer) {
    std::cerr << "vapushd: config error: " << catalog_error << "\n";
    return 2;
  }
  if (check_only) {
    // The key files too: a key that does not parse would otherwise only show at start.
    for (const auto& app : config.apps) {
      if (const auto problem = vapush::push::credentialProblem(app)) {
        std::cerr << "vapushd: config error: apps[" << app.name << "]: " << *problem << "\n";
        return 2;
      }
    }
    std::cout << config_path << ": OK (component " << config.component.jid << ", "
              << config.apps.size() << " app(s), " << localizer->languages().size()
              << " language(s))\n";
    return 0;
  }
  vapush::log::Level level = vapush::log::Level::Info;
  vapush::log::parseLevel(config.log.level, level);
  if (!vapush::log::setup(level, config.log.format == vapush::LogFormat::Json, config.log.file)) {
    std::cerr << "vapushd: cannot open log file " << config.log.file << "\n";
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  // SIGHUP (logrotate's postrotate): reopen the log file, keep running.
  struct sigaction hup {};
  hup.sa_handler = [](int) { vapush::log::requestReopen(); };
  sigemptyset(&hup.sa_mask);
  sigaction(SIGHUP, &hup, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return vapush::runDaemon(config, g_stop);
}
