#include "uplink/control_client.hpp"

#include "uplink/control_client_test_support.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>
#include <boost/asio/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <gtest/gtest.h>

#include <openssl/sha.h>

#include <filesystem>
#include <fstream>
#include <memory>

// The control channel over wss:// with a certificate made for the test: the client must verify
// the chain against its CA file and the address against the certificate, or, with a pin, the
// server's key against the pin.
namespace worktrace::agent::uplink::testing {
namespace {

namespace ssl = boost::asio::ssl;
using state::AgentState;
using TlsServerChannel = websocket::stream<ssl::stream<tcp::socket>>;

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct ExtensionDeleter {
  void operator()(X509_EXTENSION* extension) const { X509_EXTENSION_free(extension); }
};

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// A self-signed P-256 certificate valid for one hour for `san` (e.g. "IP:127.0.0.1").
struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;

  explicit TestCertificate(const char* san) {
    const std::unique_ptr<EVP_PKEY, PkeyDeleter> key(EVP_EC_gen("P-256"));
    const std::unique_ptr<X509, X509Deleter> cert(X509_new());
    if (!key || !cert) throw std::runtime_error("openssl: cannot create a key");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("worktrace-test"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, san},
                                     std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      const std::unique_ptr<X509_EXTENSION, ExtensionDeleter> extension(
          X509V3_EXT_conf_nid(nullptr, &context, nid, value));
      if (!extension || X509_add_ext(cert.get(), extension.get(), -1) != 1) {
        throw std::runtime_error("openssl: cannot add an extension");
      }
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
      throw std::runtime_error("openssl: cannot sign");
    }
    const std::unique_ptr<BIO, BioDeleter> cert_bio(BIO_new(BIO_s_mem()));
    const std::unique_ptr<BIO, BioDeleter> key_bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(cert_bio.get(), cert.get());
    PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    cert_pem = bio_text(cert_bio.get());
    key_pem = bio_text(key_bio.get());
    // The pin computed apart from the code under test: the key's own DER SubjectPublicKeyInfo.
    unsigned char* der = nullptr;
    const int der_size = i2d_PUBKEY(key.get(), &der);
    if (der_size <= 0) throw std::runtime_error("openssl: cannot encode the public key");
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(der, static_cast<std::size_t>(der_size), digest);
    OPENSSL_free(der);
    unsigned char encoded[64] = {};
    const int encoded_size = EVP_EncodeBlock(encoded, digest, SHA256_DIGEST_LENGTH);
    pin_sha256.assign(reinterpret_cast<const char*>(encoded),
                      static_cast<std::size_t>(encoded_size));
  }

  std::string pin_sha256;  // base64 SHA-256 of the key's SubjectPublicKeyInfo
};

// The certificate's PEM in a temporary file, for the client's ca_file.
class CaFile {
 public:
  explicit CaFile(const std::string& pem) {
    std::string pattern = (std::filesystem::temp_directory_path() / "worktrace-ca-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    ::close(fd);
    path_ = pattern;
    std::ofstream(path_) << pem;
  }
  ~CaFile() { std::filesystem::remove(path_); }
  [[nodiscard]] std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

std::unique_ptr<ssl::context> server_context(const TestCertificate& certificate) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  context->use_certificate(net::buffer(certificate.cert_pem), ssl::context::pem);
  context->use_private_key(net::buffer(certificate.key_pem), ssl::context::pem);
  return context;
}

TEST(ControlClientTlsTest, ConnectsOverWssWhenTheCertificateVerifies) {
  Watchdog watchdog(30s);
  const TestCertificate certificate("IP:127.0.0.1");
  const CaFile ca_file(certificate.cert_pem);
  const auto tls = server_context(certificate);
  UpgradeSeen seen;
  boost::json::value hello;
  std::uint16_t close_code = 0;
  ScriptedServer server(1, [&](tcp::socket socket, int) {
    TlsServerChannel channel(std::move(socket), *tls);
    channel.next_layer().handshake(ssl::stream_base::server);
    accept_upgrade(channel, seen);
    hello = read_json(channel);
    send_text(channel, kWelcome);
    close_code = read_until_close(channel);
  });
  ControlOptions options = local_options(server.port(), "https");
  options.ca_file = ca_file.path();
  ClientRun run(options, [] { return device_named("secure-1"); });
  ASSERT_TRUE(run.wait_for(AgentState::connected));
  auto outcome = run.finish();
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(*outcome, RunOutcome::stopped);
  EXPECT_EQ(server.join(), "");
  EXPECT_EQ(seen.target, "/wt/ws/agent");
  EXPECT_EQ(seen.authorization, "Bearer wtd_test");
  EXPECT_EQ(device_in(hello), device_named("secure-1"));
  EXPECT_EQ(close_code, websocket::close_code::normal);
}

// The server side of a handshake the client must refuse: it fails, and that is expected.
void expect_refused_handshake(ssl::context& tls, tcp::socket socket) {
  ssl::stream<tcp::socket> stream(std::move(socket), tls);
  beast::error_code ec;
  stream.handshake(ssl::stream_base::server, ec);
  if (!ec) throw std::runtime_error("the client accepted a certificate it must refuse");
}

// How a test client trusts the server of expect_refused / expect_connects.
struct Trust {
  bool ca_file = false;              // the server's own certificate as the CA file
  const char* other_ca = nullptr;    // else a CA file of another certificate for this SAN
  std::optional<std::string> pin{};  // tls_pin_sha256; kServerPin: the server's own
};
constexpr const char* kServerPin = "<the server's pin>";

// Client options for a server with `certificate` on `port`; `files` keeps the CA files alive.
ControlOptions trusting(std::uint16_t port, const TestCertificate& certificate, const Trust& trust,
                        std::vector<std::unique_ptr<CaFile>>& files) {
  ControlOptions options = local_options(port, "https");
  if (trust.ca_file) {
    files.push_back(std::make_unique<CaFile>(certificate.cert_pem));
    options.ca_file = files.back()->path();
  } else if (trust.other_ca != nullptr) {
    files.push_back(std::make_unique<CaFile>(TestCertificate(trust.other_ca).cert_pem));
    options.ca_file = files.back()->path();
  }
  if (trust.pin)
    options.tls_pin_sha256 = *trust.pin == kServerPin ? certificate.pin_sha256 : *trust.pin;
  return options;
}

// A server with a certificate for `san` that the client must refuse; its error says `expected`.
void expect_refused(const char* san, const Trust& trust, std::string_view expected) {
  Watchdog watchdog(30s);
  const TestCertificate certificate(san);
  const auto tls = server_context(certificate);
  ScriptedServer server(
      1, [&](tcp::socket socket, int) { expect_refused_handshake(*tls, std::move(socket)); });
  std::vector<std::unique_ptr<CaFile>> files;
  ControlOptions options = trusting(server.port(), certificate, trust, files);
  options.backoff = {.base = 60s, .cap = 60s, .reset_after = 30s};
  ClientRun run(options, [] { return device_named("secure-2"); });
  ASSERT_TRUE(run.wait_for(AgentState::backoff));
  EXPECT_EQ(server.join(), "");
  (void)run.finish();
  const auto events = run.events();
  EXPECT_EQ(states_of(events), (std::vector<AgentState>{AgentState::connecting, AgentState::backoff,
                                                        AgentState::stopped}));
  EXPECT_NE(events[1].last_error.find(expected), std::string::npos) << events[1].last_error;
}

// A server with a certificate for `san` that the client must accept.
void expect_connects(const char* san, const Trust& trust) {
  Watchdog watchdog(30s);
  const TestCertificate certificate(san);
  const auto tls = server_context(certificate);
  ScriptedServer server(1, [&](tcp::socket socket, int) {
    TlsServerChannel channel(std::move(socket), *tls);
    channel.next_layer().handshake(ssl::stream_base::server);
    UpgradeSeen seen;
    accept_upgrade(channel, seen);
    (void)read_json(channel);
    send_text(channel, kWelcome);
    (void)read_until_close(channel);
  });
  std::vector<std::unique_ptr<CaFile>> files;
  ClientRun run(trusting(server.port(), certificate, trust, files),
                [] { return device_named("pinned"); });
  ASSERT_TRUE(run.wait_for(AgentState::connected));
  auto outcome = run.finish();
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(server.join(), "");
}

constexpr std::string_view kVerifyFailed = "certificate verify failed";
constexpr std::string_view kPinMismatch =
    "the server's certificate does not match the pinned key (pin-sha256 ";

TEST(ControlClientTlsTest, RefusesACertificateNoTrustedCaSigned) {
  expect_refused("IP:127.0.0.1", {}, kVerifyFailed);
}

TEST(ControlClientTlsTest, RefusesATrustedCertificateForAnotherAddress) {
  expect_refused("IP:127.0.0.2", {.ca_file = true}, kVerifyFailed);
}

// A pin alone is the trust anchor: a self-signed certificate in no CA file, even one made for
// another address, is accepted when its key matches.
TEST(ControlClientTlsTest, ConnectsWithTheRightPinAndNoCa) {
  expect_connects("IP:127.0.0.2", {.pin = kServerPin});
}

TEST(ControlClientTlsTest, RefusesAWrongPinSayingSo) {
  const TestCertificate other("IP:127.0.0.1");
  expect_refused("IP:127.0.0.1", {.pin = other.pin_sha256},
                 std::string(kPinMismatch) + other.pin_sha256 + "; the server presented ");
}

// With a pin and a CA file both must pass.
TEST(ControlClientTlsTest, WithAPinAndACaFileBothMustPass) {
  expect_connects("IP:127.0.0.1", {.ca_file = true, .pin = kServerPin});
  const TestCertificate other("IP:127.0.0.1");
  expect_refused("IP:127.0.0.1", {.ca_file = true, .pin = other.pin_sha256}, kPinMismatch);
  expect_refused("IP:127.0.0.1", {.other_ca = "IP:127.0.0.1", .pin = kServerPin}, kVerifyFailed);
  expect_refused("IP:127.0.0.2", {.ca_file = true, .pin = kServerPin}, kVerifyFailed);
}

}  // namespace
}  // namespace worktrace::agent::uplink::testing
