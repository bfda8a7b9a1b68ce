// Graph drafts for large messages (apps holding Mail.ReadWrite): create a
// draft, attach through an upload session in chunks of at most 4 MB, send.
#include <Poco/Base64Decoder.h>

#include "graph_fixture.hpp"

namespace m365emu::testing {
namespace {

const std::string kMessages = std::string("/v1.0/users/") + kDemoMailbox + "/messages";

std::string Pattern(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  return s;
}

// The decoded content of the MIME part whose headers name `filename`.
std::string AttachmentBytes(const std::string& mime, const std::string& filename) {
  std::size_t at = mime.find("filename=\"" + filename + "\"");
  if (at == std::string::npos) return "";
  std::size_t start = mime.find("\r\n\r\n", at);
  std::size_t end = mime.find("\r\n--", start);
  std::string b64 = mime.substr(start + 4, end - start - 4);
  std::istringstream in(b64);
  Poco::Base64Decoder dec(in);
  return std::string((std::istreambuf_iterator<char>(dec)), std::istreambuf_iterator<char>());
}

class GraphDraftsTest : public GraphTest {
 protected:
  std::string CreateDraft(const std::string& token) {
    HttpResult r = GraphRequest(
        emu_, "POST", kMessages, token, "application/json",
        R"({"subject":"Big report","body":{"contentType":"Text","content":"Attached."},)"
        R"("toRecipients":[{"emailAddress":{"address":"ops@contoso.com"}}]})");
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201) return "";
    auto o = Json(r.body);
    EXPECT_TRUE(o->getValue<bool>("isDraft"));
    return o->getValue<std::string>("id");
  }

  // createUploadSession; returns the upload URL's path and query.
  std::string Session(const std::string& token, const std::string& id, std::size_t size,
                      HttpResult* out = nullptr) {
    HttpResult r = GraphRequest(
        emu_, "POST", kMessages + "/" + id + "/attachments/createUploadSession", token,
        "application/json",
        R"({"AttachmentItem":{"attachmentType":"file","name":"big.bin","size":)" +
            std::to_string(size) + "}}");
    if (out) *out = r;
    if (r.status != 201) return "";
    auto o = Json(r.body);
    EXPECT_EQ(o->getArray("nextExpectedRanges")->getElement<std::string>(0), "0-");
    EXPECT_FALSE(o->getValue<std::string>("expirationDateTime").empty());
    const std::string url = o->getValue<std::string>("uploadUrl");
    EXPECT_EQ(url.rfind(emu_.graph_url() + "/", 0), 0u) << url;
    EXPECT_NE(url.find("authtoken="), std::string::npos);
    return url.substr(emu_.graph_url().size());
  }

  HttpResult Put(const std::string& upload, const std::string& bytes, std::size_t start,
                 std::size_t total) {
    return GraphRequest(emu_, "PUT", upload, "", "application/octet-stream", bytes,
                        {{"Content-Range", "bytes " + std::to_string(start) + "-" +
                                               std::to_string(start + bytes.size() - 1) + "/" +
                                               std::to_string(total)}});
  }
};

TEST_F(GraphDraftsTest, MailSendAloneCannotCreateDrafts) {
  HttpResult r = GraphRequest(emu_, "POST", kMessages, GraphToken(), "application/json",
                              R"({"subject":"x"})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorCode(r), "ErrorAccessDenied");
}

TEST_F(GraphDraftsTest, LargeAttachmentGoesThroughAnUploadSessionInFourMegabyteChunks) {
  GrantReadWrite();
  const std::string token = GraphToken();
  EXPECT_NE(JwtPayload(token).find("Mail.ReadWrite"), std::string::npos);
  const std::string id = CreateDraft(token);
  ASSERT_FALSE(id.empty());
  const std::size_t chunk = 4u * 1024u * 1024u;
  const std::string file = Pattern(chunk + 1234567);
  const std::string upload = Session(token, id, file.size());
  ASSERT_FALSE(upload.empty());

  HttpResult first = Put(upload, file.substr(0, chunk), 0, file.size());
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(Json(first.body)->getArray("nextExpectedRanges")->getElement<std::string>(0),
            std::to_string(chunk));
  HttpResult last = Put(upload, file.substr(chunk), chunk, file.size());
  ASSERT_EQ(last.status, 201) << last.body;
  EXPECT_EQ(last.body, "");
  EXPECT_NE(last.headers["location"].find("/Attachments('"), std::string::npos);
  EXPECT_TRUE(emu_.received().empty()) << "nothing is sent before /send";

  HttpResult sent =
      GraphRequest(emu_, "POST", kMessages + "/" + id + "/send", token, "", "");
  ASSERT_EQ(sent.status, 202) << sent.body;
  EXPECT_EQ(sent.body, "");
  ASSERT_EQ(emu_.received().size(), 1u);
  const ReceivedMessage m = emu_.received()[0];
  EXPECT_EQ(m.route, "graph");
  EXPECT_EQ(m.recipients, std::vector<std::string>{"ops@contoso.com"});
  EXPECT_EQ(AttachmentBytes(m.raw, "big.bin"), file);
  // A sent draft is gone.
  HttpResult again =
      GraphRequest(emu_, "POST", kMessages + "/" + id + "/send", token, "", "");
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(ErrorCode(again), "ErrorItemNotFound");
}

TEST_F(GraphDraftsTest, UploadChunksAreCheckedLikeMicrosoftSays) {
  GrantReadWrite();
  const std::string token = GraphToken();
  const std::string id = CreateDraft(token);
  const std::size_t size = 4u * 1024u * 1024u + 10;
  const std::string upload = Session(token, id, size);
  ASSERT_FALSE(upload.empty());
  const std::string file = Pattern(size);

  HttpResult too_big = Put(upload, file, 0, size);  // one chunk over 4 MB
  EXPECT_EQ(too_big.status, 413);
  HttpResult gap = Put(upload, file.substr(100, 100), 100, size);
  EXPECT_EQ(gap.status, 416) << gap.body;
  EXPECT_NE(ErrorMessage(gap).find("byte 0"), std::string::npos);
  HttpResult with_bearer =
      GraphRequest(emu_, "PUT", upload, token, "application/octet-stream", file.substr(0, 10),
                   {{"Content-Range", "bytes 0-9/" + std::to_string(size)}});
  EXPECT_EQ(with_bearer.status, 401) << "the upload URL carries its own token";
  HttpResult wrong_token = Put(upload.substr(0, upload.find("authtoken=") + 10) + "forged",
                               file.substr(0, 10), 0, size);
  EXPECT_EQ(wrong_token.status, 401);
  HttpResult no_range =
      GraphRequest(emu_, "PUT", upload, "", "application/octet-stream", file.substr(0, 10));
  EXPECT_EQ(no_range.status, 400);

  HttpResult cancel = GraphRequest(emu_, "DELETE", upload, "", "", "");
  EXPECT_EQ(cancel.status, 204);
  EXPECT_EQ(Put(upload, file.substr(0, 10), 0, size).status, 404);
}

TEST_F(GraphDraftsTest, SmallAttachmentsDoNotGetAnUploadSession) {
  GrantReadWrite();
  const std::string token = GraphToken();
  const std::string id = CreateDraft(token);
  HttpResult r;
  EXPECT_TRUE(Session(token, id, 1000, &r).empty());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize");
}

TEST_F(GraphDraftsTest, MimeDraftWithPostedAttachmentIsSentAsMultipart) {
  GrantReadWrite();
  const std::string token = GraphToken();
  HttpResult draft = GraphRequest(emu_, "POST", kMessages, token, "text/plain",
                                  B64(SimpleMime(kDemoMailbox, "mime-draft")));
  ASSERT_EQ(draft.status, 201) << draft.body;
  const std::string id = Json(draft.body)->getValue<std::string>("id");
  HttpResult att = GraphRequest(
      emu_, "POST", kMessages + "/" + id + "/attachments", token, "application/json",
      R"({"@odata.type":"#microsoft.graph.fileAttachment","name":"small.txt",)"
      R"("contentType":"text/plain","contentBytes":")" + B64("small file") + "\"}");
  ASSERT_EQ(att.status, 201) << att.body;
  EXPECT_EQ(Json(att.body)->getValue<int>("size"), 10);
  ASSERT_EQ(GraphRequest(emu_, "POST", kMessages + "/" + id + "/send", token, "", "").status, 202);
  const ReceivedMessage m = emu_.received().at(0);
  EXPECT_EQ(m.message_id, "<mime-draft@contoso.com>");
  EXPECT_NE(m.raw.find("Content-Type: multipart/mixed"), std::string::npos);
  EXPECT_NE(m.raw.find("Hello.\r\n"), std::string::npos) << "the original body is kept";
  EXPECT_EQ(AttachmentBytes(m.raw, "small.txt"), "small file");
}

TEST_F(GraphDraftsTest, SendingADraftOverTheSizeLimitGets413) {
  GrantReadWrite();
  Config c = emu_.config();
  c.limits.max_message_bytes = 5u * 1024u * 1024u;
  emu_.SetConfig(c);
  const std::string token = GraphToken();
  const std::string id = CreateDraft(token);
  const std::size_t size = 4u * 1024u * 1024u;  // 5.3 MB once base64 in the MIME
  const std::string upload = Session(token, id, size);
  ASSERT_EQ(Put(upload, Pattern(size), 0, size).status, 201);
  HttpResult r = GraphRequest(emu_, "POST", kMessages + "/" + id + "/send", token, "", "");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(ErrorCode(r), "ErrorMessageSizeExceeded");
  EXPECT_TRUE(emu_.received().empty());
}

TEST_F(GraphDraftsTest, UnknownDraftIsNotFound) {
  GrantReadWrite();
  HttpResult r =
      GraphRequest(emu_, "POST", kMessages + "/AAMkADnone=/send", GraphToken(), "", "");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorCode(r), "ErrorItemNotFound");
}

}  // namespace
}  // namespace m365emu::testing
