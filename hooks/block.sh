# >>> keyguard: {{PURPOSE}} (added by `keyguard install`; `keyguard uninstall` removes it)
keyguard="${0%/*}/{{KEYGUARD}}/hooks/keyguard.sh"
[ -f "$keyguard" ] || { echo "keyguard: $keyguard is missing (run npm install): the check cannot run, so git is stopped here" >&2; exit 2; }
{{RUN}}
# <<< keyguard
