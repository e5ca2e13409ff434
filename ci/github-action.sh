#!/bin/sh
# The GitHub Action's step (action.yml): keyguard from the action's own folder, run with the
# runner's node, on what the workflow's event adds. Inputs arrive as INPUT_* variables.
set -eu
action=${GITHUB_ACTION_PATH:?this script is run by the keyguard GitHub Action}

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then
  echo "::error title=keyguard::keyguard needs Node.js 20 or later on the runner (found: $(node --version 2>/dev/null || echo none)). Add actions/setup-node with node-version: 20 before this step."
  exit 2
fi

# A checkout of the action's source has no built code: build it once, in the action's folder.
if [ ! -f "$action/dist/cli.cjs" ]; then
  echo "keyguard: building keyguard from the action's source (npm ci, build)" >&2
  (cd "$action" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && node scripts/build.mjs) >&2
fi

set --
[ -n "${INPUT_RANGE:-}" ] && set -- "$@" --range "$INPUT_RANGE"
[ -n "${INPUT_FORMAT:-}" ] && set -- "$@" --format "$INPUT_FORMAT"
[ -n "${INPUT_OUTPUT:-}" ] && set -- "$@" --output "$INPUT_OUTPUT"
[ "${INPUT_FAIL:-true}" = false ] && set -- "$@" --no-fail
[ "${INPUT_FETCH:-true}" = false ] && export KEYGUARD_FETCH=0

KEYGUARD="$action/bin/keyguard.js" exec sh "$action/ci/keyguard-ci.sh" "$@"
