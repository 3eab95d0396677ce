#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/lsn.h"
#include "common/status.h"
#include "pg/connection.h"
#include "pg/replication_protocol.h"

namespace walrelay::pg {

// One logical replication connection (replication=database) and the COPY BOTH stream that
// START_REPLICATION opens on it. Lifecycle: Open -> any Commands (IDENTIFY_SYSTEM,
// CREATE_REPLICATION_SLOT, SELECT ...) -> Start -> Read/SendStatus loop -> Stop (back to command
// mode) or destruction (closes the connection). Owned and used by one thread.
//
// Failures: kReconnect when the connection or the stream is gone, or the SQLSTATE-mapped kind of
// the server's error (e.g. kNotFound for a missing slot or publication, keeping PostgreSQL's text
// such as `publication "x" does not exist`).
class ReplicationStream {
 public:
  static Result<ReplicationStream> Open(const std::string& conninfo, Interrupt interrupt = {});

  ReplicationStream(ReplicationStream&&) = default;
  ReplicationStream& operator=(ReplicationStream&&) = default;

  // Runs a replication command or SQL query. Not allowed while streaming (kFatal: our bug).
  Result<PgResult> Command(std::string_view sql);

  // START_REPLICATION SLOT "slot" LOGICAL start ("name" 'value', ...). Option names are quoted as
  // identifiers and values as literals; a value is passed verbatim, so publication_names must
  // already be a list of quoted names (see PublicationNamesOption).
  Status Start(const std::string& slot, Lsn start,
               const std::vector<std::pair<std::string, std::string>>& plugin_options);

  // Waits up to `timeout` for the next message from the server. nullopt on timeout. An XLogData
  // payload points into a buffer this object owns, valid until the next Read, Stop or
  // destruction. When the server ends the stream: its error mapped from SQLSTATE, or kReconnect.
  Result<std::optional<CopyMessage>> Read(std::chrono::milliseconds timeout);

  // Sends a standby status update stamped with the current time.
  Status SendStatus(Lsn written, Lsn flushed, Lsn applied, bool reply_requested = false);

  // Ends the COPY stream (CopyDone), discards what the server still sends and waits up to
  // `timeout` for it to finish, leaving the connection ready for Commands again. PostgreSQL 15's
  // walsender does not reset its end-of-stream state for a second START_REPLICATION LOGICAL on
  // the same connection (such a stream ends at once, reported by Read as kReconnect): resume on a
  // new ReplicationStream.
  Status Stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  bool streaming() const { return streaming_; }
  Connection& connection() { return conn_; }

 private:
  struct CopyBufferDeleter {
    void operator()(char* p) const { PQfreemem(p); }
  };

  ReplicationStream(Connection conn, const StopSource* stop)
      : conn_(std::move(conn)), stop_(stop) {}

  // Waits until the socket is readable or `deadline` passes (false), then consumes input.
  Result<bool> WaitReadable(std::chrono::steady_clock::time_point deadline);
  // Collects the results that follow the end of a COPY, waiting up to `timeout`; the first
  // error the server reports wins.
  Status DrainResults(std::string_view what, std::chrono::milliseconds timeout);

  Connection conn_;
  const StopSource* stop_ = nullptr;  // ends Read's wait early; may be null
  std::unique_ptr<char, CopyBufferDeleter> buffer_;
  bool streaming_ = false;
};

// The publication_names option value: each name as a quoted identifier, comma separated.
std::string PublicationNamesOption(const std::vector<std::string>& publications);

}  // namespace walrelay::pg
