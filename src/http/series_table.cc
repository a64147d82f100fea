#include "http/series_table.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <prometheus/check_names.h>

namespace dnsprop {

namespace {

// HELP text: the exposition format escapes backslash and newline (not quotes).
void appendEscapedHelp(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

SeriesTable::Labels sortedByName(SeriesTable::Labels labels) {
  std::sort(labels.begin(), labels.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return labels;
}

void checkLabelNames(const SeriesTable::Labels& sorted, const SeriesTable::Labels& constant) {
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const auto& name = sorted[i].first;
    if (!prometheus::CheckLabelName(name)) throw std::invalid_argument("invalid label name: " + name);
    if (i > 0 && sorted[i - 1].first == name) throw std::invalid_argument("label name used twice: " + name);
    for (const auto& c : constant) {
      if (c.first == name) throw std::invalid_argument("label name is also a constant label: " + name);
    }
  }
}

}  // namespace

void SeriesTable::appendEscapedLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

void SeriesTable::appendValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value < 0 ? "-Inf" : "+Inf";
  } else {
    // fmt's "{}": the shortest form that reads back as the same double, in %g style
    // (exponent below 1e-4 and from 1e16). prometheus-cpp 1.0 (Debian) prints "%.16g",
    // which gives the same text whenever 16 digits round-trip and loses the 17th
    // otherwise. At most 24 characters ("-2.2250738585072014e-308").
    std::array<char, 32> buf;
    const auto end = fmt::format_to(buf.data(), "{}", value);
    out.append(buf.data(), end);
  }
}

SeriesTable::FamilyId SeriesTable::addGaugeFamily(const std::string& name, const std::string& help,
                                                  const Labels& constant_labels) {
  if (!prometheus::CheckMetricName(name)) throw std::invalid_argument("invalid metric name: " + name);
  auto family = std::make_unique<Family>();
  family->name = name;
  family->constant_labels = sortedByName(constant_labels);
  checkLabelNames(family->constant_labels, {});
  family->header = "# HELP " + name + " ";
  appendEscapedHelp(family->header, help);
  family->header += "\n# TYPE " + name + " gauge\n";
  std::lock_guard lock(mutex_);
  families_.push_back(std::move(family));
  return static_cast<FamilyId>(families_.size() - 1);
}

std::string SeriesTable::buildPrefix(const Family& family, const Labels& labels) const {
  const Labels sorted = sortedByName(labels);
  checkLabelNames(sorted, family.constant_labels);
  std::string prefix = family.name;
  if (!family.constant_labels.empty() || !sorted.empty()) {
    char sep = '{';
    for (const Labels* group : {&family.constant_labels, &sorted}) {
      for (const auto& [k, v] : *group) {
        prefix += sep;
        prefix += k;
        prefix += "=\"";
        appendEscapedLabelValue(prefix, v);
        prefix += '"';
        sep = ',';
      }
    }
    prefix += '}';
  }
  prefix += ' ';
  return prefix;
}

SeriesTable::SeriesRef SeriesTable::findOrCreate(FamilyId id, const Labels& labels) {
  if (id >= families_.size()) throw std::invalid_argument("unknown series family");
  Family& family = *families_[id];
  std::string prefix = buildPrefix(family, labels);
  auto it = family.index.find(prefix);
  if (it != family.index.end()) return {id, it->second, family.slots[it->second].generation};
  std::uint32_t slot;
  if (!family.free_slots.empty()) {
    slot = family.free_slots.back();
    family.free_slots.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(family.slots.size());
    family.slots.emplace_back();
  }
  // unordered_map nodes never move, so the slot may keep a pointer to the key.
  auto [pos, inserted] = family.index.emplace(std::move(prefix), slot);
  (void)inserted;
  Slot& s = family.slots[slot];
  s.prefix = &pos->first;
  family.prefix_bytes += s.prefix->size();
  s.value = 0;
  s.round_managed = false;
  s.round = 0;
  ++live_;
  return {id, slot, s.generation};
}

SeriesTable::Slot* SeriesTable::live(SeriesRef ref) {
  if (ref.family >= families_.size()) return nullptr;
  Family& family = *families_[ref.family];
  if (ref.slot >= family.slots.size()) return nullptr;
  Slot& s = family.slots[ref.slot];
  if (s.prefix == nullptr || s.generation != ref.generation) return nullptr;
  return &s;
}

void SeriesTable::removeSlot(Family& family, std::uint32_t slot) {
  Slot& s = family.slots[slot];
  family.prefix_bytes -= s.prefix->size();
  family.index.erase(*s.prefix);
  s.prefix = nullptr;
  ++s.generation;
  if (s.generation == 0) s.generation = 1;  // 0 is never valid
  family.free_slots.push_back(slot);
  --live_;
}

SeriesTable::SeriesRef SeriesTable::series(FamilyId family, const Labels& labels) {
  std::lock_guard lock(mutex_);
  return findOrCreate(family, labels);
}

bool SeriesTable::set(SeriesRef ref, double value) {
  std::lock_guard lock(mutex_);
  Slot* s = live(ref);
  if (s == nullptr) return false;
  s->value = value;
  return true;
}

bool SeriesTable::remove(SeriesRef ref) {
  std::lock_guard lock(mutex_);
  if (live(ref) == nullptr) return false;
  removeSlot(*families_[ref.family], ref.slot);
  return true;
}

void SeriesTable::beginRound() {
  std::lock_guard lock(mutex_);
  ++round_;
}

SeriesTable::SeriesRef SeriesTable::set(FamilyId family, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  const SeriesRef ref = findOrCreate(family, labels);
  Slot& s = families_[family]->slots[ref.slot];
  s.value = value;
  s.round_managed = true;
  s.round = round_;
  return ref;
}

std::size_t SeriesTable::endRound() {
  std::lock_guard lock(mutex_);
  std::size_t removed = 0;
  for (auto& family : families_) {
    for (std::uint32_t i = 0; i < family->slots.size(); ++i) {
      const Slot& s = family->slots[i];
      if (s.prefix != nullptr && s.round_managed && s.round != round_) {
        removeSlot(*family, i);
        ++removed;
      }
    }
  }
  return removed;
}

void SeriesTable::render(std::string& out) const {
  std::lock_guard lock(mutex_);
  for (const auto& family : families_) {
    if (family->index.empty()) continue;
    // Reserve once per family: prefixes dominate; 24 bytes covers any value and newline.
    out.reserve(out.size() + family->header.size() + family->prefix_bytes + 24 * family->index.size());
    out += family->header;
    for (const Slot& s : family->slots) {
      if (s.prefix == nullptr) continue;
      out += *s.prefix;
      appendValue(out, s.value);
      out += '\n';
    }
  }
}

std::string SeriesTable::render() const {
  std::string out;
  render(out);
  return out;
}

std::size_t SeriesTable::size() const {
  std::lock_guard lock(mutex_);
  return live_;
}

}  // namespace dnsprop
