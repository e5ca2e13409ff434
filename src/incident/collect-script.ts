import { shellQuote } from '../shell-quote.js';
import {
  ACCOUNT_INVENTORY,
  FORMAT_VERSION,
  IDENTITY,
  lookupArgs,
  lookupFile,
  MANIFEST,
  MANIFEST_MARKER,
  PAGE_SIZE,
  REGIONAL_INVENTORY,
  REGIONS,
  roundDir,
  USER_INVENTORY,
  type CallSpec,
} from './layout.js';
import { isValidLookup, type CloudTrailLookup } from './target.js';

/**
 * The collect script: POSIX sh that the person reviews and runs with their own AWS CLI credentials.
 * It makes read-only calls only, with `--output json` and no `--query` (every field is kept), in
 * every enabled region, pages by hand so that a failed page is named, and writes the raw answers into
 * the folder it is given (layout.ts). keyguard never runs it and never calls AWS itself.
 */
export interface CollectRequest {
  round: number;
  /** What to look up in CloudTrail: the exposed key, then the credentials derived from it. */
  lookups: CloudTrailLookup[];
  /** One line for the script's header: what the incident is about. */
  subject: string;
}

/** The AWS CLI commands the script may run: reads only (and `configure get`, which reads a local file). */
export const READ_ONLY_OPERATION = /^(describe|list|get|lookup)-/;

const json = (value: unknown) => JSON.stringify(value);

/** A spec's call as script text: `paged "<file>" <args> <extra>`, the file relative to "$out". */
function callLine(spec: CallSpec, file: string, extra: string[]): string {
  const args = [...spec.args.map(shellQuote), ...extra].join(' ');
  const line = `${spec.paged ? 'paged' : 'call'} "$out/${file}" ${args}`;
  return spec.absentWhen ? `absent=${shellQuote(spec.absentWhen)}; ${line}; absent=''` : line;
}

export function collectScript(request: CollectRequest): string {
  const { round, lookups } = request;
  for (const lookup of lookups) {
    // Values go into the script text and into file names: only what AWS itself allows.
    if (!isValidLookup(lookup)) throw new Error(`not a valid CloudTrail lookup: ${lookup.attribute}=${lookup.value}`);
  }
  const keyIds = lookups.filter((l) => l.attribute === 'AccessKeyId').map((l) => l.value);
  const manifestLookups = lookups.map((l) => json({ attribute: l.attribute, value: l.value })).join(', ');
  const manifestHead = `{"keyguard": ${json(MANIFEST_MARKER)}, "format": ${FORMAT_VERSION}, "round": ${round}, "lookups": [${manifestLookups}], "startedAt": "%s"%s}`;
  const regional = [
    ...lookups.map((lookup) => callLine({ file: '', paged: true, args: lookupArgs(lookup) }, lookupFile('$region', lookup), ['--region "$region"'])),
    ...Object.entries(REGIONAL_INVENTORY).map(([name, spec]) => callLine({ ...spec, file: '' }, `$region/${name}`, ['--region "$region"'])),
  ];
  const perUser = Object.entries(USER_INVENTORY).map(([name, spec]) =>
    callLine({ ...spec, file: '' }, `iam/users/$user.${name}`, ['--user-name="$user"', '--region "$home_region"']),
  );
  const account = Object.values(ACCOUNT_INVENTORY).map((spec) => callLine(spec, spec.file, ['--region "$home_region"']));

  return `${[
    '#!/bin/sh',
    `# keyguard incident --collect, round ${round}: ${request.subject.replace(/[^\x20-\x7e]/g, '?')}`,
    '#',
    '# Review this script, then run it with YOUR AWS CLI credentials (an administrator\'s, never an',
    '# exposed key):   sh collect.sh <folder>',
    '# It only reads: sts get-caller-identity, ec2 describe-*, cloudtrail lookup-events (the last 90',
    '# days), lambda list-functions, iam list-* and get-login-profile, in every region enabled in the',
    '# account. It writes the raw JSON answers (--output json: every field) into <folder>/round-' + round + '/,',
    '# one file per page, and a .error file for every call that failed. Then: keyguard incident --review <folder>',
    'set -u',
    'if [ "$#" -ne 1 ] || [ -z "$1" ]; then',
    '  echo "usage: sh $0 <folder>   (the folder that keyguard incident --review reads)" >&2',
    '  exit 2',
    'fi',
    'folder=$1',
    `out="$folder/${roundDir(round)}"`,
    'if [ -e "$out" ]; then',
    '  echo "$out already exists. To collect this round again, remove it (rm -r \\"$out\\") and run this script again." >&2',
    '  exit 2',
    'fi',
    ...(keyIds.length > 0
      ? [
          '# Never with an exposed key: it may be deactivated by now, and using it muddles the trail.',
          'configured=${AWS_ACCESS_KEY_ID:-$(aws configure get aws_access_key_id 2>/dev/null)}',
          `case "$configured" in`,
          `  ${keyIds.join('|')})`,
          '    echo "Your AWS CLI is set up with $configured, an exposed key. Run this with other (administrator) credentials." >&2',
          '    exit 2 ;;',
          'esac',
        ]
      : []),
    'mkdir -p "$out/iam/users" || exit 2',
    "export AWS_PAGER=''",
    ': "${AWS_RETRY_MODE:=adaptive}" "${AWS_MAX_ATTEMPTS:=10}"   # CloudTrail allows 2 lookups a second: retry when throttled',
    'export AWS_RETRY_MODE AWS_MAX_ATTEMPTS',
    '# Global calls (STS, IAM) still need a region for the AWS CLI: the configured one, else us-east-1.',
    'home_region=${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region 2>/dev/null)}}',
    'home_region=${home_region:-us-east-1}',
    `page_size=${PAGE_SIZE}`,
    "written=0 failed=0 absent=''",
    'started=$(date -u +%Y-%m-%dT%H:%M:%SZ)',
    '',
    '# The manifest: what this round looked up; finishedAt is written last, so an interrupted run shows.',
    'manifest() {',
    `  printf '${manifestHead}\\n' "$started" "$1" >"$out/${MANIFEST}"`,
    '}',
    "manifest ''",
    '',
    '# call FILE ARGS...: one aws call; its answer goes to FILE.json, its error to FILE.error.',
    'call() {',
    '  file=$1',
    '  shift',
    '  aws "$@" --output json >"$file.part" 2>"$file.stderr"',
    '  status=$?',
    '  if [ "$status" -eq 0 ]; then',
    '    mv "$file.part" "$file.json" && rm -f "$file.stderr"',
    '    written=$((written + 1))',
    '    echo "wrote $file.json"',
    '    return 0',
    '  fi',
    '  rm -f "$file.part"',
    '  if [ -n "$absent" ] && grep -q "$absent" "$file.stderr"; then',
    '    mv "$file.stderr" "$file.absent"',
    '    echo "wrote $file.absent (there is none)"',
    '    return 0',
    '  fi',
    '  { echo "aws $1 $2 failed (exit status $status):"; cat "$file.stderr"; } >"$file.error"',
    '  rm -f "$file.stderr"',
    '  failed=$((failed + 1))',
    '  echo "FAILED: aws $1 $2, see $file.error"',
    '  return 1',
    '}',
    '',
    '# paged FILE ARGS...: every page of a paged call, by hand: FILE.1.json, FILE.2.json, ...',
    'paged() {',
    '  base=$1',
    '  shift',
    '  page=1',
    '  call "$base.1" "$@" --max-items "$page_size" || return 1',
    '  while :; do',
    String.raw`    token=$(sed -n 's|^    "NextToken": "\([A-Za-z0-9+/=]*\)",\{0,1\}$|\1|p' "$base.$page.json")`,
    '    if [ -z "$token" ]; then',
    `      grep -q '^    "NextToken"' "$base.$page.json" || return 0`,
    '      page=$((page + 1))',
    '      echo "cannot read the NextToken of $base.$((page - 1)).json: the pages after it were not fetched" >"$base.$page.error"',
    '      failed=$((failed + 1))',
    '      echo "FAILED: see $base.$page.error"',
    '      return 1',
    '    fi',
    '    page=$((page + 1))',
    '    call "$base.$page" "$@" --max-items "$page_size" --starting-token "$token" || return 1',
    '  done',
    '}',
    '',
    '# Who is collecting, and the regions enabled in the account: nothing else works without them.',
    `${callLine(IDENTITY, IDENTITY.file, ['--region "$home_region"'])} || { echo "Check your AWS CLI credentials (aws sts get-caller-identity), remove $out and run this again." >&2; exit 1; }`,
    `${callLine(REGIONS, REGIONS.file, ['--region "$home_region"'])} || { echo "Cannot list the regions: remove $out and run this again." >&2; exit 1; }`,
    String.raw`regions=$(sed -n 's|^ *"RegionName": "\([a-z0-9-]*\)",\{0,1\}$|\1|p' "$out/regions.json")`,
    '',
    'for region in $regions; do',
    '  mkdir -p "$out/$region" || exit 2',
    ...regional.map((line) => `  ${line}`),
    'done',
    '',
    '# IAM is global: the users with their keys, login profiles, policies and groups; roles; local policies.',
    ...account,
    String.raw`users=$(cat "$out"/iam/users.*.json 2>/dev/null | sed -n 's|^ *"UserName": "\([A-Za-z0-9+=,.@_-]*\)",\{0,1\}$|\1|p')`,
    'for user in $users; do',
    ...perUser.map((line) => `  ${line}`),
    'done',
    '',
    `manifest ", \\"finishedAt\\": \\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\\", \\"failedCalls\\": $failed"`,
    'echo',
    `echo "Round ${round}: wrote $written files into $out."`,
    'if [ "$failed" -gt 0 ]; then echo "$failed calls FAILED: their .error files say why, and the review lists them."; fi',
    'echo "Next: keyguard incident --review $folder"',
    '[ "$failed" -eq 0 ]',
  ].join('\n')}\n`;
}
