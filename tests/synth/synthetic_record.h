// A valid election record of any size, made quickly from a seed: for the
// record's tests, the benchmarks of the tally and of `record verify`, and the
// record fuzz target's seeds. Everything a real election has is there: a
// t-of-n key ceremony with sealed shares, voters with credentials (some
// re-issued before they vote), ballots in log order inside the window, a
// signed tree head, partial decryptions by some of the trustees and the
// results. The votes and every scalar come from the seed (the sealed shares'
// ephemeral keys do not), so the same options give the same ballots.
// Test and benchmark code only: nothing shipped links it.
#ifndef ISOLOIR_SYNTH_SYNTHETIC_RECORD_H_
#define ISOLOIR_SYNTH_SYNTHETIC_RECORD_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "isoloir/record.h"
#include "isoloir/result.h"
#include "isoloir/scalar.h"

namespace isoloir::synth {

struct Options {
  uint64_t voters = 10;
  uint32_t scrutins = 1;
  uint32_t options = 3;  // per scrutin, the last one blank; min = max = 1
  uint32_t trustees = 3;
  uint32_t threshold = 2;
  // The trustees who decrypt (indices 1..n, at least `threshold`); empty:
  // every trustee.
  std::vector<uint32_t> decrypting;
  uint64_t reissued = 0;           // the first voters' first codes are revoked before they vote
  uint32_t turnout_percent = 100;  // per voter and scrutin, drawn from the seed
  uint64_t seed = 1;
  unsigned threads = 0;  // ballots made on this many threads; 0: every core
  // How the ballots are proved. `trapdoor`: the generator knows the
  // election's secret key x (it ran the ceremony) and the ballots' r, so
  // every h^y in the proofs is g^(x y), a fixed-base multiplication, about 5
  // times faster than the booth's prover; the points, proofs, signatures and
  // bytes are exactly create_ballot's for the same draws. `reference`:
  // create_ballot itself (slower; for checking that the two agree).
  enum class Prover { trapdoor, reference };
  Prover prover = Prover::trapdoor;
  // Told (ballots made, ballots to make) after each block of ballots, on the
  // calling thread; for a progress display, it may not throw.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct Record {
  RecordFiles files;
  std::vector<RecordScrutinResult> results;  // the counts the votes were drawn to give
  uint64_t ballots = 0;
  // The board's files after the close (docs/election-end.md section 3): the
  // close at closes_at (not early) and the aggregates of the ballots.
  std::string close;
  std::string aggregates;
  // The secrets, for tests that decrypt or sign for themselves: each
  // trustee's key share x_j (index j - 1) and the seed of the server's key.
  std::vector<Scalar> key_shares;
  std::array<uint8_t, 32> server_seed{};
};

// Refuses options no election could have ("malformed": no voter, no option,
// a threshold outside 1..n, a decrypting set smaller than the threshold).
Result<Record> make_record(const Options& options);

}  // namespace isoloir::synth

#endif  // ISOLOIR_SYNTH_SYNTHETIC_RECORD_H_
