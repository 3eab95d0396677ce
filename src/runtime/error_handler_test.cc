#include "runtime/error_handler.h"

#include <gtest/gtest.h>

namespace walrelay::runtime {
namespace {

config::ConnectorConfig Config(std::map<std::string, std::string> props) {
  return config::ConnectorConfig{"c", "c.json", std::move(props)};
}

TEST(ErrorHandlerTest, NoneStopsAllSkipsAndCounts) {
  data::Record rec;
  rec.topic = "t";
  const Status failure = DataError("Invalid schema type for ByteArrayConverter: STRUCT");

  auto none = ErrorPolicy::Parse(Config({}));
  ASSERT_TRUE(none.ok());
  ErrorHandler stop("c", *none);
  Status s = stop.Handle("key converter", rec, failure);
  EXPECT_EQ(s.kind(), ErrorKind::kDataError);
  EXPECT_EQ(s.message(), failure.message());
  EXPECT_EQ(stop.skipped(), 0);

  auto all = ErrorPolicy::Parse(Config({{"errors.tolerance", "ALL"},
                                        {"errors.log.enable", "true"},
                                        {"errors.log.include.messages", "true"}}));
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->tolerate_all && all->log && all->log_messages);
  ErrorHandler skip("c", *all);
  EXPECT_TRUE(skip.Handle("transform", rec, failure).ok());
  EXPECT_TRUE(skip.Handle("value converter", rec, failure).ok());
  EXPECT_EQ(skip.skipped(), 2);

  EXPECT_EQ(ErrorPolicy::Parse(Config({{"errors.tolerance", "some"}})).status().message(),
            "c.json: property 'errors.tolerance' has invalid value 'some': must be one of: none, "
            "all");
  EXPECT_EQ(ErrorPolicy::Parse(Config({{"errors.log.enable", "yes"}})).status().kind(),
            ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace walrelay::runtime
