#pragma once
// The figures of one notify-bench run: Markdown tables for people, one JSON
// document for tools, and the benchmark targets marked met or not met.
#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

namespace notify_bench {

// One Markdown table with optional notes printed under it.
struct Table {
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;
};

// A benchmark target and how this run did against it.
struct Target {
  std::string name;      // e.g. "plugin msgs/s >= 2x smtplib"
  std::string measured;  // e.g. "3.4x"
  bool met = false;
  std::string why;  // what explains the outcome, may be empty
};

class Report {
 public:
  Report();
  void AddTable(Table table) { tables_.push_back(std::move(table)); }
  void AddTarget(Target target) { targets_.push_back(std::move(target)); }
  // A workload did not do what it should (a message not delivered, a peer
  // failing): the run is reported, then notify-bench exits non-zero.
  void Fail(const std::string& why);
  bool failed() const { return !failures_.empty(); }
  // The JSON root; each part stores its figures under its own key.
  Poco::JSON::Object& json() { return *json_; }

  // Everything as Markdown: a header line, each table, the targets, failures.
  std::string Markdown(const std::string& header) const;
  // The JSON document, targets and failures included.
  std::string Json() const;

 private:
  std::vector<Table> tables_;
  std::vector<Target> targets_;
  std::vector<std::string> failures_;
  Poco::JSON::Object::Ptr json_;
};

// `value` with `digits` decimals.
std::string Fixed(double value, int digits);
// The q-quantile (0..1, nearest rank) of `values`; 0 when empty.
double Quantile(std::vector<double> values, double q);

}  // namespace notify_bench
