#include "mgmt/local_log.h"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>

namespace pw::mgmt {
namespace {

using nlohmann::json;

json rec(int i, std::string event = "commit") {
  return json{{"n", i}, {"event", event}, {"user", i % 2 ? "alice" : "bob"}};
}

std::vector<int> ns(const std::vector<json>& v) {
  std::vector<int> out;
  for (const auto& j : v) out.push_back(j.at("n").get<int>());
  return out;
}

TEST(LocalLog, KeepsTheNewestAndCountsDropped) {
  LocalLog log(3);
  EXPECT_EQ(log.capacity(), 3u);
  for (int i = 1; i <= 5; ++i) log.append(rec(i));
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(log.dropped(), 2u);
  EXPECT_EQ(log.appended(), 5u);
  EXPECT_EQ(ns(log.last(10)), (std::vector<int>{3, 4, 5}));
}

TEST(LocalLog, DefaultCapacity) {
  LocalLog log;
  EXPECT_EQ(log.capacity(), 40000u);
  for (int i = 0; i < 40010; ++i) log.append(json{{"n", i}});
  EXPECT_EQ(log.size(), 40000u);
  EXPECT_EQ(log.dropped(), 10u);
  EXPECT_EQ(ns(log.last(1)), std::vector<int>{40009});
}

TEST(LocalLog, LastIsOldestFirst) {
  LocalLog log;
  for (int i = 1; i <= 5; ++i) log.append(rec(i));
  EXPECT_EQ(ns(log.last(2)), (std::vector<int>{4, 5}));
  EXPECT_EQ(ns(log.last(0)), std::vector<int>{});
  EXPECT_EQ(ns(log.last(100)), (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST(LocalLog, Filter) {
  LocalLog log;
  for (int i = 1; i <= 6; ++i) log.append(rec(i, i <= 3 ? "commit" : "denied"));
  EXPECT_EQ(ns(log.last(10, {{"event", "denied"}})), (std::vector<int>{4, 5, 6}));
  EXPECT_EQ(ns(log.last(10, {{"event", "denied"}, {"user", "alice"}})), std::vector<int>{5});
  EXPECT_EQ(ns(log.last(1, {{"user", "bob"}})), std::vector<int>{6});
  EXPECT_TRUE(log.last(10, {{"event", "rollback"}}).empty());
  EXPECT_TRUE(log.last(10, {{"missing", "x"}}).empty());
  // Numbers and booleans match their JSON text.
  EXPECT_EQ(ns(log.last(10, {{"n", "2"}})), std::vector<int>{2});
  // Nested values never match.
  log.append(json{{"n", 7}, {"obj", {{"a", 1}}}});
  EXPECT_TRUE(log.last(10, {{"obj", "{\"a\":1}"}}).empty());
}

TEST(LocalLog, ParseFilter) {
  auto f = LocalLog::parse_filter({"event=commit", "user=a=b", "empty=", "event=denied"});
  ASSERT_TRUE(f);
  EXPECT_EQ(*f, (LocalLog::Filter{{"event", "denied"}, {"user", "a=b"}, {"empty", ""}}));
  EXPECT_FALSE(LocalLog::parse_filter({"event"}));
  EXPECT_FALSE(LocalLog::parse_filter({"=x"}));
}

TEST(LocalLog, NonObjectsAreWrapped) {
  LocalLog log;
  log.append(json("text"));
  auto v = log.last(1);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], (json{{"value", "text"}}));
}

TEST(LocalLog, ExportJsonLines) {
  LocalLog log;
  for (int i = 1; i <= 3; ++i) log.append(rec(i));
  log.append(json{{"n", 4}, {"bad", std::string("\xff\xfe")}});  // invalid UTF-8 from the wire
  std::ostringstream out;
  log.export_json(out);
  std::istringstream in(out.str());
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    json j = json::parse(line);
    EXPECT_EQ(j.at("n").get<int>(), ++n);
  }
  EXPECT_EQ(n, 4);
}

TEST(CsvField, Rfc4180Quoting) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("line1\nline2"), "\"line1\nline2\"");
  EXPECT_EQ(csv_field("cr\r"), "\"cr\r\"");
}

TEST(LocalLog, ExportCsv) {
  LocalLog log;
  log.append(json{{"b", "x,y"}, {"a", "say \"hi\""}});
  log.append(json{{"c", "line1\nline2"}, {"a", "plain"}, {"n", 5}, {"t", true}, {"z", nullptr}});
  log.append(json{{"b", {1, 2}}});
  std::ostringstream out;
  log.export_csv(out);
  // Columns: the union of keys in first-seen order (within a record, nlohmann's key order).
  EXPECT_EQ(out.str(),
            "a,b,c,n,t,z\r\n"
            "\"say \"\"hi\"\"\",\"x,y\",,,,\r\n"
            "plain,,\"line1\nline2\",5,true,\r\n"
            ",\"[1,2]\",,,,\r\n");

  std::ostringstream cols;
  log.export_csv(cols, {"c", "a", "missing"});
  EXPECT_EQ(cols.str(),
            "c,a,missing\r\n"
            ",\"say \"\"hi\"\"\",\r\n"
            "\"line1\nline2\",plain,\r\n"
            ",,\r\n");
}

TEST(LocalLog, EmptyCsvHasEmptyHeader) {
  LocalLog log;
  std::ostringstream out;
  log.export_csv(out);
  EXPECT_EQ(out.str(), "\r\n");
  std::ostringstream cols;
  log.export_csv(cols, {"time", "event"});
  EXPECT_EQ(cols.str(), "time,event\r\n");
}

TEST(LocalLog, ConcurrentAppendAndRead) {
  LocalLog log(1000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&log, t] {
      for (int i = 0; i < 2000; ++i) log.append(json{{"n", i}, {"thread", std::to_string(t)}});
    });
  threads.emplace_back([&log] {
    for (int i = 0; i < 200; ++i) {
      auto v = log.last(50, {{"thread", "1"}});
      EXPECT_LE(v.size(), 50u);
      std::ostringstream out;
      log.export_csv(out);
    }
  });
  for (auto& th : threads) th.join();
  EXPECT_EQ(log.size(), 1000u);
  EXPECT_EQ(log.appended(), 8000u);
  EXPECT_EQ(log.dropped(), 7000u);
  // Each thread's records stay in its own order.
  auto v = log.last(1000, {{"thread", "2"}});
  for (size_t i = 1; i < v.size(); ++i)
    EXPECT_LT(v[i - 1].at("n").get<int>(), v[i].at("n").get<int>());
}

}  // namespace
}  // namespace pw::mgmt
