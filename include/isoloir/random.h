// Where the secret scalars and vote codes come from. The shipped code uses the
// system CSPRNG (crypto.getRandomValues in the browser); tests may replay a
// recorded sequence to rebuild a vector byte for byte.
#ifndef ISOLOIR_RANDOM_H_
#define ISOLOIR_RANDOM_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "isoloir/scalar.h"

namespace isoloir {

// Fills `out` from the operating system's CSPRNG, many bytes per call.
void random_bytes(std::span<uint8_t> out);

// Uniform scalar in [1, l).
Scalar random_scalar();

class ScalarSource {
 public:
  virtual ~ScalarSource() = default;
  virtual Scalar next() = 0;
};

// random_scalar()'s draws, taken from a pool of random bytes filled 32
// scalars at a time: one call to the system's generator (in the booth, one
// crossing from wasm to WebCrypto) per 32 scalars instead of one each; a
// ballot takes about four per option. Each scalar's bytes are wiped once
// used, and what is left of the pool on destruction.
class SystemScalarSource final : public ScalarSource {
 public:
  SystemScalarSource() = default;
  SystemScalarSource(const SystemScalarSource&) = delete;
  SystemScalarSource& operator=(const SystemScalarSource&) = delete;
  ~SystemScalarSource() override;
  Scalar next() override;

 private:
  static constexpr size_t kWide = 64;  // bytes reduced into one scalar
  static constexpr size_t kPoolScalars = 32;
  std::array<uint8_t, kWide * kPoolScalars> pool_{};
  size_t used_ = kPoolScalars;  // empty: filled at the first draw
};

// Replays given scalars in order, then zero: for tests and vectors only; the
// booth never builds one.
class ReplayScalarSource final : public ScalarSource {
 public:
  explicit ReplayScalarSource(std::vector<Scalar> scalars) : scalars_(std::move(scalars)) {}
  Scalar next() override { return pos_ < scalars_.size() ? scalars_[pos_++] : Scalar(); }
  size_t consumed() const { return pos_; }

 private:
  std::vector<Scalar> scalars_;
  size_t pos_ = 0;
};

// Calls sodium_init() once; every entry point that needs libsodium's state calls it.
void ensure_sodium();

}  // namespace isoloir

#endif  // ISOLOIR_RANDOM_H_
