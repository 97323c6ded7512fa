// isoloir tally commands (docs/election-end.md).
#include <vector>

#include "cli.h"

namespace isoloir::cli {

std::vector<Command> tally_commands() {
  return {};
}

}  // namespace isoloir::cli
