// The key ceremony's relay (docs/election-end.md section 1, "In a browser"):
// the server keeps the ceremony the admin opened (election, n, t, names), each
// trustee's link token (hashed) and the public round documents the trustees
// post. No secret ever reaches it: the key files stay in the trustees' pages
// and downloads. Its own SQLite file, ceremony.sqlite in the data directory.
//
// Every document is checked by the core's parser before it is stored: the
// trustee's own index and the ceremony's election, n, t and name; one of each
// kind per trustee, never overwritten, in round order (commitment, shares,
// verification key). The link is spent once the trustee's verification key is
// in: every later use is refused "link_spent".
//
// Reasons: "no_ceremony", "ceremony_exists", "bad_token", "link_spent",
// "already_posted", "not_yet" (a round before the trustee's previous one),
// "wrong_document" (another election, index, n, t, name or addressee), the
// core parsers' reasons, "usage" for a ceremony that cannot be opened, and
// the storage's.
#ifndef ISOLOIR_SERVER_CEREMONY_STORE_H_
#define ISOLOIR_SERVER_CEREMONY_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/result.h"
#include "isoloir/trustees.h"

namespace isoloir::server {

// The round documents, by kind.
enum class CeremonyRound { kCommitment = 1, kShares = 2, kVerificationKey = 3 };

struct CeremonyTrusteeState {
  uint32_t index = 0;
  std::string name;
  // The documents this trustee posted (canonical JSON), empty if not yet.
  std::string commitment, shares, verification_key;
};

struct CeremonyState {
  std::string election_id;
  uint32_t trustees = 0;
  uint32_t threshold = 0;
  std::vector<CeremonyTrusteeState> members;  // index order, 1..n
};

class CeremonyStore {
 public:
  static constexpr uint32_t kMaxTrustees = 15;

  // Opens (creating if needed) the store's file.
  static Result<std::unique_ptr<CeremonyStore>> open(const std::string& path);
  ~CeremonyStore();
  CeremonyStore(const CeremonyStore&) = delete;
  CeremonyStore& operator=(const CeremonyStore&) = delete;

  // Opens the ceremony: n = names.size() in 2..15, 1 <= t <= n, names
  // non-empty and distinct. Returns each trustee's link token, index order.
  // Only one ceremony per data directory ("ceremony_exists").
  Result<std::vector<std::string>> open_ceremony(std::string_view election_id, uint32_t threshold,
                                                 const std::vector<std::string>& names);
  Result<CeremonyState> state() const;
  // The trustee a link's token is for ("bad_token", "link_spent").
  Result<uint32_t> trustee_of(std::string_view token) const;
  // Checks and stores trustee `index`'s document of `round`; the text is
  // re-serialised canonically. Posting the verification key spends the link.
  Status post(uint32_t index, CeremonyRound round, std::string_view document);
  // assemble_trustees over every document posted ("not_yet" while some are
  // missing; the core's reasons, naming the trustee at fault).
  Result<Trustees> assemble() const;

 private:
  struct State;
  explicit CeremonyStore(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// isoloir-admin's ceremony commands: `args` are the words after the data
// directory ("ceremony", "open"|"finish", options...); returns the exit status
// (0 done, 1 refused, 2 usage).
int ceremony_admin(const std::string& data_dir, const std::vector<std::string>& args);

}  // namespace isoloir::server

#endif  // ISOLOIR_SERVER_CEREMONY_STORE_H_
