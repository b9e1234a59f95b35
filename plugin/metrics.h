// SPDX-License-Identifier: Apache-2.0
// Process metrics (counters, gauges, histograms with labels) rendered in the Prometheus
// text exposition format 0.0.4. Thread-safe; cheap enough for per-stanza use.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vapush {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  enum class Type { Counter, Gauge, Histogram };
  // Declares a metric family (HELP/TYPE lines); undeclared names are untyped counters.
  void describe(const std::string& name, Type type, const std::string& help,
                std::vector<double> buckets = {});
  void inc(const std::string& name, const Labels& labels = {}, double by = 1);
  void set(const std::string& name, const Labels& labels, double value);
  void observe(const std::string& name, const Labels& labels, double value);
  double value(const std::string& name, const Labels& labels = {}) const;  // tests
  std::string render() const;

 private:
  struct Series {
    double value = 0;    // counter/gauge; histogram sum
    uint64_t count = 0;  // histogram
    std::vector<uint64_t> bucket_counts;
  };
  struct Family {
    Type type = Type::Counter;
    std::string help;
    std::vector<double> buckets;
    std::map<Labels, Series> series;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

// The daemon's registry, with vapush's metric families declared.
Metrics& metrics();

}  // namespace vapush
