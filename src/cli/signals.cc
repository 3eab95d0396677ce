#include "cli/signals.h"

#include <csignal>

namespace walrelay::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

}  // namespace

const std::atomic<bool>* InstallStopHandlers() {
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  return &g_stop;
}

}  // namespace walrelay::cli
