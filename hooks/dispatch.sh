#!/bin/sh
# keyguard: what git runs for this hook (written by `keyguard install`; `keyguard uninstall` removes it).
# It lives in the git directory every worktree shares, which sparse checkout, `git clean` and
# `git worktree add --no-checkout` never touch. Like husky's dispatcher it runs the project's own
# .husky/ script for this hook, then the hooks that were here before keyguard, and then keyguard's
# check, so that the check sees what the commit will really contain.
hook=${0##*/}
here=${0%/*}
husky_dir={{HUSKY_DIR}}
keyguard={{KEYGUARD}}/hooks/keyguard.sh
# Folders whose hooks ran before keyguard was installed, one a line.
chained_dirs="$here/../keyguard/previous-hooks{{CHAINED}}"

[ "${HUSKY-}" = "2" ] && set -x
husky_init="${XDG_CONFIG_HOME:-$HOME/.config}/husky/init.sh"
[ -f "$husky_init" ] && . "$husky_init"
[ "${HUSKY-}" = "0" ] && exit 0

case "$hook" in
  pre-commit | pre-merge-commit | prepare-commit-msg | commit-msg | pre-applypatch | applypatch-msg | pre-push) checks=yes ;;
  *) checks= ;;
esac
if [ -n "$checks" ] && [ ! -f "$keyguard" ]; then
  case "$keyguard" in /*) ;; *)
    # A linked worktree without node_modules of its own: the main worktree's keyguard.
    common=$(cd "$here/.." && pwd)
    if [ "${common##*/}" = .git ] && [ -f "${common%/*}/$keyguard" ]; then keyguard="${common%/*}/$keyguard"; fi ;;
  esac
fi

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
  if [ ! -f "$keyguard" ]; then
    echo "keyguard: $keyguard is missing (run npm install): the AWS credential check cannot run, so git is stopped here." >&2
    exit 2
  fi
  with_input sh "$keyguard" "$@" || exit $?
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
    chained_hooks "$@" ;;
  *)
    project_script "$@"
    chained_hooks "$@" ;;
esac
exit 0
