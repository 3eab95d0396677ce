#include "runtime/offset_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace walrelay::runtime {
namespace {

// FNV-1a 64: detects a torn slot; not a cryptographic checksum.
uint64_t Checksum(const char* data, size_t n, uint64_t seq) {
  uint64_t h = 1469598103934665603ULL ^ seq;
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ULL;
  }
  return h;
}

constexpr char kMagic[8] = {'W', 'R', 'O', 'F', 'F', 'S', 'T', '1'};
constexpr size_t kHeader = 8 + 8 + 8 + 8;  // magic, seq, length, checksum

void Put64(char* p, uint64_t v) { std::memcpy(p, &v, 8); }
uint64_t Get64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

Status Errno(const std::string& what, const std::string& path) {
  return FatalError(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

OffsetFile::~OffsetFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status OffsetFile::EnsureOpen() {
  if (fd_ >= 0) return Status::Ok();
  std::error_code ec;
  auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return Errno("cannot open offset file", path_);
  return Status::Ok();
}

Result<std::optional<std::string>> OffsetFile::Load() {
  if (!std::filesystem::exists(path_)) return std::optional<std::string>();
  WR_RETURN_IF_ERROR(EnsureOpen());
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return Errno("cannot stat", path_);
  if (st.st_size == 0) return std::optional<std::string>();
  std::vector<char> buf(static_cast<size_t>(st.st_size));
  ssize_t n = ::pread(fd_, buf.data(), buf.size(), 0);
  if (n < 0) return Errno("cannot read", path_);
  buf.resize(static_cast<size_t>(n));
  std::optional<std::string> best;
  uint64_t best_seq = 0;
  for (size_t base = 0; base + kHeader <= buf.size(); base += kSlotSize) {
    const char* p = buf.data() + base;
    if (std::memcmp(p, kMagic, 8) != 0) continue;
    uint64_t seq = Get64(p + 8), len = Get64(p + 16), sum = Get64(p + 24);
    if (base + kHeader + len > buf.size() || (len > kSlotSize - kHeader && base != 0)) continue;
    if (Checksum(p + kHeader, len, seq) != sum) continue;
    if (!best || seq > best_seq) {
      best = std::string(p + kHeader, len);
      best_seq = seq;
    }
  }
  if (!best) {
    return DataError("offset file " + path_ +
                     " holds no intact offset; move it away to start over");
  }
  seq_ = best_seq;
  last_ = *best;
  return best;
}

Status OffsetFile::Store(const std::string& offset) {
  if (offset == last_) return Status::Ok();
  WR_RETURN_IF_ERROR(EnsureOpen());
  uint64_t seq = ++seq_;
  // A whole-file record must carry an even sequence number, so the next slot write (odd) lands
  // beyond its header and a torn slot write never takes both copies.
  if (kHeader + offset.size() > kSlotSize && seq % 2 == 1) seq = ++seq_;
  std::string rec(kHeader, '\0');
  std::memcpy(rec.data(), kMagic, 8);
  Put64(rec.data() + 8, seq);
  Put64(rec.data() + 16, offset.size());
  Put64(rec.data() + 24, Checksum(offset.data(), offset.size(), seq));
  rec += offset;
  if (rec.size() > kSlotSize) {
    // Too large for a slot: replace the whole file atomically with a single-slot file.
    std::string tmp = path_ + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Errno("cannot create", tmp);
    bool ok = ::write(fd, rec.data(), rec.size()) == static_cast<ssize_t>(rec.size());
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0) return Errno("cannot replace", path_);
    ::close(fd_);
    fd_ = -1;
  } else {
    off_t where = static_cast<off_t>((seq % 2) * kSlotSize);
    if (::pwrite(fd_, rec.data(), rec.size(), where) != static_cast<ssize_t>(rec.size())) {
      return Errno("cannot write", path_);
    }
  }
  last_ = offset;
  return Status::Ok();
}

Status OffsetFile::Sync() {
  if (fd_ >= 0 && ::fdatasync(fd_) != 0) return Errno("cannot sync", path_);
  return Status::Ok();
}

}  // namespace walrelay::runtime
