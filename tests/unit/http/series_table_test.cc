#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "http/series_table.h"

using namespace dnsprop;

BOOST_AUTO_TEST_SUITE(series_table)

namespace {

// The lines of an exposition text, sorted: series order within a family is unspecified
// in both renderers. prometheus-cpp 1.0 spells NaN "Nan"; we write "NaN" (the spelling
// of the exposition format docs; Prometheus parses both), so that is normalised.
std::vector<std::string> sortedLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() >= 4 && line.compare(line.size() - 4, 4, " Nan") == 0) line.replace(line.size() - 3, 3, "NaN");
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

struct Sample {
  std::map<std::string, std::string> labels;
  double value;
};

const std::vector<Sample>& samples() {
  static const std::vector<Sample> s = {
      {{{"resolver", "dns.google"}, {"domain", "shop.example.jp"}, {"state", "new"}}, 1},
      {{{"resolver", "quote\"d"}, {"domain", "back\\slash"}, {"state", "new\nline"}}, 0},
      {{{"resolver", "utf8 \xe6\x9d\xb1\xe4\xba\xac"}, {"domain", ""}, {"state", "old"}}, kNaN},
      {{{"resolver", "r4"}, {"domain", "d"}, {"state", "s"}}, kInf},
      {{{"resolver", "r5"}, {"domain", "d"}, {"state", "s"}}, -kInf},
      {{{"resolver", "r6"}, {"domain", "d"}, {"state", "s"}}, 0.1},
      {{{"resolver", "r7"}, {"domain", "d"}, {"state", "s"}}, 1800000000.5},
      {{{"resolver", "r8"}, {"domain", "d"}, {"state", "s"}}, 1e300},
      {{{"resolver", "r9"}, {"domain", "d"}, {"state", "s"}}, -2.5e-7},
      {{{"resolver", "r10"}, {"domain", "d"}, {"state", "s"}}, 1e16},
      {{{"resolver", "r11"}, {"domain", "d"}, {"state", "s"}}, 0.00001},
      {{{"resolver", "r12"}, {"domain", "d"}, {"state", "s"}}, -0.0},
  };
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(renders_the_same_lines_as_prometheus_cpp) {
  // Stock: a registry with a constant label, as the Monitor builds its families.
  prometheus::Registry registry;
  auto& family = prometheus::BuildGauge()
                     .Name("dnsprop_resolver_state")
                     .Help("Class of the resolver's last answer.")
                     .Labels({{"vantage", "tokyo \"1\""}})
                     .Register(registry);
  auto& plain = prometheus::BuildGauge().Name("dnsprop_plain").Help("No labels.").Register(registry);
  plain.Add({}).Set(42);
  SeriesTable table;
  const auto f = table.addGaugeFamily("dnsprop_resolver_state", "Class of the resolver's last answer.",
                                      {{"vantage", "tokyo \"1\""}});
  const auto p = table.addGaugeFamily("dnsprop_plain", "No labels.");
  table.set(p, {}, 42);
  for (const auto& s : samples()) {
    family.Add(s.labels).Set(s.value);
    // Labels given in reverse order: the table sorts them as prometheus-cpp's std::map does.
    SeriesTable::Labels labels(s.labels.rbegin(), s.labels.rend());
    table.set(f, labels, s.value);
  }
  const std::string stock = prometheus::TextSerializer().Serialize(registry.Collect());
  const std::string ours = table.render();
  BOOST_TEST(sortedLines(ours) == sortedLines(stock), "ours:\n" << ours << "\nstock:\n" << stock);
  // And the escapes are the exposition format's, spelled out.
  BOOST_TEST(contains(ours, R"(dnsprop_resolver_state{vantage="tokyo \"1\"",domain="back\\slash",)"
                            R"(resolver="quote\"d",state="new\nline"} 0)"),
             ours);
  BOOST_TEST(contains(ours, "\"} NaN\n"), ours);
  BOOST_TEST(contains(ours, "\"} +Inf\n"), ours);
  BOOST_TEST(contains(ours, "\"} -Inf\n"), ours);
  BOOST_TEST(contains(ours, "dnsprop_plain 42\n"), ours);
  BOOST_TEST(contains(ours, "# TYPE dnsprop_resolver_state gauge\n"), ours);
}

BOOST_AUTO_TEST_CASE(families_render_in_order_with_header_first_and_empty_ones_omitted) {
  SeriesTable table;
  const auto a = table.addGaugeFamily("a_metric", "First.");
  table.addGaugeFamily("empty_metric", "Never gets a series.");
  const auto b = table.addGaugeFamily("b_metric", "Second.");
  table.set(b, {{"k", "v"}}, 2);
  table.set(a, {{"k", "v"}}, 1);
  BOOST_TEST(table.render() ==
             "# HELP a_metric First.\n# TYPE a_metric gauge\na_metric{k=\"v\"} 1\n"
             "# HELP b_metric Second.\n# TYPE b_metric gauge\nb_metric{k=\"v\"} 2\n");
}

BOOST_AUTO_TEST_CASE(help_text_escapes_backslash_and_newline) {
  SeriesTable table;
  const auto f = table.addGaugeFamily("m", "a \\ b\nc \"q\"");
  table.set(f, {}, 1);
  BOOST_TEST(contains(table.render(), "# HELP m a \\\\ b\\nc \"q\"\n"), table.render());
}

BOOST_AUTO_TEST_CASE(render_appends_to_what_is_already_there) {
  SeriesTable table;
  table.set(table.addGaugeFamily("m", "h"), {}, 3);
  std::string out = "# earlier text\n";
  table.render(out);
  BOOST_TEST(out == "# earlier text\n# HELP m h\n# TYPE m gauge\nm 3\n");
}

BOOST_AUTO_TEST_CASE(round_sweep_removes_series_the_last_round_did_not_set) {
  SeriesTable table;
  const auto f = table.addGaugeFamily("m", "h");
  const auto fixed = table.series(f, {{"k", "fixed"}});  // never set through a round
  table.set(fixed, 7);
  table.beginRound();
  table.set(f, {{"k", "a"}}, 1);
  table.set(f, {{"k", "b"}}, 2);
  BOOST_TEST(table.endRound() == 0u);
  BOOST_TEST(table.size() == 3u);

  table.beginRound();
  const auto a = table.set(f, {{"k", "a"}}, 10);  // b dropped from the plan
  BOOST_TEST(table.endRound() == 1u);
  const std::string text = table.render();
  BOOST_TEST(contains(text, "m{k=\"a\"} 10\n"), text);
  BOOST_TEST(!contains(text, "k=\"b\""), text);
  BOOST_TEST(contains(text, "m{k=\"fixed\"} 7\n"), text);
  BOOST_TEST(table.size() == 2u);

  // An empty round sweeps every round-managed series, and only those.
  table.beginRound();
  BOOST_TEST(table.endRound() == 1u);
  BOOST_TEST(!table.set(a, 5));  // a stale reference is a no-op
  BOOST_TEST(table.render() == "# HELP m h\n# TYPE m gauge\nm{k=\"fixed\"} 7\n");
}

BOOST_AUTO_TEST_CASE(removed_series_leave_stale_references_harmless_and_slots_reused) {
  SeriesTable table;
  const auto f = table.addGaugeFamily("m", "h");
  const auto x = table.series(f, {{"k", "x"}});
  BOOST_TEST(table.set(x, 1));
  BOOST_TEST(table.remove(x));
  BOOST_TEST(!table.remove(x));
  BOOST_TEST(table.size() == 0u);
  BOOST_TEST(table.render().empty());
  const auto y = table.series(f, {{"k", "y"}});  // reuses the slot with a new generation
  BOOST_TEST(!table.set(x, 99));
  BOOST_TEST(table.set(y, 2));
  BOOST_TEST(table.render() == "# HELP m h\n# TYPE m gauge\nm{k=\"y\"} 2\n");
  // Asking again for the same labels finds the same series.
  const auto y2 = table.series(f, {{"k", "y"}});
  BOOST_TEST((y2.slot == y.slot && y2.generation == y.generation));
  BOOST_TEST(table.size() == 1u);
}

BOOST_AUTO_TEST_CASE(invalid_names_and_duplicate_labels_throw) {
  SeriesTable table;
  BOOST_CHECK_THROW(table.addGaugeFamily("1bad", "h"), std::invalid_argument);
  BOOST_CHECK_THROW(table.addGaugeFamily("m", "h", {{"bad-label", "v"}}), std::invalid_argument);
  const auto f = table.addGaugeFamily("m", "h", {{"vantage", "v"}});
  BOOST_CHECK_THROW(table.set(f, {{"vantage", "again"}}, 1), std::invalid_argument);
  BOOST_CHECK_THROW(table.set(f, {{"k", "1"}, {"k", "2"}}, 1), std::invalid_argument);
  BOOST_CHECK_THROW(table.set(f, {{"__reserved", "1"}}, 1), std::invalid_argument);
  BOOST_CHECK_THROW(table.series(f + 1, {}), std::invalid_argument);
  BOOST_TEST(table.size() == 0u);
}

BOOST_AUTO_TEST_CASE(values_use_the_shortest_round_trip_form) {
  std::string out;
  // The last two need 17 digits: prometheus-cpp's "%.16g" would print
  // 1.234567890123457e+17 and 4.940656458412465e-324, which read back differently.
  for (double v : {0.0, 1.0, -0.5, 0.1, 1e15, 1e21, 1800000000.0, 0.0001, 123456789012345678.0, 5e-324}) {
    SeriesTable::appendValue(out, v);
    out += ' ';
  }
  BOOST_TEST(out == "0 1 -0.5 0.1 1000000000000000 1e+21 1800000000 0.0001 1.2345678901234568e+17 5e-324 ");
}

BOOST_AUTO_TEST_CASE(concurrent_renders_see_whole_lines_while_the_loop_writes) {
  SeriesTable table;
  const auto f = table.addGaugeFamily("m", "h");
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!stop.load()) {
      const std::string text = table.render();
      if (!text.empty() && (text.back() != '\n' || text.rfind("# HELP m h\n# TYPE m gauge\n", 0) != 0)) ++bad;
    }
  });
  for (int round = 0; round < 200; ++round) {
    table.beginRound();
    for (int i = 0; i < 50; ++i) {
      if ((i + round) % 3 != 0) table.set(f, {{"i", std::to_string(i)}}, round);
    }
    table.endRound();
  }
  stop = true;
  reader.join();
  BOOST_TEST(bad.load() == 0);
  BOOST_TEST(table.size() == 34u);  // the last round's set (i % 3 != 2)
}

BOOST_AUTO_TEST_SUITE_END()
