#include "graph_store.hpp"

#include <random>

#include "util.hpp"

namespace m365emu::detail {

std::string NewItemId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string raw;
  for (int i = 0; i < 4; ++i) {
    std::uint64_t v = rng();
    raw.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  return "AAMkAD" + Base64UrlEncode(raw) + "=";
}

std::string GraphStore::CreateDraft(const std::string& mailbox, GraphMessage message) {
  const std::string id = NewItemId();
  std::lock_guard<std::mutex> lock(mu_);
  drafts_[Key(mailbox, id)] = std::move(message);
  return id;
}

std::optional<GraphMessage> GraphStore::Draft(const std::string& mailbox,
                                              const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = drafts_.find(Key(mailbox, id));
  if (it == drafts_.end()) return std::nullopt;
  return it->second;
}

bool GraphStore::Attach(const std::string& mailbox, const std::string& id,
                        FileAttachment attachment) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = drafts_.find(Key(mailbox, id));
  if (it == drafts_.end()) return false;
  it->second.attachments.push_back(std::move(attachment));
  return true;
}

bool GraphStore::RemoveDraft(const std::string& mailbox, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return drafts_.erase(Key(mailbox, id)) > 0;
}

std::optional<UploadSession> GraphStore::CreateSession(const std::string& mailbox,
                                                       const std::string& message_id,
                                                       FileAttachment attachment,
                                                       std::size_t size,
                                                       std::int64_t expires_unix) {
  UploadSession s;
  s.id = NewItemId();
  s.auth_token = Base64UrlEncode(NewGuid() + NewGuid());
  s.mailbox = mailbox;
  s.message_id = message_id;
  s.attachment = std::move(attachment);
  s.attachment.id = NewItemId();
  s.size = size;
  s.expires_unix = expires_unix;
  std::lock_guard<std::mutex> lock(mu_);
  if (!drafts_.count(Key(mailbox, message_id))) return std::nullopt;
  sessions_[s.id] = s;
  return s;
}

ChunkOutcome GraphStore::PutChunk(const std::string& session_id, const std::string& token,
                                  std::size_t start, std::size_t end, std::size_t total,
                                  const std::string& bytes, std::int64_t now, std::size_t* next,
                                  UploadSession* done) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return ChunkOutcome::kNoSession;
  UploadSession& s = it->second;
  if (s.auth_token != token) return ChunkOutcome::kBadToken;
  if (now > s.expires_unix) return ChunkOutcome::kExpired;
  *next = s.attachment.bytes.size();
  if (total != s.size || end < start || end >= total || end - start + 1 != bytes.size())
    return ChunkOutcome::kBadRange;
  if (start != s.attachment.bytes.size()) return ChunkOutcome::kWrongStart;
  auto draft = drafts_.find(Key(s.mailbox, s.message_id));
  if (draft == drafts_.end()) {
    sessions_.erase(it);
    return ChunkOutcome::kNoSession;
  }
  s.attachment.bytes += bytes;
  *next = s.attachment.bytes.size();
  if (s.attachment.bytes.size() < s.size) {
    done->expires_unix = s.expires_unix;
    return ChunkOutcome::kMore;
  }
  draft->second.attachments.push_back(s.attachment);
  *done = s;
  sessions_.erase(it);
  return ChunkOutcome::kComplete;
}

bool GraphStore::DeleteSession(const std::string& session_id, const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end() || it->second.auth_token != token) return false;
  sessions_.erase(it);
  return true;
}

}  // namespace m365emu::detail
