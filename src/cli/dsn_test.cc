#include "cli/dsn.h"

#include <gtest/gtest.h>

namespace walrelay::cli {
namespace {

TEST(DsnTest, PassesLibpqFormsThrough) {
  EXPECT_EQ(*ToConninfo("host=h port=1 dbname=d"), "host=h port=1 dbname=d");
  EXPECT_EQ(*ToConninfo("postgresql://u:p@h:5/d"), "postgresql://u:p@h:5/d");
}

TEST(DsnTest, ConvertsTheSeedsAdoNetForm) {
  auto c = ToConninfo("Server=haproxy;Port=5000;Database=source_db;User Id=postgres;Password=postgres;");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_NE(c->find("host='haproxy'"), std::string::npos) << *c;
  EXPECT_NE(c->find("port='5000'"), std::string::npos);
  EXPECT_NE(c->find("dbname='source_db'"), std::string::npos);
  EXPECT_NE(c->find("user='postgres'"), std::string::npos);
  EXPECT_NE(c->find("password='postgres'"), std::string::npos);
  auto lower = ToConninfo("host=a;username=b;pwd=c");
  ASSERT_TRUE(lower.ok());
  EXPECT_NE(lower->find("user='b'"), std::string::npos);
}

TEST(DsnTest, NamesUnknownKeys) {
  auto c = ToConninfo("Server=a;Flavour=b");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("Flavour"), std::string::npos);
  EXPECT_FALSE(ToConninfo("Server=a;junk").ok());
  EXPECT_FALSE(ToConninfo("").ok());
}

}  // namespace
}  // namespace walrelay::cli
