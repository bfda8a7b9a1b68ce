// Drafts and attachment upload sessions of the Graph endpoint, per mailbox
// (docs/microsoft-365.md, Microsoft Graph sendMail: large attachments).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "graph_message.hpp"

namespace m365emu::detail {

struct UploadSession {
  std::string id;
  std::string auth_token;  // the opaque authtoken of the upload URL
  std::string mailbox;
  std::string message_id;
  FileAttachment attachment;  // bytes grow with every PUT
  std::size_t size = 0;       // declared total
  std::int64_t expires_unix = 0;
};

enum class ChunkOutcome {
  kNoSession,      // unknown session, or its draft is gone
  kBadToken,       // authtoken does not match
  kExpired,
  kBadRange,       // Content-Range malformed, wrong total, or length mismatch
  kWrongStart,     // not the next expected byte
  kMore,           // stored; *next = next expected byte, done->expires_unix set
  kComplete,       // last byte stored; the attachment is on the draft
};

class GraphStore {
 public:
  // Returns the new message ID.
  std::string CreateDraft(const std::string& mailbox, GraphMessage message);
  std::optional<GraphMessage> Draft(const std::string& mailbox, const std::string& id) const;
  // Adds a file attachment to a draft; false if there is no such draft.
  bool Attach(const std::string& mailbox, const std::string& id, FileAttachment attachment);
  bool RemoveDraft(const std::string& mailbox, const std::string& id);

  // Returns the session (with its new id and token); nullopt without the draft.
  std::optional<UploadSession> CreateSession(const std::string& mailbox,
                                             const std::string& message_id,
                                             FileAttachment attachment, std::size_t size,
                                             std::int64_t expires_unix);
  ChunkOutcome PutChunk(const std::string& session_id, const std::string& token,
                        std::size_t start, std::size_t end, std::size_t total,
                        const std::string& bytes, std::int64_t now, std::size_t* next,
                        UploadSession* done);
  bool DeleteSession(const std::string& session_id, const std::string& token);

 private:
  static std::string Key(const std::string& mailbox, const std::string& id) {
    return mailbox + "\n" + id;
  }
  mutable std::mutex mu_;
  std::map<std::string, GraphMessage> drafts_;
  std::map<std::string, UploadSession> sessions_;
};

// "AAMkAD..." style opaque IDs of messages, attachments and sessions.
std::string NewItemId();

}  // namespace m365emu::detail
