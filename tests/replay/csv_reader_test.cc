#include "segd/replay/csv_reader.h"

#include <gtest/gtest.h>

#include <sstream>

namespace segd {
namespace {

std::vector<std::vector<std::string>> ReadAll(const std::string& text, Status* status = nullptr) {
  std::istringstream in(text);
  CsvReader csv(in);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> fields;
  while (csv.Next(&fields)) rows.push_back(fields);
  if (status != nullptr) *status = csv.status();
  return rows;
}

using Rows = std::vector<std::vector<std::string>>;

TEST(CsvReaderTest, ReadsPlainAndQuotedFields) {
  EXPECT_EQ(ReadAll("a,b,c\n1,,3\n"), (Rows{{"a", "b", "c"}, {"1", "", "3"}}));
  EXPECT_EQ(ReadAll("\"x, y\",\"say \"\"hi\"\"\"\n"), (Rows{{"x, y", "say \"hi\""}}));
}

TEST(CsvReaderTest, KeepsLineBreaksInsideQuotesAndCountsLines) {
  std::istringstream in("h\n\"two\nlines\"\nnext\n");
  CsvReader csv(in);
  std::vector<std::string> f;
  ASSERT_TRUE(csv.Next(&f));
  ASSERT_TRUE(csv.Next(&f));
  EXPECT_EQ(f, std::vector<std::string>{"two\nlines"});
  EXPECT_EQ(csv.record_line(), 2);
  ASSERT_TRUE(csv.Next(&f));
  EXPECT_EQ(f, std::vector<std::string>{"next"});
  EXPECT_EQ(csv.record_line(), 4);
}

TEST(CsvReaderTest, HandlesCrlfBomAndMissingFinalNewline) {
  EXPECT_EQ(ReadAll("\xEF\xBB\xBFid,v\r\n1,2\r\n3,4"), (Rows{{"id", "v"}, {"1", "2"}, {"3", "4"}}));
}

TEST(CsvReaderTest, UnclosedQuoteIsAnErrorWithItsLine) {
  Status s;
  ReadAll("a\n\"open\nnever closed\n", &s);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("line 2"), std::string::npos);
}

}  // namespace
}  // namespace segd
