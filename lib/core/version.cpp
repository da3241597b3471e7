#include "ferguard/version.h"

#include "git_commit.h"  // generated in the build tree at build time (cmake/FerguardGitCommit.cmake)

namespace ferguard {

const char* version() { return FERGUARD_VERSION_STRING; }

const char* git_commit() { return FERGUARD_GIT_COMMIT; }

}  // namespace ferguard
