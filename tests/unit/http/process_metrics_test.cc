#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>

#include "http/process_metrics.h"

using namespace dnsprop;

BOOST_AUTO_TEST_SUITE(process_metrics)

// A real /proc/self/stat line, with a command name made hostile: spaces and ')'.
constexpr const char* kStat =
    "4242 (dns prop) (x)) S 1 4242 4242 0 -1 4194560 1234 0 5 0 "
    "150 25 0 0 20 0 6 0 987654 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 "
    "4096 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

BOOST_AUTO_TEST_CASE(parses_fields_after_the_last_parenthesis) {
  auto s = parseProcStat(kStat);
  BOOST_REQUIRE(s.has_value());
  BOOST_TEST(s->utime_ticks == 150u);
  BOOST_TEST(s->stime_ticks == 25u);
  BOOST_TEST(s->start_ticks == 987654u);
  BOOST_TEST(s->vsize_bytes == 123456789u);
  BOOST_TEST(s->rss_pages == 2048);
}

BOOST_AUTO_TEST_CASE(rejects_truncated_or_garbled_stat) {
  BOOST_TEST(!parseProcStat("").has_value());
  BOOST_TEST(!parseProcStat("4242 (dnsprop S 1 2 3").has_value());
  BOOST_TEST(!parseProcStat("4242 (dnsprop) S 1 4242 4242 0 -1 4194560 1234 0 5 0 150").has_value());
  std::string garbled = kStat;
  garbled.replace(garbled.find(" 150 "), 5, " x50 ");
  BOOST_TEST(!parseProcStat(garbled).has_value());
}

BOOST_AUTO_TEST_CASE(reads_boot_time_line) {
  BOOST_TEST(parseBootTime("cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n").value() ==
             1700000000LL);
  BOOST_TEST(!parseBootTime("cpu 1 2 3\n").has_value());
  BOOST_TEST(!parseBootTime("btime soon\n").has_value());
}

BOOST_AUTO_TEST_CASE(collects_all_six_standard_families_from_this_process) {
  const auto families = ProcessCollector().Collect();
  for (const char* name :
       {"process_cpu_seconds_total", "process_resident_memory_bytes",
        "process_virtual_memory_bytes", "process_start_time_seconds", "process_open_fds",
        "process_max_fds"}) {
    BOOST_TEST_INFO("family " << name);
    auto it = std::find_if(families.begin(), families.end(),
                           [&](const auto& f) { return f.name == name; });
    BOOST_REQUIRE(it != families.end());
    BOOST_REQUIRE(it->metric.size() == 1u);
    BOOST_TEST(!it->help.empty());
  }
  auto value = [&](const char* name) {
    auto it = std::find_if(families.begin(), families.end(),
                           [&](const auto& f) { return f.name == name; });
    return it->type == prometheus::MetricType::Counter ? it->metric[0].counter.value
                                                        : it->metric[0].gauge.value;
  };
  BOOST_TEST(value("process_resident_memory_bytes") > 0.0);
  BOOST_TEST(value("process_virtual_memory_bytes") >= value("process_resident_memory_bytes"));
  BOOST_TEST(value("process_open_fds") >= 3.0);  // stdin, stdout, stderr at least
  BOOST_TEST(value("process_start_time_seconds") > 1.5e9);  // after 2017
}

BOOST_AUTO_TEST_SUITE_END()
