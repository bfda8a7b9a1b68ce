#include "state/api_key_repository.hpp"

#include <Poco/Data/Statement.h>

namespace notify_host::state {

using namespace Poco::Data::Keywords;
using Poco::Int64;

namespace {

std::vector<ApiKeyRecord> Select(Transaction& tx, const std::string& where,
                                 const std::optional<std::string>& arg) {
  std::vector<std::string> name, id, hash;
  std::vector<Int64> created;
  Poco::Data::Statement st(tx.session());
  st << tx.Sql("SELECT name, COALESCE(key_id, ''), key_hash, created_at FROM api_keys " + where),
      into(name), into(id), into(hash), into(created);
  if (arg) st, bind(*arg);
  st.execute();
  std::vector<ApiKeyRecord> all(name.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = {name[i], id[i], hash[i], created[i]};
  return all;
}

}  // namespace

bool ApiKeyRepository::Add(const ApiKeyRecord& key) {
  Poco::Int64 taken = 0;  // COUNT is BIGINT on PostgreSQL
  tx_.session() << tx_.Sql(
      "SELECT COUNT(*) FROM api_keys WHERE name = ? OR key_id = ? OR key_hash = ?"),
      into(taken), bind(key.name), bind(key.key_id), bind(key.hash), now;
  if (taken > 0) return false;
  tx_.session() << tx_.Sql(
      "INSERT INTO api_keys (name, key_id, key_hash, created_at) VALUES (?, ?, ?, ?)"),
      bind(key.name), bind(key.key_id), bind(key.hash), bind(Int64(key.created_at_ms)), now;
  return true;
}

std::optional<ApiKeyRecord> ApiKeyRepository::FindById(const std::string& key_id) {
  auto found = Select(tx_, "WHERE key_id = ?", key_id);
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::optional<ApiKeyRecord> ApiKeyRepository::FindByName(const std::string& name) {
  auto found = Select(tx_, "WHERE name = ?", name);
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<ApiKeyRecord> ApiKeyRepository::List() {
  return Select(tx_, "ORDER BY name", std::nullopt);
}

bool ApiKeyRepository::Remove(const std::string& name) {
  Poco::Data::Statement st(tx_.session());
  st << tx_.Sql("DELETE FROM api_keys WHERE name = ?"), bind(name);
  return st.execute() > 0;
}

}  // namespace notify_host::state
