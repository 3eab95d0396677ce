#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace walrelay::config {

// A Java `.properties` file as `java.util.Properties.load(InputStream)` reads it (Kafka's
// Utils.loadProps, which reads every worker file, uses that form):
//  - natural lines end at "\n", "\r" or "\r\n"; a line whose first non-blank character is '#' or
//    '!' is a comment (a trailing backslash on a comment continues nothing); blank lines are
//    skipped; blanks are ' ', '\t' and '\f';
//  - a logical line continues on the next natural line when it ends with an odd number of
//    backslashes; the continuation's leading blanks are dropped;
//  - the key ends at the first unescaped '=', ':' or blank; blanks, then at most one '=' or ':',
//    then blanks separate it from the value;
//  - in keys and values, "\uXXXX" is a UTF-16 code unit, "\t" "\n" "\r" "\f" the control
//    characters, and a backslash before any other character stands for that character;
//  - bytes are ISO-8859-1, as the InputStream form reads them: a byte >= 0x80 is the code point of
//    the same value (so UTF-8 text reads as Java would read it: "é" as "Ã©"). The result is UTF-8;
//    an unpaired surrogate from "\u" becomes '?' as Java's UTF-8 encoder writes it;
//  - a key given twice: the last one wins.
// Pure, thread-safe.
struct JavaProperties {
  std::map<std::string, std::string> values;
  // The line (1-based) where each key's winning logical line starts, for messages.
  std::map<std::string, int> lines;
};

// Parses `text`. A malformed "\uXXXX" (fewer than four hex digits) is kInvalidArgument
// "<label>:<line>: malformed \uxxxx encoding in ..." naming the logical line's first line.
Result<JavaProperties> ParseJavaProperties(std::string_view text, const std::string& label);

// Reads and parses the file at `path`. kNotFound "<path>: cannot read: <reason>" when it cannot be
// read; parse errors as above with the path as label.
Result<JavaProperties> LoadJavaPropertiesFile(const std::string& path);

}  // namespace walrelay::config
