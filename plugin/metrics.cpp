// SPDX-License-Identifier: Apache-2.0
// Metrics registry and Prometheus text rendering.
#include "plugin/metrics.h"

#include <cmath>
#include <sstream>

namespace vapush {
namespace {

std::string escapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string labelText(const Labels& labels, const std::string& extra_name = {},
                      const std::string& extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return {};
  std::string s = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    s += (first ? "" : ",") + k + "=\"" + escapeLabel(v) + "\"";
    first = false;
  }
  if (!extra_name.empty()) s += (first ? "" : ",") + extra_name + "=\"" + extra_value + "\"";
  return s + "}";
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::ostringstream os;
  os.precision(15);
  os << v;
  return os.str();
}

}  // namespace

void Metrics::describe(const std::string& name, Type type, const std::string& help,
                       std::vector<double> buckets) {
  std::lock_guard<std::mutex> lock(mutex_);
  Family& f = families_[name];
  f.type = type;
  f.help = help;
  f.buckets = std::move(buckets);
}

void Metrics::inc(const std::string& name, const Labels& labels, double by) {
  std::lock_guard<std::mutex> lock(mutex_);
  families_[name].series[labels].value += by;
}

void Metrics::set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard<std::mutex> lock(mutex_);
  families_[name].series[labels].value = value;
}

void Metrics::observe(const std::string& name, const Labels& labels, double value) {
  std::lock_guard<std::mutex> lock(mutex_);
  Family& f = families_[name];
  Series& s = f.series[labels];
  if (s.bucket_counts.size() != f.buckets.size()) s.bucket_counts.assign(f.buckets.size(), 0);
  for (size_t i = 0; i < f.buckets.size(); ++i) {
    if (value <= f.buckets[i]) ++s.bucket_counts[i];
  }
  s.value += value;
  ++s.count;
}

double Metrics::value(const std::string& name, const Labels& labels) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto f = families_.find(name);
  if (f == families_.end()) return 0;
  auto s = f->second.series.find(labels);
  if (s == f->second.series.end()) return 0;
  return f->second.type == Type::Histogram ? static_cast<double>(s->second.count) : s->second.value;
}

std::string Metrics::render() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + " " +
           (f.type == Type::Counter ? "counter"
            : f.type == Type::Gauge ? "gauge"
                                    : "histogram") +
           "\n";
    for (const auto& [labels, s] : f.series) {
      if (f.type != Type::Histogram) {
        out += name + labelText(labels) + " " + number(s.value) + "\n";
        continue;
      }
      for (size_t i = 0; i < f.buckets.size(); ++i) {
        const uint64_t c = i < s.bucket_counts.size() ? s.bucket_counts[i] : 0;
        out += name + "_bucket" + labelText(labels, "le", number(f.buckets[i])) + " " +
               std::to_string(c) + "\n";
      }
      out +=
          name + "_bucket" + labelText(labels, "le", "+Inf") + " " + std::to_string(s.count) + "\n";
      out += name + "_sum" + labelText(labels) + " " + number(s.value) + "\n";
      out += name + "_count" + labelText(labels) + " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

Metrics& metrics() {
  static Metrics* m = [] {
    auto* r = new Metrics;
    using T = Metrics::Type;
    r->describe("vapush_publishes_total", T::Counter, "XEP-0357 publishes by result.");
    r->describe("vapush_stanzas_dropped_total", T::Counter,
                "Stanzas from the server skipped unread, by reason (too_large).");
    r->describe("vapush_publish_parts_dropped_total", T::Counter,
                "Unreadable optional parts left out of accepted publishes, by part.");
    r->describe("vapush_presences_total", T::Counter, "Presences received.");
    r->describe("vapush_xmpp_connected", T::Gauge, "1 when the component link is up.");
    r->describe("vapush_unread_backlog", T::Gauge, "Unread messages not yet notified.");
    r->describe("vapush_unread_dropped_total", T::Counter,
                "Oldest unread messages dropped at limits.max_unread_per_user.");
    r->describe("vapush_tick_duration_seconds", T::Histogram, "Batch tick duration.",
                {0.001, 0.01, 0.1, 0.5, 1, 5, 30});
    r->describe("vapush_tick_rows_total", T::Counter, "Notification rows written by ticks.");
    r->describe("vapush_tick_pushes_total", T::Counter, "Pushes planned by ticks.");
    r->describe("vapush_pushes_total", T::Counter, "Delivery attempts by provider, app, result.");
    r->describe("vapush_provider_latency_seconds", T::Histogram, "Provider answer latency.",
                {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
    r->describe("vapush_retries_total", T::Counter, "Deliveries scheduled for another try.");
    r->describe("vapush_devices_disabled_total", T::Counter, "Devices disabled (dead tokens).");
    r->describe("vapush_app_held", T::Gauge,
                "1 while an app's pushes are held (configuration error or invalid-token "
                "breaker; see /healthz and the app.held log line).");
    r->describe("vapush_app_holds_total", T::Counter, "Holds started, by app and cause.");
    r->describe("vapush_pushes_held_total", T::Counter, "Due pushes kept back by a hold.");
    r->describe("vapush_commands_total", T::Counter, "Ad-hoc commands by node and result.");
    r->describe("vapush_read_marks_total", T::Counter,
                "Users or conversations whose messages became read, by signal.");
    r->describe("vapush_presence_resources", T::Gauge, "Resources the presence tracker holds.");
    r->describe("vapush_forwarded_dropped_total", T::Counter,
                "Forwarded copies or read marks dropped while the database refused writes.");
    r->describe("vapush_presence_evicted_resources", T::Gauge,
                "Resources forgotten since start because of the per-user cap.");
    return r;
  }();
  return *m;
}

}  // namespace vapush
