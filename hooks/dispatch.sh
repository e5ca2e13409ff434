#!/bin/sh
# keyguard: what git runs for this hook (written by `keyguard install`; `keyguard uninstall` removes it).
# It lives in the git directory every worktree shares, which sparse checkout, `git clean` and
# `git worktree add --no-checkout` never touch. Like husky's dispatcher it runs the project's own
# .husky/ script for this hook, then the hooks that were here before keyguard, and then keyguard's
# check, so that the check sees what the commit will really contain.
hook=${0##*/}
here=${0%/*}
husky_dir={{HUSKY_DIR}}
launcher={{KEYGUARD}}/hooks/keyguard.sh
keyguard=$launcher
# The npm project (where yarn's Plug'n'Play is looked for) and what installs its packages.
project_dir={{PROJECT_DIR}}
install_command={{INSTALL_COMMAND}}
# Folders whose hooks ran before keyguard was installed, one a line.
chained_dirs="$here/../keyguard/previous-hooks{{CHAINED}}"

[ "${HUSKY-}" = "2" ] && set -x
husky_init="${XDG_CONFIG_HOME:-$HOME/.config}/husky/init.sh"
[ -f "$husky_init" ] && . "$husky_init"
[ "${HUSKY-}" = "0" ] && exit 0

# yarn's Plug'n'Play has no node_modules: keyguard is unpacked in a folder whose name changes with
# every upgrade (.yarn/unplugged/keyguard-npm-<version>-<hash>/). The project's .pnp.cjs (or
# .pnp.data.json), which yarn rewrites on every install, says where it is: the one packageLocation
# of keyguard. Returns 1 where there is no .pnp.cjs; otherwise it sets $keyguard, or $missing to
# say why keyguard cannot run.
missing=
newline='
'
plug_and_play() {
  dir=$project_dir
  while [ ! -f "$1/$dir/.pnp.cjs" ]; do
    [ "$dir" = . ] && return 1
    case "$dir" in */*) dir=${dir%/*} ;; *) dir=. ;; esac
  done
  case "$dir" in .) pnp=$1/.pnp.cjs ;; *) pnp=$1/$dir/.pnp.cjs ;; esac
  case "$pnp" in /*) ;; *) pnp=$PWD/${pnp#./} ;; esac
  data=$pnp
  [ -f "${pnp%.cjs}.data.json" ] && data="${pnp%.cjs}.data.json"
  found=$(LC_ALL=C grep -o '"packageLocation": *"[^"]*/node_modules/keyguard/"' "$data")
  # One location, however many times it is listed.
  first=${found%%"$newline"*} rest=$found
  while [ -n "$rest" ]; do
    if [ "${rest%%"$newline"*}" != "$first" ]; then
      missing="$data lists several copies of keyguard, and the hooks cannot tell which one this project uses (see: yarn why keyguard)"
      return 0
    fi
    case "$rest" in *"$newline"*) rest=${rest#*"$newline"} ;; *) rest= ;; esac
  done
  if [ -z "$first" ]; then
    missing="yarn's Plug'n'Play ($data) lists no keyguard (run $install_command)"
    return 0
  fi
  location=${first#*\"packageLocation\":}
  location=${location#"${location%%[! ]*}"}
  location=${location#\"}
  location=${location#./}
  location="${pnp%/*}/${location%\"}hooks/keyguard.sh"
  if [ -f "$location" ]; then
    keyguard=$location
    KEYGUARD_PNP=$pnp # the launcher runs node with it, so that keyguard's dependencies resolve
    export KEYGUARD_PNP
  else
    case "$location" in
      *.zip/*) missing="keyguard is inside a zip archive of yarn's cache, where git cannot run it: add \"dependenciesMeta\": {\"keyguard\": {\"unplugged\": true}} to package.json, then run $install_command" ;;
      *) missing="$location is missing (run $install_command)" ;;
    esac
  fi
  return 0
}

# Where keyguard is, looked up only when a hook runs keyguard (so a commit pays for it once per
# hook that checks): node_modules, else Plug'n'Play, else a linked worktree's main worktree.
find_keyguard() {
  [ -f "$keyguard" ] && return 0
  case "$keyguard" in /*) return 0 ;; esac
  plug_and_play . && return 0
  # A linked worktree without packages of its own: the main worktree's keyguard.
  common=$(cd "$here/.." && pwd)
  [ "${common##*/}" = .git ] || return 0
  if [ -f "${common%/*}/$launcher" ]; then keyguard="${common%/*}/$launcher"; else plug_and_play "${common%/*}"; fi
}

# Hooks that git feeds on stdin: every part gets the whole of it. Other hooks keep git's stdin.
case "$hook" in
  pre-push | post-rewrite) fed=yes input=$(cat) ;;
  *) fed= input= ;;
esac
with_input() {
  if [ -z "$fed" ]; then "$@"
  elif [ -n "$input" ]; then printf '%s\n' "$input" | "$@"
  else "$@" </dev/null
  fi
}

project_script() {
  script="$husky_dir/$hook"
  [ -f "$script" ] || return 0
  with_input env PATH="node_modules/.bin:$PATH" sh -e "$script" "$@"
  code=$?
  if [ $code != 0 ]; then echo "husky - $hook script failed (code $code)" >&2; exit $code; fi
}

chained_hooks() {
  [ -z "${KEYGUARD_CHAINED-}" ] || return 0
  old_ifs=$IFS IFS='
'
  for dir in $chained_dirs; do
    IFS=$old_ifs
    previous="$dir/$hook"
    [ -f "$previous" ] && [ -x "$previous" ] || continue
    with_input env KEYGUARD_CHAINED=1 "$previous" "$@" || exit $?
  done
  IFS=$old_ifs
}

keyguard_check() {
  find_keyguard
  if [ ! -f "$keyguard" ]; then
    echo "keyguard: ${missing:-$keyguard is missing (run $install_command)}: the AWS credential check cannot run, so git is stopped here." >&2
    exit 2
  fi
  with_input sh "$keyguard" "$@" || exit $?
}

# Git LFS: git-lfs installs pre-push, post-checkout, post-commit and post-merge hooks, but refuses
# to replace hooks it did not write (keyguard's), and a push without `git lfs pre-push` sends the
# pointers and never uploads their content. So these dispatchers run git-lfs's hooks themselves in
# a repository that uses LFS, unless a script they run already does (git-lfs's own hook kept from
# before keyguard, or a .husky/ script that calls it as husky's docs say). For a commit or a
# checkout the test is git-lfs's store in the git directory (`git lfs track`, and every file git-lfs
# cleans or smudges, make it), which costs no process, so that a commit in a repository without LFS
# costs what it did.
lfs_reason=
uses_lfs() {
  common=$here/..
  if [ -d "$common/lfs" ]; then lfs_reason="it has a Git LFS store, $common/lfs"; return 0; fi
  # A push can afford grep (a commit could not): git-lfs's filter set up here, or files marked for
  # LFS, before anything was stored (a GIT_LFS_SKIP_SMUDGE clone).
  [ "$hook" = pre-push ] || return 1
  if grep -qs '^\[filter "lfs"\]' "$common/config"; then lfs_reason="$common/config sets the filter lfs"; return 0; fi
  for attributes in .gitattributes "$common/info/attributes"; do
    if grep -qs 'filter=lfs' "$attributes"; then lfs_reason="$attributes has filter=lfs"; return 0; fi
  done
  return 1
}

# Whether a hook script runs git-lfs's hook (`git lfs pre-push "$@"`) on a line of its own making.
runs_lfs() {
  [ -f "$1" ] || return 1
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line#"${line%%[! 	]*}"}
    case "$line" in '#'*) ;; *"git lfs $hook"* | *"git-lfs $hook"*) return 0 ;; esac
  done < "$1"
  return 1
}

lfs_hook() {
  [ -z "${KEYGUARD_CHAINED-}" ] || return 0 # the dispatcher that chained this one runs it
  uses_lfs || return 0
  runs_lfs "$husky_dir/$hook" && return 0
  old_ifs=$IFS IFS='
'
  for dir in $chained_dirs; do
    IFS=$old_ifs
    if [ -x "$dir/$hook" ] && runs_lfs "$dir/$hook"; then return 0; fi
  done
  IFS=$old_ifs
  if ! command -v git-lfs >/dev/null 2>&1; then
    if [ "$hook" = pre-push ]; then
      echo "keyguard: this repository uses Git LFS ($lfs_reason), but git-lfs is not installed (not found on PATH): git is stopped here, because the push would send LFS pointers without their content. Install Git LFS (https://git-lfs.com), then push again." >&2
      exit 2
    fi
    echo "keyguard: this repository uses Git LFS ($lfs_reason), but git-lfs is not installed (not found on PATH), so its $hook hook did not run. Install Git LFS (https://git-lfs.com)." >&2
    return 0
  fi
  with_input git lfs "$hook" "$@" || exit $?
}

# prepare-commit-msg: commits made without pre-commit (cherry-pick, rebase, revert, `rebase
# --continue` after an edit or a conflict) are checked here. A `git commit`, whose pre-commit ran
# (or was skipped on purpose with --no-verify), is not checked twice.
made_without_pre_commit() {
  [ -n "${GIT_REFLOG_ACTION-}" ] && return 0 # `rebase --continue` commits through `git commit`
  if [ -r "/proc/$PPID/cmdline" ]; then
    parent=$(tr '\000' '\n' < "/proc/$PPID/cmdline") || return 0
  else
    parent=$(ps -o args= -p "$PPID" | tr ' ' '\n') || return 0
  fi
  skip_next=
  for word in $parent; do
    if [ -n "$skip_next" ]; then skip_next=; continue; fi
    case "$word" in
      -c | -C) skip_next=yes ;;
      */git | git | -*) ;;
      commit) return 1 ;;
      *) return 0 ;;
    esac
  done
  return 0
}

case "$hook" in
  pre-commit | pre-merge-commit)
    project_script "$@"
    chained_hooks "$@"
    keyguard_check "$hook" ;;
  prepare-commit-msg)
    project_script "$@"
    chained_hooks "$@"
    if made_without_pre_commit; then keyguard_check pre-commit; fi ;;
  pre-applypatch)
    project_script "$@"
    chained_hooks "$@"
    keyguard_check pre-commit ;;
  commit-msg | applypatch-msg)
    project_script "$@"
    chained_hooks "$@"
    keyguard_check commit-msg "$1" ;;
  pre-push)
    # Nothing else runs (uploads, tests) for a push that is refused.
    keyguard_check pre-push "$@"
    project_script "$@"
    chained_hooks "$@"
    lfs_hook "$@" ;;
  post-checkout | post-commit | post-merge)
    project_script "$@"
    chained_hooks "$@"
    lfs_hook "$@" ;;
  *)
    project_script "$@"
    chained_hooks "$@" ;;
esac
exit 0
