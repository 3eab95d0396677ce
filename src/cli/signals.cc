#include "cli/signals.h"

#include <unistd.h>

#include <csignal>

namespace walrelay::cli {
namespace {

StopSource* g_stop = nullptr;

void OnSignal(int sig) {
  if (g_stop->stop_requested()) {
    // Only async-signal-safe calls here: write(2) and _exit(2).
    static const char kMsg[] = "walrelay: second stop signal, exiting at once\n";
    ssize_t n = ::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
    (void)n;
    ::_exit(128 + sig);
  }
  g_stop->RequestStop();
}

}  // namespace

const StopSource* InstallStopHandlers() {
  if (g_stop == nullptr) g_stop = new StopSource();  // lives until the process ends
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return g_stop;
}

}  // namespace walrelay::cli
