#!/bin/sh
# keyguard in CI: scans the commits the pipeline adds for AWS credentials, fetching first what a
# shallow clone lacks. Any CI: run it from the repository's top level after installing keyguard.
#
#   sh keyguard-ci.sh [options for keyguard ci: --format json, --output <file>, --no-fail, --range <range>]
#
# GitHub Actions and GitLab CI are recognised by their own variables. In any other CI, set:
#   KEYGUARD_BASE            the commit the change starts from (a pull request's base; empty or
#                            zeros for a new branch)
#   KEYGUARD_HEAD            the commit being built (default: HEAD)
#   KEYGUARD_DEFAULT_BRANCH  with no base: scan only the commits not on this branch (else the whole history)
# and optionally:
#   KEYGUARD                 the keyguard executable (default: node_modules/.bin/keyguard, else keyguard on PATH)
#   KEYGUARD_REMOTE          the remote to fetch from (default: origin)
#   KEYGUARD_FETCH=0         fetch nothing: a shallow clone then fails (exit 2) and says what to fetch
#
# Exit codes: 0 nothing found, 1 credentials found, 2 keyguard could not check (the job must fail).
set -eu

if [ -n "${KEYGUARD:-}" ]; then
  keyguard=$KEYGUARD
elif [ -x node_modules/.bin/keyguard ]; then
  keyguard=node_modules/.bin/keyguard
elif command -v keyguard >/dev/null 2>&1; then
  keyguard=keyguard
else
  echo "keyguard-ci: keyguard is not installed here: add it to devDependencies and run npm ci first, or set KEYGUARD." >&2
  exit 2
fi
remote=${KEYGUARD_REMOTE:-origin}

if [ "${KEYGUARD_FETCH:-1}" != 0 ]; then
  # What the scan needs that this clone lacks (commit ids, refspecs), as keyguard works it out.
  wants=$("$keyguard" ci --wants "$@") || exit 2
  set -f # ref names never hold glob characters, but be sure: no pathname expansion
  if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
    # shellcheck disable=SC2086 # one word per commit id or refspec
    git fetch --quiet --no-tags --unshallow "$remote" $wants ||
      echo "keyguard-ci: git fetch --unshallow $remote failed; keyguard checks what is here and stops if that is not enough." >&2
  elif [ -n "$wants" ]; then
    # shellcheck disable=SC2086
    git fetch --quiet --no-tags "$remote" $wants ||
      echo "keyguard-ci: git fetch $remote failed; keyguard checks what is here and stops if that is not enough." >&2
  fi
  set +f
fi

exec "$keyguard" ci "$@"
