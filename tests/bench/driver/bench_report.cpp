#include "bench_report.hpp"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace notify_bench {

Report::Report() : json_(new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER)) {}

void Report::Fail(const std::string& why) { failures_.push_back(why); }

std::string Report::Markdown(const std::string& header) const {
  std::ostringstream out;
  out << header << "\n";
  for (const Table& t : tables_) {
    out << "\n**" << t.title << "**\n\n|";
    for (const auto& c : t.columns) out << " " << c << " |";
    out << "\n|";
    for (std::size_t i = 0; i < t.columns.size(); ++i) out << (i == 0 ? "---|" : "---:|");
    out << "\n";
    for (const auto& row : t.rows) {
      out << "|";
      for (const auto& cell : row) out << " " << cell << " |";
      out << "\n";
    }
    for (const auto& n : t.notes) out << "\n" << n << "\n";
  }
  out << "\n**Targets**\n\n| target | measured | met |\n|---|---:|---|\n";
  for (const Target& t : targets_) {
    out << "| " << t.name << " | " << t.measured << " | " << (t.met ? "met" : "**not met**")
        << (t.why.empty() ? "" : ": " + t.why) << " |\n";
  }
  if (!failures_.empty()) {
    out << "\n**Failures**\n\n";
    for (const auto& f : failures_) out << "- " << f << "\n";
  }
  return out.str();
}

std::string Report::Json() const {
  Poco::JSON::Object root(*json_);
  Poco::JSON::Array::Ptr targets = new Poco::JSON::Array;
  for (const Target& t : targets_) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("name", t.name);
    o->set("measured", t.measured);
    o->set("met", t.met);
    o->set("why", t.why);
    targets->add(o);
  }
  root.set("targets", targets);
  Poco::JSON::Array::Ptr failures = new Poco::JSON::Array;
  for (const auto& f : failures_) failures->add(f);
  root.set("failures", failures);
  std::ostringstream out;
  root.stringify(out, 2);
  return out.str();
}

std::string Fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(std::ceil(q * values.size()));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace notify_bench
