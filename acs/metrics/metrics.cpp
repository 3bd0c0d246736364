#include "acs/metrics/metrics.h"

#include <cmath>
#include <cstdio>

namespace ruru::acs::metrics {
namespace {

std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string LabelText(const Labels& labels, const std::string& extra_key = "", const std::string& extra_value = "") {
  if (labels.empty() && extra_key.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ",";
    out += k + "=\"" + Escape(v) + "\"";
    first = false;
  }
  if (!extra_key.empty()) {
    if (!first) out += ",";
    out += extra_key + "=\"" + extra_value + "\"";
  }
  return out + "}";
}

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.6g", v);
  }
  return buf;
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<uint64_t>(std::max(0.0, v) * 1e6), std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::Buckets() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i <= bounds_.size(); ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

double Histogram::sum() const { return static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6; }

MetricsRegistry::Family& MetricsRegistry::FamilyFor(const std::string& name, const std::string& help, Kind kind) {
  for (auto& f : families_) {
    if (f->name == name) return *f;
  }
  families_.push_back(std::make_unique<Family>(Family{name, help, kind, {}}));
  return *families_.back();
}

MetricsRegistry::Series* MetricsRegistry::Find(Family& f, const Labels& labels) {
  for (auto& s : f.series) {
    if (s->labels == labels) return s.get();
  }
  f.series.push_back(std::make_unique<Series>());
  f.series.back()->labels = labels;
  return f.series.back().get();
}

Counter& MetricsRegistry::GetCounter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  Series* s = Find(FamilyFor(name, help, Kind::kCounter), labels);
  if (!s->counter) s->counter = std::make_unique<Counter>();
  return *s->counter;
}

Gauge& MetricsRegistry::GetGauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  Series* s = Find(FamilyFor(name, help, Kind::kGauge), labels);
  if (!s->gauge) s->gauge = std::make_unique<Gauge>();
  return *s->gauge;
}

Histogram& MetricsRegistry::GetHistogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                                         const Labels& labels) {
  std::lock_guard lock(mu_);
  Series* s = Find(FamilyFor(name, help, Kind::kHistogram), labels);
  if (!s->histogram) s->histogram = std::make_unique<Histogram>(std::move(bounds));
  return *s->histogram;
}

void MetricsRegistry::AddCallbackGauge(const std::string& name, const std::string& help, std::function<double()> read,
                                       const Labels& labels) {
  std::lock_guard lock(mu_);
  Find(FamilyFor(name, help, Kind::kGauge), labels)->callback = std::move(read);
}

void MetricsRegistry::AddCallbackCounter(const std::string& name, const std::string& help,
                                         std::function<double()> read, const Labels& labels) {
  std::lock_guard lock(mu_);
  Find(FamilyFor(name, help, Kind::kCounter), labels)->callback = std::move(read);
}

void MetricsRegistry::AddCollector(std::function<std::string()> render) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(render));
}

std::string MetricsRegistry::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& f : families_) {
    static const char* kTypes[] = {"counter", "gauge", "histogram"};
    out += "# HELP " + f->name + " " + f->help + "\n";
    out += "# TYPE " + f->name + " " + kTypes[static_cast<int>(f->kind)] + "\n";
    for (const auto& s : f->series) {
      if (s->callback) {
        out += f->name + LabelText(s->labels) + " " + Number(s->callback()) + "\n";
      } else if (s->counter) {
        out += f->name + LabelText(s->labels) + " " + std::to_string(s->counter->value()) + "\n";
      } else if (s->gauge) {
        out += f->name + LabelText(s->labels) + " " + std::to_string(s->gauge->value()) + "\n";
      } else if (s->histogram) {
        const auto buckets = s->histogram->Buckets();
        uint64_t cumulative = 0;
        for (size_t i = 0; i < buckets.size(); ++i) {
          cumulative += buckets[i];
          const std::string le = i < s->histogram->bounds().size() ? Number(s->histogram->bounds()[i]) : "+Inf";
          out += f->name + "_bucket" + LabelText(s->labels, "le", le) + " " + std::to_string(cumulative) + "\n";
        }
        out += f->name + "_sum" + LabelText(s->labels) + " " + Number(s->histogram->sum()) + "\n";
        out += f->name + "_count" + LabelText(s->labels) + " " + std::to_string(cumulative) + "\n";
      }
    }
  }
  for (const auto& c : collectors_) out += c();
  return out;
}

}  // namespace ruru::acs::metrics
