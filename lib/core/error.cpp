// The error classes are header-only; this unit anchors their vtables in the shared library so that
// exceptions thrown inside libferguard are caught by type in applications and in the Python module.
#include "ferguard/error.h"
