#pragma once
// Messages too large for one sendMail request (docs/microsoft-365.md,
// Microsoft Graph sendMail: size): a draft made from the message's MIME
// without its attachments, each attachment added by its own request (an
// upload session in chunks for the large ones), then the draft sent. Needs
// Mail.ReadWrite besides Mail.Send.
#include <cstddef>
#include <string>
#include <vector>

#include "graph/graph_client.hpp"
#include "notify/host_api/message.hpp"

namespace m365 {

// Attachments of at least this size go through an upload session; smaller
// ones are posted whole (Graph refuses upload sessions below 3 MB).
inline constexpr std::size_t kMinUploadSessionBytes = 3u * 1024u * 1024u;
// Bytes per PUT of an upload session: a multiple of 320 KiB, as Microsoft
// asks, and under the 4 MB of one request.
inline constexpr std::size_t kUploadChunkBytes = 10u * 320u * 1024u;

// Sends `draft_mime` (the message's MIME without attachments, Bcc as a
// header) with `attachments` as draft + attachments + send. Returns the
// answer of the first request that did not succeed (its status and error
// body), or the send's answer (202 when accepted). A failure before the send
// leaves a draft in the mailbox and sends nothing; the answer then says the
// request of that step was the one refused.
HttpsAnswer SendLargeMessage(GraphClient& client, const std::string& token,
                             const std::string& draft_mime,
                             const std::vector<notify::Attachment>& attachments);

// The JSON of one fileAttachment posted whole; the JSON of an upload
// session's AttachmentItem (exposed for tests).
std::string FileAttachmentJson(const notify::Attachment& attachment);
std::string UploadSessionJson(const notify::Attachment& attachment);

// "bytes first-last/total" for the chunk [first, first + length).
std::string ContentRange(std::size_t first, std::size_t length, std::size_t total);

}  // namespace m365
