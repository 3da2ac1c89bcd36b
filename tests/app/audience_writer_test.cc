#include "app/audience_writer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

namespace segd {
namespace {

using nlohmann::json;

// What the writer writes for `customers`.
std::string Written(ExportFormat format, const std::vector<json>& customers) {
  char* buffer = nullptr;
  size_t length = 0;
  std::FILE* out = open_memstream(&buffer, &length);
  AudienceWriter writer(format, out, {"recency_days", "frequency"});
  writer.Begin();
  for (const json& c : customers) writer.Write(c);
  EXPECT_TRUE(writer.Finish());
  std::fclose(out);
  std::string text(buffer, length);
  std::free(buffer);
  return text;
}

json Customer() {
  return json::parse(R"({
    "customer_id": "c1", "as_of": "2018-01-01T00:00:00Z", "updated_at": "2017-12-01T00:00:00Z",
    "segment": {"id": 2, "name": "recent, repeat", "distance": 0.5},
    "baseline_segment": {"id": 0, "name": "say \"hi\"", "distance": 1.25},
    "features": {"frequency": 3, "recency_days": 31.5},
    "state": {"order_count": 3, "total_amount": 120.1, "items": 4, "installments": 6,
              "review_count": 2, "first_order": "2017-01-01T00:00:00Z",
              "last_order": "2017-12-01T00:00:00Z", "region": "SP"},
    "model": {"baseline_version": 7, "live_updates": 12}})");
}

TEST(AudienceWriterTest, CsvHasAHeaderAndOneQuotedRowPerCustomer) {
  json none = Customer();
  none["customer_id"] = "c2\nx";
  none["segment"] = nullptr;
  none["baseline_segment"] = nullptr;
  none["features"] = {{"frequency", nullptr}, {"recency_days", nullptr}};
  none["state"]["first_order"] = nullptr;
  none["state"]["region"] = " RJ";
  EXPECT_EQ(Written(ExportFormat::kCsv, {Customer(), none}),
            "customer_id,segment_id,segment_name,baseline_segment_id,baseline_segment_name,"
            "recency_days,frequency,order_count,total_amount,items,installments,review_count,"
            "first_order,last_order,region,updated_at,as_of,baseline_version\r\n"
            "c1,2,\"recent, repeat\",0,\"say \"\"hi\"\"\",31.5,3,3,120.1,4,6,2,"
            "2017-01-01T00:00:00Z,2017-12-01T00:00:00Z,SP,2017-12-01T00:00:00Z,"
            "2018-01-01T00:00:00Z,7\r\n"
            "\"c2\nx\",,,,,,,3,120.1,4,6,2,,2017-12-01T00:00:00Z,\" RJ\","
            "2017-12-01T00:00:00Z,2018-01-01T00:00:00Z,7\r\n");
}

TEST(AudienceWriterTest, JsonLinesAreTheLookupDocuments) {
  const std::string text = Written(ExportFormat::kJsonl, {Customer(), Customer()});
  const size_t newline = text.find('\n');
  ASSERT_NE(newline, std::string::npos);
  EXPECT_EQ(json::parse(text.substr(0, newline)), Customer());
  EXPECT_EQ(text.substr(newline + 1), text.substr(0, newline + 1));
  EXPECT_EQ(text.back(), '\n');
}

TEST(AudienceWriterTest, CsvFieldQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(CsvField("a\r\nb"), "\"a\r\nb\"");
  EXPECT_EQ(CsvField("x "), "\"x \"");
}

TEST(AudienceWriterTest, EmptyListingIsAHeaderAlone) {
  EXPECT_EQ(Written(ExportFormat::kCsv, {}).find("\r\n"),
            Written(ExportFormat::kCsv, {}).size() - 2);
  EXPECT_EQ(Written(ExportFormat::kJsonl, {}), "");
}

}  // namespace
}  // namespace segd
