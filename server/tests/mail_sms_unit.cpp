// Text messages: the HTTP gateway against a real HTTP listener on loopback,
// and the outbox.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "isoloir/canonical_json.h"
#include "isoloir/server/sms.h"
#include "text/text.h"

namespace isoloir::server {
namespace {

TEST(SmsPhone, NumbersAreNormalisedOrRefused) {
  EXPECT_EQ(*text::normalize_phone("06 12 34 56 78"), "+33612345678");
  EXPECT_EQ(*text::normalize_phone("06.12.34.56.78"), "+33612345678");
  EXPECT_EQ(*text::normalize_phone("+33 6 12 34 56 78"), "+33612345678");
  EXPECT_EQ(*text::normalize_phone("+262-692-12-34-56"), "+262692123456");
  for (const char* bad : {"", "0612", "612345678", "+33 6 12 34 56 78 90 12 34", "06 12 34 56 7x",
                          "++33612345678", "33+612345678", "+"}) {
    EXPECT_EQ(text::normalize_phone(bad).error().reason, "bad_sms") << bad;
  }
}

// A gateway on 127.0.0.1 that records what it receives and answers `status`.
class FakeGateway {
 public:
  explicit FakeGateway(int status, std::string answer = "")
      : status_(status), answer_(std::move(answer)) {
    server_.Post("/v1/messages", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      bodies_.push_back(req.body);
      auth_.push_back(req.get_header_value("Authorization"));
      res.status = status_;
      res.set_content(answer_, "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  FakeGateway(const FakeGateway&) = delete;
  FakeGateway& operator=(const FakeGateway&) = delete;
  ~FakeGateway() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1/messages"; }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  std::vector<std::string> auth() {
    std::lock_guard lock(mu_);
    return auth_;
  }

 private:
  int status_;
  std::string answer_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> bodies_, auth_;
};

TEST(SmsGateway, PostsJsonWithTheBearerToken) {
  FakeGateway gateway(202);
  auto sender = make_sms_gateway({gateway.url(), "s3cret-token", 5});
  ASSERT_TRUE(sender.ok()) << sender.error().message();
  const std::string text = "Votre lien de réassort : https://vote.example.org/reassort#abc";
  ASSERT_TRUE((*sender)->send({"06 12 34 56 78", text}).ok());
  ASSERT_EQ(gateway.bodies().size(), 1u);
  const Json body = *parse_json(gateway.bodies()[0]);
  EXPECT_EQ(body["to"], "+33612345678");
  EXPECT_EQ(body["text"], text);
  EXPECT_EQ(gateway.auth()[0], "Bearer s3cret-token");
}

TEST(SmsGateway, RefusalsAreSmsFailedWithoutTheToken) {
  FakeGateway gateway(503, "quota exceeded");
  auto sender = make_sms_gateway({gateway.url(), "s3cret-token", 5});
  ASSERT_TRUE(sender.ok());
  const Status s = (*sender)->send({"+33612345678", "x"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().reason, "sms_failed");
  EXPECT_NE(s.error().detail.find("503"), std::string::npos) << s.error().detail;
  EXPECT_NE(s.error().detail.find("quota exceeded"), std::string::npos);
  EXPECT_EQ(s.error().detail.find("s3cret"), std::string::npos);

  auto nowhere = make_sms_gateway({"http://127.0.0.1:9/v1", "t", 2});
  ASSERT_TRUE(nowhere.ok());
  EXPECT_EQ((*nowhere)->send({"+33612345678", "x"}).error().reason, "sms_failed");
}

TEST(SmsGateway, BadMessagesAndSettingsAreRefusedBeforeAnythingIsSent) {
  FakeGateway gateway(202);
  auto sender = make_sms_gateway({gateway.url(), "t", 5});
  ASSERT_TRUE(sender.ok());
  EXPECT_EQ((*sender)->send({"not a number", "x"}).error().reason, "bad_sms");
  EXPECT_EQ((*sender)->send({"+33612345678", ""}).error().reason, "bad_sms");
  EXPECT_EQ((*sender)->send({"+33612345678", std::string(641, 'a')}).error().reason, "bad_sms");
  EXPECT_EQ((*sender)->send({"+33612345678", "a\rb"}).error().reason, "bad_sms");
  EXPECT_TRUE(gateway.bodies().empty());
  EXPECT_EQ(make_sms_gateway({"http://sms.example.org/v1", "t", 5}).error().reason, "bad_config");
  EXPECT_EQ(make_sms_gateway({"ftp://127.0.0.1/", "t", 5}).error().reason, "bad_config");
  EXPECT_EQ(make_sms_gateway({gateway.url(), "t", 0}).error().reason, "bad_config");
}

TEST(SmsOutbox, OneFilePerMessageOwnerOnly) {
  const std::string dir =
      std::filesystem::temp_directory_path() / ("isoloir-sms-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  auto sender = make_sms_outbox(dir);
  ASSERT_TRUE(sender.ok()) << sender.error().message();
  ASSERT_TRUE((*sender)->send({"06 12 34 56 78", "premier"}).ok());
  ASSERT_TRUE((*sender)->send({"06 12 34 56 79", "second"}).ok());
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 2u);
  std::ifstream in(files[0]);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "To: +33612345678\n\npremier\n");
  struct stat st {};
  ASSERT_EQ(stat(files[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ((*sender)->send({"bad", "x"}).error().reason, "bad_sms");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace isoloir::server
