#include "source/source_offset.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

namespace walrelay::source {
namespace {

bool ParseU64(std::string_view text, uint64_t* out) {
  auto r = std::from_chars(text.data(), text.data() + text.size(), *out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size() && !text.empty();
}

}  // namespace

std::optional<XidSnapshot> XidSnapshot::Parse(std::string_view text) {
  XidSnapshot s;
  auto c1 = text.find(':');
  if (c1 == std::string_view::npos) return std::nullopt;
  auto c2 = text.find(':', c1 + 1);
  if (c2 == std::string_view::npos) return std::nullopt;
  if (!ParseU64(text.substr(0, c1), &s.xmin) ||
      !ParseU64(text.substr(c1 + 1, c2 - c1 - 1), &s.xmax)) {
    return std::nullopt;
  }
  std::string_view rest = text.substr(c2 + 1);
  while (!rest.empty()) {
    auto comma = rest.find(',');
    uint64_t x = 0;
    if (!ParseU64(rest.substr(0, comma), &x)) return std::nullopt;
    s.xip.push_back(x);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  std::sort(s.xip.begin(), s.xip.end());
  return s;
}

std::string XidSnapshot::ToString() const {
  std::string out = std::to_string(xmin) + ":" + std::to_string(xmax) + ":";
  for (size_t i = 0; i < xip.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(xip[i]);
  }
  return out;
}

bool XidSnapshot::Visible(uint32_t xid32) const {
  // Widen the 32-bit xid with xmax's epoch; an xid numerically above xmax's low bits belongs to
  // the previous epoch (it is older than the snapshot).
  uint64_t epoch = xmax >> 32;
  uint64_t xid = (epoch << 32) | xid32;
  if (xid32 > static_cast<uint32_t>(xmax) && epoch > 0) xid -= (uint64_t{1} << 32);
  if (xid < xmin) return true;
  if (xid >= xmax) return false;
  return !std::binary_search(xip.begin(), xip.end(), xid);
}

void SourceOffset::Advance(const data::SourcePosition& p) {
  if (p.snapshot) return;
  if (!p.tx_lsn.valid()) {
    // A non-transactional logical decoding message: complete on its own, at its own LSN. The
    // last commit LSN (which transactions were delivered) stays.
    if (p.last_in_transaction && p.commit_end_lsn > last_commit_end) {
      last_commit_end = p.commit_end_lsn;
    }
    return;
  }
  if (p.last_in_transaction) {
    last_commit_end = p.commit_end_lsn.valid() ? p.commit_end_lsn : p.tx_lsn;
    last_commit_lsn = p.tx_lsn;
    last_txid = p.txid;
    inflight_tx_lsn = Lsn();
    inflight_index = 0;
    ClearDebeziumPosition();
  } else {
    inflight_tx_lsn = p.tx_lsn;
    inflight_index = p.event_index + 1;
  }
}

bool SourceOffset::Delivered(Lsn tx_lsn, uint64_t event_index) const {
  if (tx_lsn <= last_commit_lsn) return true;
  return tx_lsn == inflight_tx_lsn && event_index < inflight_index;
}

bool SourceOffset::DeliveredByDebezium(Lsn tx_lsn, Lsn event_lsn, uint64_t nth_at_proc) {
  if (!debezium_lsn_proc.valid() || tx_lsn <= last_commit_lsn) return false;
  if (!debezium_tx_lsn.valid()) debezium_tx_lsn = tx_lsn;
  if (tx_lsn != debezium_tx_lsn) return false;
  if (event_lsn != debezium_lsn_proc) return event_lsn < debezium_lsn_proc;
  return debezium_events_at_proc == 0 || nth_at_proc < debezium_events_at_proc;
}

void SourceOffset::ClearDebeziumPosition() {
  debezium_lsn_proc = Lsn();
  debezium_events_at_proc = 0;
  debezium_tx_lsn = Lsn();
  debezium_message_type.clear();
}

std::string SourceOffset::ToJson() const {
  nlohmann::json j;
  // Debezium's names where they exist, LSNs as the integers Debezium stores.
  j["lsn_commit"] = last_commit_lsn.value();
  j["lsn_commit_end"] = last_commit_end.value();
  j["txId"] = last_txid;
  j["lsn_proc"] = inflight_tx_lsn.value();
  j["event_index"] = inflight_index;
  j["filter_until"] = filter_until.value();
  j["timeline"] = timeline;
  nlohmann::json snap;
  snap["active"] = snapshot.active;
  snap["stream_start"] = snapshot.stream_start.value();
  nlohmann::json tables = nlohmann::json::object();
  for (const auto& [name, xs] : snapshot.done_tables) tables[name] = xs.ToString();
  snap["done_tables"] = tables;
  j["snapshot"] = snap;
  return j.dump();
}

Result<SourceOffset> SourceOffset::FromJson(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return DataError("offset is not a JSON object");
  SourceOffset o;
  auto u64 = [&j](const char* key) -> uint64_t {
    auto it = j.find(key);
    return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
  };
  o.last_commit_lsn = Lsn(u64("lsn_commit"));
  o.last_commit_end = Lsn(u64("lsn_commit_end"));
  o.last_txid = static_cast<uint32_t>(u64("txId"));
  o.inflight_tx_lsn = Lsn(u64("lsn_proc"));
  o.inflight_index = u64("event_index");
  o.filter_until = Lsn(u64("filter_until"));
  o.timeline = static_cast<uint32_t>(u64("timeline"));
  auto snap = j.find("snapshot");
  if (snap != j.end() && snap->is_object()) {
    o.snapshot.active = snap->value("active", false);
    o.snapshot.stream_start = Lsn(snap->value("stream_start", uint64_t{0}));
    auto tables = snap->find("done_tables");
    if (tables != snap->end() && tables->is_object()) {
      for (auto it = tables->begin(); it != tables->end(); ++it) {
        if (!it.value().is_string()) return DataError("offset: bad snapshot entry for " + it.key());
        auto xs = XidSnapshot::Parse(it.value().get<std::string>());
        if (!xs) return DataError("offset: bad snapshot entry for " + it.key());
        o.snapshot.done_tables[it.key()] = *xs;
      }
    }
  }
  return o;
}

}  // namespace walrelay::source
