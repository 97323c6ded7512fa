// A fixed-size secret (a private key, a seed) that exists once: it cannot be
// copied, a move wipes the source, and destruction wipes the bytes.
#ifndef ISOLOIR_SECRET_BYTES_H_
#define ISOLOIR_SECRET_BYTES_H_

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>

namespace isoloir {

template <size_t N>
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(const std::array<uint8_t, N>& bytes) : b_(bytes) {}
  SecretBytes(SecretBytes&& other) noexcept : b_(other.b_) { other.wipe(); }
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      b_ = other.b_;
      other.wipe();
    }
    return *this;
  }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes() { wipe(); }

  uint8_t* data() { return b_.data(); }
  const uint8_t* data() const { return b_.data(); }
  static constexpr size_t size() { return N; }
  const std::array<uint8_t, N>& array() const { return b_; }

  void wipe() { sodium_memzero(b_.data(), b_.size()); }

 private:
  std::array<uint8_t, N> b_{};
};

}  // namespace isoloir

#endif  // ISOLOIR_SECRET_BYTES_H_
