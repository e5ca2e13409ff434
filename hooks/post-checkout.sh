# >>> keyguard: {{PURPOSE}} (added by `keyguard install`; `keyguard uninstall` removes it)
keyguard="${0%/*}/{{KEYGUARD}}/hooks/keyguard.sh"
case "$1" in *[!0]*) ;; *)
  # A checkout from nothing (git worktree add): make sure the new worktree runs these hooks too.
  if [ -f "$keyguard" ]; then KEYGUARD_HOOKS_DIR="${0%/*}/_" sh "$keyguard" post-checkout "$@" || true; fi ;;
esac
{{RUN}}
# <<< keyguard
