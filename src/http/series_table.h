// A table of gauge series rendered straight to Prometheus text (format 0.0.4), for the
// large per-resolver families (dnsprop_resolver_state has domains x names x types x
// resolvers x 7 states series: about 100k for 1,400 resolvers).
//
// Why not prometheus-cpp for these: its Registry::Collect() copies every series into
// MetricFamily/ClientMetric structs (label names and values as separate strings) and
// TextSerializer then re-escapes and re-joins them through an ostream on every scrape.
// Here each series' text up to the value, `name{k="v",...} `, is built and escaped once,
// when the series is created; a scrape only appends that prefix and the formatted value.
// docs/PERFORMANCE.md ("/metrics with 100k series") has the numbers.
//
// Output (render): per family with at least one series, `# HELP`, `# TYPE name gauge`,
// then one line per series. Label order is the one prometheus-cpp produces: the family's
// constant labels, then the series' labels, each group sorted by name. Label values are
// escaped as the exposition format says (\ -> \\, " -> \", newline -> \n), as is HELP
// text (\ and newline). Values are the shortest text that reads back as the same double
// (fmt "{}": the same as prometheus-cpp's "%.16g" whenever 16 digits suffice, one more
// digit where they do not), NaN as `NaN`, infinities as `+Inf`/`-Inf` (prometheus-cpp
// writes `Nan`; Prometheus parses either). Series within a family come in no particular
// order (as with prometheus-cpp).
//
// Lifecycle: series are created on first use and live until removed, either explicitly
// (remove) or by the round sweep the Monitor uses for per-plan series: beginRound();
// set(family, labels, v) for every series the current plan has; endRound() removes the
// series that an earlier round set but this one did not (a resolver or name a reload
// dropped), so they disappear instead of freezing. Series never set through a round
// (only through a SeriesRef) are not swept.
//
// Ownership: the table owns its families and series. A SeriesRef is a plain value
// (family, slot, generation): it never dangles; using one whose series was removed is a
// harmless no-op (set returns false).
//
// Thread-safety: every public method is thread-safe. One mutex guards the table; render()
// holds it for the whole rendering (a few ms at 100k series), so a writer (the event
// loop) waits at most that long, and a scrape always sees a consistent table: no
// half-applied set, and between beginRound and endRound a mix of this round's and the
// last round's values (the same as prometheus-cpp gauges give). Writers take the mutex
// per call, so a scrape never waits for a whole round.
//
// Throws: addGaugeFamily and the creating calls (series, set with labels) throw
// std::invalid_argument for an invalid metric or label name, a label name used twice
// (constant labels included), or an unknown family id: programming errors a test that
// builds the table catches, as prometheus-cpp's Family::Add does. Nothing else throws
// except std::bad_alloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace dnsprop {

class SeriesTable {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;  // any order
  using FamilyId = std::uint32_t;
  struct SeriesRef {
    FamilyId family = 0;
    std::uint32_t slot = 0;
    std::uint32_t generation = 0;  // 0: never a valid series
  };

  SeriesTable() = default;
  SeriesTable(const SeriesTable&) = delete;
  SeriesTable& operator=(const SeriesTable&) = delete;

  // Registers a gauge family; `constant_labels` go on every series (e.g. vantage).
  // Families render in the order they were added.
  FamilyId addGaugeFamily(const std::string& name, const std::string& help, const Labels& constant_labels = {});

  // The series of `family` with `labels`, created (value 0) if missing. Not marked for
  // the current round.
  SeriesRef series(FamilyId family, const Labels& labels);
  // Sets the value of a live series; false (and nothing changes) if it was removed.
  bool set(SeriesRef ref, double value);
  // Removes the series; false if it was already gone.
  bool remove(SeriesRef ref);

  // The round lifecycle (see the header comment).
  void beginRound();
  // Creates the series if missing, sets it and marks it as set by this round.
  SeriesRef set(FamilyId family, const Labels& labels, double value);
  // Removes every series an earlier round set that this round did not; returns how many.
  std::size_t endRound();

  // Appends the exposition text of every family with series to `out`.
  void render(std::string& out) const;
  std::string render() const;

  // Live series, all families.
  std::size_t size() const;

  // Exposed for tests and for callers that build text themselves.
  static void appendEscapedLabelValue(std::string& out, std::string_view value);
  static void appendValue(std::string& out, double value);

 private:
  struct Slot {
    const std::string* prefix = nullptr;  // the key in Family::index; null: free slot
    double value = 0;
    std::uint32_t generation = 1;
    bool round_managed = false;  // set through set(family, labels, value) at least once
    std::uint64_t round = 0;     // the round that last set it
  };
  struct Family {
    std::string header;  // "# HELP ...\n# TYPE ... gauge\n"
    std::string name;
    Labels constant_labels;  // sorted by name
    std::vector<Slot> slots;
    std::vector<std::uint32_t> free_slots;
    std::unordered_map<std::string, std::uint32_t> index;  // prefix -> slot
    std::size_t prefix_bytes = 0;  // sum of the live prefixes' sizes (render reserves)
  };

  // Both need mutex_ held.
  std::string buildPrefix(const Family& family, const Labels& labels) const;
  SeriesRef findOrCreate(FamilyId family, const Labels& labels);
  Slot* live(SeriesRef ref);
  void removeSlot(Family& family, std::uint32_t slot);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Family>> families_;  // stable: slots point into index
  std::uint64_t round_ = 0;  // current round number; 0 before the first beginRound
  std::size_t live_ = 0;
};

}  // namespace dnsprop
