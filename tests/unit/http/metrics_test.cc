#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

#include <prometheus/text_serializer.h>

#include "dnsprop/build_info.h"
#include "http/metrics.h"

using namespace dnsprop;

BOOST_AUTO_TEST_SUITE(core_metrics)

namespace {
std::string render(const CoreMetrics& m) {
  return prometheus::TextSerializer().Serialize(m.registry()->Collect());
}
bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}
}  // namespace

BOOST_AUTO_TEST_CASE(build_info_carries_version_revision_compiler) {
  CoreMetrics m;
  const auto text = render(m);
  BOOST_TEST(contains(text, std::string("version=\"") + build::kVersion + "\""), text);
  BOOST_TEST(contains(text, std::string("revision=\"") + build::kRevision + "\""), text);
  BOOST_TEST(contains(text, std::string("compiler=\"") + build::kCompiler + "\""), text);
  BOOST_TEST(contains(text, "# TYPE dnsprop_build_info gauge"), text);
}

BOOST_AUTO_TEST_CASE(web_info_carries_the_external_url_and_replaces_it) {
  CoreMetrics m("tokyo");
  m.setExternalUrl("http://mon1:10153");
  auto text = render(m);
  BOOST_TEST(contains(text, "dnsprop_web_info{vantage=\"tokyo\",external_url=\"http://mon1:10153\"} 1\n"), text);
  m.setExternalUrl("https://dnsprop.example.jp");
  text = render(m);
  BOOST_TEST(contains(text, "external_url=\"https://dnsprop.example.jp\"} 1\n"), text);
  BOOST_TEST(!contains(text, "mon1"), text);  // one series, never two
}

BOOST_AUTO_TEST_CASE(reload_result_sets_gauge_and_keeps_last_success_time) {
  CoreMetrics m;
  BOOST_TEST(contains(render(m), "dnsprop_config_last_reload_successful 0\n"));
  m.setReloadResult(true, WallTime(std::chrono::seconds(1'800'000'000)));
  auto text = render(m);
  BOOST_TEST(contains(text, "dnsprop_config_last_reload_successful 1\n"), text);
  BOOST_TEST(contains(text, "dnsprop_config_last_reload_success_timestamp_seconds 1800000000\n"),
             text);
  m.setReloadResult(false, WallTime(std::chrono::seconds(1'800'000'600)));
  text = render(m);
  BOOST_TEST(contains(text, "dnsprop_config_last_reload_successful 0\n"), text);
  BOOST_TEST(contains(text, "dnsprop_config_last_reload_success_timestamp_seconds 1800000000\n"),
             text);
}

BOOST_AUTO_TEST_CASE(internal_errors_count_directly_and_through_the_hook) {
  auto hook = [] {
    CoreMetrics m;
    m.internalError();
    auto h = m.internalErrorHook();
    h();
    BOOST_TEST(contains(render(m), "dnsprop_internal_errors_total 2\n"));
    return std::pair{h, m.registry()};
  }();
  // The hook stays valid after CoreMetrics is gone (it shares the registry).
  hook.first();
  const auto text = prometheus::TextSerializer().Serialize(hook.second->Collect());
  BOOST_TEST(contains(text, "dnsprop_internal_errors_total 3\n"), text);
  BOOST_TEST(contains(text, "# TYPE dnsprop_internal_errors_total counter"), text);
}

BOOST_AUTO_TEST_SUITE_END()
