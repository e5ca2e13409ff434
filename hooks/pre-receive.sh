#!/bin/sh
# keyguard pre-receive hook: rejects a push that adds AWS credentials (written by `keyguard install --server`;
# delete this file to remove it). git gives it the pushed refs on stdin; keyguard reads them from there.
node={{NODE}}
keyguard={{KEYGUARD}}
if [ ! -x "$node" ] || [ ! -f "$keyguard" ]; then
  echo "keyguard: $node or $keyguard is missing: the push cannot be checked, so it is rejected. Run keyguard install --server again." >&2
  exit 2
fi
exec "$node" "$keyguard" pre-receive
