// The urn's Ed25519 key (the manifest's server_key): it signs tree heads,
// deposit proofs and émargements. Kept as libsodium's 64-byte secret key in a
// file of mode 0600 in the data directory.
#ifndef ISOLOIR_URN_SERVER_KEY_H_
#define ISOLOIR_URN_SERVER_KEY_H_

#include <string>

#include "isoloir/result.h"
#include "isoloir/signature.h"

namespace isoloir::urn {

// Reads the key at `path`, or creates it (O_EXCL, mode 0600, synced) when
// there is no file. The bytes read are wiped once the key holds them.
// Refuses a file that group or others may read or write, or that is not 64
// bytes of a consistent key ("bad_server_key"); I/O failures are
// "storage_error".
Result<SigningKey> load_or_create_server_key(const std::string& path);

}  // namespace isoloir::urn

#endif  // ISOLOIR_URN_SERVER_KEY_H_
