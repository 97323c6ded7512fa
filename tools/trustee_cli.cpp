// isoloir trustee commands (docs/election-end.md).
#include <vector>

#include "cli.h"

namespace isoloir::cli {

std::vector<Command> trustee_commands() {
  return {};
}

}  // namespace isoloir::cli
