#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"

namespace walrelay::runtime {

// A crash-safe file holding one connector's latest offset (a JSON text), written after every
// delivered transaction, so it must be cheap: the file keeps two fixed-size slots written in turn
// with pwrite, each with a sequence number and a checksum. A kill at any instant leaves at least
// one intact slot; Load returns the newest intact one. Offsets larger than a slot fall back to a
// write-to-temp-and-rename of the whole file. One thread.
class OffsetFile {
 public:
  static constexpr size_t kSlotSize = 64 * 1024;

  explicit OffsetFile(std::string path) : path_(std::move(path)) {}
  ~OffsetFile();
  OffsetFile(const OffsetFile&) = delete;
  OffsetFile& operator=(const OffsetFile&) = delete;

  // Reads the newest intact offset; nullopt when the file does not exist or holds none.
  // A file that exists but has no intact slot is a kDataError naming the file.
  Result<std::optional<std::string>> Load();
  // Stores `offset` (skipped when equal to the last stored text). Creates parent directories.
  Status Store(const std::string& offset);
  // fdatasync, for shutdown and periodic durability against power loss.
  Status Sync();
  const std::string& path() const { return path_; }

 private:
  Status EnsureOpen();
  std::string path_;
  int fd_ = -1;
  uint64_t seq_ = 0;
  std::string last_;
};

}  // namespace walrelay::runtime
