#pragma once

#include <string>
#include <string_view>

namespace walrelay {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Logs one line to stderr: "2026-11-24T14:02:32.123Z WARN  [component] message".
// Thread-safe. The level threshold comes from WALRELAY_LOG_LEVEL (debug, info, warn, error).
void Log(LogLevel level, std::string_view component, std::string_view message);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

inline void LogDebug(std::string_view c, std::string_view m) { Log(LogLevel::kDebug, c, m); }
inline void LogInfo(std::string_view c, std::string_view m) { Log(LogLevel::kInfo, c, m); }
inline void LogWarn(std::string_view c, std::string_view m) { Log(LogLevel::kWarn, c, m); }
inline void LogError(std::string_view c, std::string_view m) { Log(LogLevel::kError, c, m); }

}  // namespace walrelay
