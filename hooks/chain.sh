# >>> keyguard: {{PURPOSE}} (added by `keyguard install`; `keyguard uninstall` removes it)
{{RUN}}
# <<< keyguard
