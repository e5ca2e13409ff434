#!/bin/sh
# keyguard's hook launcher. The dispatchers `keyguard install` writes into the git directory run this
# file by its path inside node_modules: no npx (slow, may fetch from the network), no PATH lookup of
# keyguard. It finds node even where a GUI git client's PATH lacks it, then runs `keyguard hook`.
[ "${HUSKY-}" = "0" ] && exit 0
bin="${0%/*}/../bin/keyguard.js"
# git commits and pushes objects, never their `git replace` stand-ins: read what git really uses.
GIT_NO_REPLACE_OBJECTS=1
export GIT_NO_REPLACE_OBJECTS

# What the detector anchors on (see prefilterPattern in src/detect/anchors.ts): key ID prefixes,
# Bedrock API key prefixes, service user names (-at-<account>), SSO token heads, their base64 forms,
# runs of 40 secret-key characters, and the decoded forms (hex, escapes, joined literals, narrow
# base64, gzip in base64). Text that does not match cannot hold a finding, so most commits are checked
# without starting node at all. A Git LFS pointer's oid line (64 hex digits) matches its 40-character
# run, so LFS content reaches node. git and grep run in the C locale: grep is then fast, and git's
# output is bytes either way.
pattern='AKIA|ASIA|ABIA|ACCA|ABSK|bedrock-api-key-|-at-[0-9]{12}|aoaAAAA|aorAAAA|QUtJQ|FLSU|BS0lB|QVNJQ|FTSU|BU0lB|QUJJQ|FCSU|BQklB|QUNDQ|FDQ0|BQ0NB|QUJTS|FCU0|BQlNL|YmVkcm9jay1hcGkta2V5L|JlZHJvY2stYXBpLWtleS|iZWRyb2NrLWFwaS1rZXkt|([A-Za-z0-9+/]|\\/|%2[FfBb]|\\u002[FfBb]|&#[xX]0*2[FfBb];|&#0*4[37];|&sol;|&plus;){40}|41 ?4[bB] ?49 ?41|41 ?53 ?49 ?41|41 ?42 ?49 ?41|41 ?43 ?43 ?41|(\\x[2-7][0-9A-Fa-f]|\\u00[2-7][0-9A-Fa-f]|%[2-7][0-9A-Fa-f]|&#[xX]0*[2-7][0-9A-Fa-f];|&#0*[3-9][0-9];|&#0*1[0-2][0-9];|0[xX][2-7][0-9A-Fa-f], ?){8}|H4sI|SDRzS|UVV0Sl|FVdEpR|RVXRKU|RkxTV|GTFNV|QlMwbE|JTMGxC|CUzBsQ|UVZOSl|FWTkpR|RVk5KU|RlRTV|GVFNV|QlUwbE|JVMGxC|CVTBsQ|UVVKSl|FVSkpR|RVUpKU|RkNTV|GQ1NV|QlFrbE|JRa2xC|CUWtsQ|UVVORF|FVTkRR|RVU5EU|RkRRM|GRFEw|QlEwTk|JRME5C|CUTBOQ|(^|[^A-Za-z0-9])A(K|KI|S|SI|B|BI|C|CC)?["'\''`]|[Ss][Ee][Cc][Rr][Ee][Tt].?([Aa][Cc][Cc][Ee][Ss][Ss].?)?[Kk][Ee][Yy]|[Aa][Ww][Ss].?[Ss][Ee][Cc][Rr][Ee][Tt]|^[+ 	]*[A-Za-z0-9+/]{16,}=*[^ -~]?$'
# Compressed bytes that git diffs as text (a zlib file, a PDF, a crafted gzip or zip with no NUL in
# its first 8000 bytes) hide what they hold from the pattern, and they are never UTF-8 text: a line
# with a control character or a byte sequence that is not UTF-8 goes to node, which opens containers.
# (A Latin-1 file starts node too; UTF-8 text does not.)
notText=$(printf '[\001-\010\016-\032\034-\037\177\300\301\365-\377]|[\001-\177][\200-\277]|[\302-\364]([\001-\177\300-\377]|$)|[\340-\364][\200-\277]([\001-\177\300-\377]|$)|[\360-\364][\200-\277]{2}([\001-\177\300-\377]|$)|[\302-\337][\200-\277]{2}|[\340-\357][\200-\277]{3}|[\360-\364][\200-\277]{4}')
case "$1" in
  pre-commit | pre-merge-commit)
    # The staged lines, as git diffs them. Binary files and any failure of git (a corrupt index, no
    # commit yet) go to node, which reads the files itself. UTF-16 that git diffs as text (no NUL in
    # its first 8000 bytes, or a `diff` attribute) has a NUL beside every ASCII character: tr deletes
    # them so that the pattern sees the text.
    # Each step appends its exit status, and grep's "no match" (1) counts only when all of them
    # are 0: a step that is missing (no tr on PATH) or fails sends the commit to the full check.
    { LC_ALL=C git diff-index --cached -p -U0 --no-color --no-ext-diff --no-textconv -M --ignore-submodules=none HEAD -- 2>/dev/null
      echo "keyguard-git-status:$?"; } | { LC_ALL=C tr -d '\000'; echo "keyguard-tr-status:$?"; } |
      LC_ALL=C grep -qE "$pattern|$notText|^Binary files |^keyguard-(git|tr)-status:[1-9]"
    [ $? -eq 1 ] && exit 0 ;;
  commit-msg)
    # (grep's exit status 1 is "no match"; anything else, node decides.)
    LC_ALL=C grep -qE "$pattern" "$2" 2>/dev/null
    [ $? -eq 1 ] && exit 0 ;;
esac
node=
if command -v node >/dev/null 2>&1; then
  node=node
else
  # GUI clients start hooks without the shell profile that puts node on PATH (nvm, volta, fnm,
  # asdf, Homebrew): look where those keep it.
  for candidate in "${NVM_BIN-}/node" "$HOME/.volta/bin/node" "$HOME/.asdf/shims/node" \
    "$HOME/.local/share/fnm/aliases/default/bin/node" "$HOME/.nodenv/shims/node" \
    /opt/homebrew/bin/node /usr/local/bin/node /usr/bin/node; do
    if [ -x "$candidate" ]; then node=$candidate; break; fi
  done
  if [ -z "$node" ]; then
    for candidate in "${NVM_DIR:-$HOME/.nvm}"/versions/node/*/bin/node; do
      [ -x "$candidate" ] && node=$candidate # nvm without NVM_BIN: the last installed version
    done
  fi
fi
if [ -z "$node" ]; then
  case "$1" in
    pre-commit | pre-merge-commit | commit-msg | pre-push)
      echo "keyguard: cannot find node to run the AWS credential check, so git is stopped here." >&2
      echo "  Install Node.js, or make it visible to your git client (see husky's guide for GUI clients and version managers)." >&2
      exit 2 ;;
  esac
  exit 0
fi

hook=$1
# Under yarn's Plug'n'Play (the dispatcher found keyguard through the project's .pnp.cjs) keyguard's
# own dependencies resolve only through that file, loaded first as `yarn node` would.
if [ -n "${KEYGUARD_PNP-}" ]; then
  set -- --require "$KEYGUARD_PNP" "$bin" hook "$@"
else
  set -- "$bin" hook "$@"
fi
if [ "$hook" = pre-commit ] || [ "$hook" = pre-merge-commit ]; then
  # git lists the staged changes while node starts; the list reaches keyguard on stdin, followed
  # by git's exit status (when it is not 0, keyguard asks git again and reports what git says).
  { git diff-index --cached --raw -z --no-abbrev -M --ignore-submodules=none HEAD -- 2>/dev/null
    printf 'keyguard-diff-status:%d\0' "$?"; } | "$node" "$@" --staged-diff-on-stdin
  exit $?
fi
exec "$node" "$@"
