#include "avro/binary.h"

#include <limits>

namespace walrelay::avro {

Status BinaryReader::ReadBoolean(bool* v) {
  if (data_ == end_) return DataError("truncated Avro data: boolean expected, no bytes left");
  uint8_t b = static_cast<uint8_t>(*data_++);
  if (b > 1) return DataError("malformed Avro boolean: byte " + std::to_string(b));
  *v = b == 1;
  return Status::Ok();
}

Status BinaryReader::ReadLongSlow(int64_t* v) {
  uint64_t n = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (data_ == end_) return DataError("truncated Avro data: varint not terminated");
    uint8_t b = static_cast<uint8_t>(*data_++);
    // The tenth byte may carry only the top bit of a 64-bit value.
    if (shift == 63 && b > 1) return DataError("malformed Avro varint: more than 64 bits");
    n |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = static_cast<int64_t>((n >> 1) ^ (~(n & 1) + 1));
      return Status::Ok();
    }
  }
  return DataError("malformed Avro varint: longer than 10 bytes");
}

Status BinaryReader::ReadInt(int32_t* v) {
  int64_t l;
  WR_RETURN_IF_ERROR(ReadLong(&l));
  if (l < std::numeric_limits<int32_t>::min() || l > std::numeric_limits<int32_t>::max()) {
    return DataError("malformed Avro int: " + std::to_string(l) + " is out of 32-bit range");
  }
  *v = static_cast<int32_t>(l);
  return Status::Ok();
}

Status BinaryReader::ReadFloat(float* v) {
  if (remaining() < 4) return DataError("truncated Avro data: float needs 4 bytes");
  uint32_t bits = 0;
  for (int i = 0; i < 4; ++i)
    bits |= static_cast<uint32_t>(static_cast<uint8_t>(data_[i])) << (8 * i);
  data_ += 4;
  std::memcpy(v, &bits, 4);
  return Status::Ok();
}

Status BinaryReader::ReadDouble(double* v) {
  if (remaining() < 8) return DataError("truncated Avro data: double needs 8 bytes");
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i)
    bits |= static_cast<uint64_t>(static_cast<uint8_t>(data_[i])) << (8 * i);
  data_ += 8;
  std::memcpy(v, &bits, 8);
  return Status::Ok();
}

Status BinaryReader::ReadLengthPrefixed(std::string_view* v, const char* what) {
  int64_t len;
  WR_RETURN_IF_ERROR(ReadLong(&len));
  if (len < 0) {
    return DataError(std::string("malformed Avro ") + what + ": negative length " +
                     std::to_string(len));
  }
  if (static_cast<uint64_t>(len) > remaining()) {
    return DataError(std::string("truncated Avro data: ") + what + " of length " +
                     std::to_string(len) + " with " + std::to_string(remaining()) + " bytes left");
  }
  *v = std::string_view(data_, static_cast<size_t>(len));
  data_ += len;
  return Status::Ok();
}

Status BinaryReader::ReadFixed(size_t size, std::string_view* v) {
  if (size > remaining()) {
    return DataError("truncated Avro data: fixed of size " + std::to_string(size) + " with " +
                     std::to_string(remaining()) + " bytes left");
  }
  *v = std::string_view(data_, size);
  data_ += size;
  return Status::Ok();
}

Status BinaryReader::ReadEnum(size_t symbol_count, int32_t* index) {
  int64_t i;
  WR_RETURN_IF_ERROR(ReadLong(&i));
  if (i < 0 || static_cast<uint64_t>(i) >= symbol_count) {
    return DataError("malformed Avro enum: index " + std::to_string(i) + " out of range (" +
                     std::to_string(symbol_count) + " symbols)");
  }
  *index = static_cast<int32_t>(i);
  return Status::Ok();
}

Status BinaryReader::ReadUnionIndex(size_t branch_count, int32_t* index) {
  int64_t i;
  WR_RETURN_IF_ERROR(ReadLong(&i));
  if (i < 0 || static_cast<uint64_t>(i) >= branch_count) {
    return DataError("malformed Avro union: branch index " + std::to_string(i) + " out of range (" +
                     std::to_string(branch_count) + " branches)");
  }
  *index = static_cast<int32_t>(i);
  return Status::Ok();
}

Status BinaryReader::ReadBlockCount(int64_t* count, int64_t* byte_size) {
  int64_t c;
  WR_RETURN_IF_ERROR(ReadLong(&c));
  int64_t size = -1;
  if (c < 0) {
    if (c == std::numeric_limits<int64_t>::min()) {
      return DataError("malformed Avro block: count " + std::to_string(c));
    }
    c = -c;
    WR_RETURN_IF_ERROR(ReadLong(&size));
    if (size < 0) {
      return DataError("malformed Avro block: negative byte size " + std::to_string(size));
    }
    if (static_cast<uint64_t>(size) > remaining()) {
      return DataError("truncated Avro data: block of " + std::to_string(size) + " bytes with " +
                       std::to_string(remaining()) + " bytes left");
    }
  }
  *count = c;
  if (byte_size != nullptr) *byte_size = size;
  return Status::Ok();
}

Status BinaryReader::Skip(size_t n, const char* what) {
  if (n > remaining()) {
    return DataError(std::string("truncated Avro data: ") + what + " needs " + std::to_string(n) +
                     " bytes, " + std::to_string(remaining()) + " left");
  }
  data_ += n;
  return Status::Ok();
}

}  // namespace walrelay::avro
