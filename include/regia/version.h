/* regia/version.h - the tree this binary was built from: its git revision, with "-dirty"
 * when the tree had uncommitted changes to tracked files ("unknown" outside git).  make
 * regenerates BUILD/version.c on every build (rewritten only when the revision changed), so
 * provenance never names the revision an older object happened to be compiled at.  The
 * release itself is REGIA_VERSION (the VERSION file, a compiler definition). */
#ifndef REGIA_VERSION_H
#define REGIA_VERSION_H

extern const char regia_git_rev[];

#endif
