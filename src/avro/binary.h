#pragma once

// Avro's binary encoding primitives (specification, "Binary Encoding"), for the hot paths that
// encode and decode millions of records: no allocation beyond appending to the output string, and
// a reader that checks every length against the bytes left and never reads past the end.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/status.h"

namespace walrelay::avro {

// Appends Avro binary values to a string it does not own. Never fails.
class BinaryWriter {
 public:
  explicit BinaryWriter(std::string* out) : out_(out) {}

  void WriteNull() {}
  void WriteBoolean(bool v) { out_->push_back(v ? '\1' : '\0'); }
  void WriteInt(int32_t v) { WriteLong(v); }
  // Zig-zag, then a little-endian base-128 varint: 1 -> 02, -1 -> 01, 64 -> 80 01.
  void WriteLong(int64_t v) {
    uint64_t n = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    char buf[10];
    size_t len = 0;
    while (n >= 0x80) {
      buf[len++] = static_cast<char>((n & 0x7f) | 0x80);
      n >>= 7;
    }
    buf[len++] = static_cast<char>(n);
    out_->append(buf, len);
  }
  void WriteFloat(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    char buf[4];
    for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(bits >> (8 * i));
    out_->append(buf, 4);
  }
  void WriteDouble(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    char buf[8];
    for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(bits >> (8 * i));
    out_->append(buf, 8);
  }
  // A long length, then the bytes.
  void WriteBytes(std::string_view v) {
    WriteLong(static_cast<int64_t>(v.size()));
    out_->append(v);
  }
  void WriteString(std::string_view v) { WriteBytes(v); }
  // The bytes alone: the size is in the schema.
  void WriteFixed(std::string_view v) { out_->append(v); }
  void WriteEnum(int32_t index) { WriteLong(index); }
  void WriteUnionIndex(int32_t index) { WriteLong(index); }
  // An array or map block of `count` items; a count of 0 ends the array or map.
  void WriteBlockCount(int64_t count) { WriteLong(count); }

  std::string* out() const { return out_; }

 private:
  std::string* out_;
};

// Reads Avro binary values from a view it does not own. Every read checks the bytes left; a
// failure is kDataError naming what was truncated or malformed, and leaves the position
// unspecified (a caller gives up on the input).
class BinaryReader {
 public:
  explicit BinaryReader(std::string_view in) : data_(in.data()), end_(in.data() + in.size()) {}

  size_t remaining() const { return static_cast<size_t>(end_ - data_); }
  bool at_end() const { return data_ == end_; }
  // Offset from the start is not kept; this is the unread rest.
  std::string_view rest() const { return {data_, remaining()}; }

  Status ReadBoolean(bool* v);
  Status ReadLong(int64_t* v) {
    // Fast path: a one-byte varint.
    if (data_ != end_ && !(static_cast<uint8_t>(*data_) & 0x80)) {
      uint64_t n = static_cast<uint8_t>(*data_++);
      *v = static_cast<int64_t>((n >> 1) ^ (~(n & 1) + 1));
      return Status::Ok();
    }
    return ReadLongSlow(v);
  }
  // A long that must fit in 32 bits.
  Status ReadInt(int32_t* v);
  Status ReadFloat(float* v);
  Status ReadDouble(double* v);
  // A length-prefixed value, as a view into the input.
  Status ReadBytes(std::string_view* v) { return ReadLengthPrefixed(v, "bytes"); }
  Status ReadString(std::string_view* v) { return ReadLengthPrefixed(v, "string"); }
  Status ReadFixed(size_t size, std::string_view* v);
  // An enum index in [0, symbol_count).
  Status ReadEnum(size_t symbol_count, int32_t* index);
  // A union branch index in [0, branch_count).
  Status ReadUnionIndex(size_t branch_count, int32_t* index);
  // The item count of the next array or map block: 0 at the end. A negative count on the wire is
  // followed by the block's byte size, which this reads and returns in *byte_size (else -1).
  Status ReadBlockCount(int64_t* count, int64_t* byte_size = nullptr);
  // Skips `n` bytes.
  Status Skip(size_t n, const char* what);

 private:
  Status ReadLongSlow(int64_t* v);
  Status ReadLengthPrefixed(std::string_view* v, const char* what);

  const char* data_;
  const char* end_;
};

}  // namespace walrelay::avro
