#pragma once
// API keys of the HTTP API: a name, the key's public id and the hash of the
// key, never the key itself (the service makes and checks keys; this stores
// them).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "state/state_database.hpp"

namespace notify_host::state {

struct ApiKeyRecord {
  std::string name;
  std::string key_id;  // the public part that names the key in logs and finds its row
  std::string hash;    // e.g. SHA-256 hex of the whole key
  std::int64_t created_at_ms = 0;
};

class ApiKeyRepository {
 public:
  explicit ApiKeyRepository(Transaction& tx) : tx_(tx) {}

  // Stores `key`; false (nothing stored) when its name or id is taken.
  bool Add(const ApiKeyRecord& key);
  std::optional<ApiKeyRecord> FindById(const std::string& key_id);
  std::optional<ApiKeyRecord> FindByName(const std::string& name);
  // Every key, by name.
  std::vector<ApiKeyRecord> List();
  // Removes the key `name`; false when there is none.
  bool Remove(const std::string& name);

 private:
  Transaction& tx_;
};

}  // namespace notify_host::state
