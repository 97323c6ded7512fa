// A fixed-size secret (a private key, a seed) that exists once: it cannot be
// copied, a move wipes the source, and destruction wipes the bytes.
#ifndef ISOLOIR_SECRET_BYTES_H_
#define ISOLOIR_SECRET_BYTES_H_

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

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

// A secret of variable length (a passphrase, a decrypted key file): its bytes
// live in one heap buffer allocated once, so a move hands the buffer over
// without leaving a copy, and destruction wipes it. Not copyable.
class SecretBuffer {
 public:
  SecretBuffer() = default;
  explicit SecretBuffer(size_t size) : b_(size) {}
  SecretBuffer(SecretBuffer&& other) noexcept = default;
  SecretBuffer& operator=(SecretBuffer&& other) noexcept {
    if (this != &other) {
      wipe();
      b_ = std::move(other.b_);
      other.b_.clear();
    }
    return *this;
  }
  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;
  ~SecretBuffer() { wipe(); }

  uint8_t* data() { return b_.data(); }
  const uint8_t* data() const { return b_.data(); }
  size_t size() const { return b_.size(); }
  bool empty() const { return b_.empty(); }
  std::string_view view() const { return {reinterpret_cast<const char*>(b_.data()), b_.size()}; }
  // Keeps the first `size` bytes (never grows: no reallocation, no stray copy)
  // and wipes the rest.
  void truncate(size_t size) {
    if (size >= b_.size()) return;
    sodium_memzero(b_.data() + size, b_.size() - size);
    b_.resize(size);
  }

  void wipe() {
    if (!b_.empty()) sodium_memzero(b_.data(), b_.size());
  }

 private:
  std::vector<uint8_t> b_;
};

}  // namespace isoloir

#endif  // ISOLOIR_SECRET_BYTES_H_
