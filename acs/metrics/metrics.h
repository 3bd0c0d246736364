// Prometheus metrics in the text exposition format (version 0.0.4). Counters and gauges are
// lock-free atomics; label sets are fixed when a metric is created (no per-request label strings).
// Thread-safe. Names follow Prometheus conventions: ruru_<what>_<unit>[_total].
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace ruru::acs::metrics {

class Counter {
 public:
  void Inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void Add(int64_t n) { v_.fetch_add(n, std::memory_order_relaxed); }
  void Set(int64_t n) { v_.store(n, std::memory_order_relaxed); }
  int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

// Cumulative buckets with fixed upper bounds (+Inf implied).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  std::vector<uint64_t> Buckets() const;  // per bound, then +Inf; not cumulative
  double sum() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micro_{0};  // sum in millionths, so it can be atomic
};

using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
 public:
  // Returns the metric for (name, labels), creating it on first use. The reference stays valid for
  // the registry's life. `help` is taken from the first call for a name.
  Counter& GetCounter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& GetGauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& GetHistogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                          const Labels& labels = {});
  // A value computed when scraped (e.g. from another component's stats).
  void AddCallbackGauge(const std::string& name, const std::string& help, std::function<double()> read,
                        const Labels& labels = {});
  void AddCallbackCounter(const std::string& name, const std::string& help, std::function<double()> read,
                          const Labels& labels = {});

  // Text appended verbatim to Render() (complete families, e.g. histograms another component keeps).
  void AddCollector(std::function<std::string()> render);

  // The whole registry in the Prometheus text format.
  std::string Render() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> callback;
  };
  struct Family {
    std::string name, help;
    Kind kind;
    std::vector<std::unique_ptr<Series>> series;
  };
  Family& FamilyFor(const std::string& name, const std::string& help, Kind kind);
  Series* Find(Family& f, const Labels& labels);

  std::vector<std::function<std::string()>> collectors_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
};

}  // namespace ruru::acs::metrics
