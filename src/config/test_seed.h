#pragma once

#include <filesystem>
#include <string>

namespace walrelay::config {

// The seed configs of the system walrelay replaces (for tests): examples/seed in the
// repository, else the shared copy they were taken from.
inline std::string SeedPath(const std::string& file) {
  std::filesystem::path in_repo =
      std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "examples" /
      "seed" / file;
  if (std::filesystem::exists(in_repo)) return in_repo.string();
  return "/work/shared/seed/configs/" + file;
}

}  // namespace walrelay::config
