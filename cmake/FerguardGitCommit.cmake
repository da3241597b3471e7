# Run at build time (cmake -P): writes OUT with the git commit of SOURCE_DIR, rewriting it only when the commit
# changes, so that a new commit recompiles one file. Without git or outside a repository the commit is "unknown";
# FERGUARD_GIT_COMMIT in the environment overrides both (a source tarball built elsewhere).
set(commit "$ENV{FERGUARD_GIT_COMMIT}")
if(commit STREQUAL "")
  set(commit "unknown")
  find_program(GIT_EXECUTABLE git)
  if(GIT_EXECUTABLE)
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse --short=12 HEAD
      OUTPUT_VARIABLE head RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(rc EQUAL 0 AND NOT head STREQUAL "")
      set(commit "${head}")
      # Tracked files changed since that commit: the binary is not that commit's.
      execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} status --porcelain --untracked-files=no
        OUTPUT_VARIABLE changes RESULT_VARIABLE rc ERROR_QUIET)
      if(rc EQUAL 0 AND NOT changes STREQUAL "")
        string(APPEND commit "-dirty")
      endif()
    endif()
  endif()
endif()
set(text "// Generated at build time by cmake/FerguardGitCommit.cmake; do not edit.\n#define FERGUARD_GIT_COMMIT \"${commit}\"\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
else()
  set(old "")
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
