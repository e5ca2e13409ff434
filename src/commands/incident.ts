import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { accountIdFromKeyId } from '../detect/account-id.js';
import { decodeContent } from '../detect/content.js';
import { ACCESS_KEY_ID_SHAPE } from '../detect/anchors.js';
import { judgeKeyIdBody } from '../detect/plausibility.js';
import { scanText } from '../detect/scan-text.js';
import { runGit } from '../git/run-git.js';
import { COMMIT_HEADER_PATH, MESSAGE_PATH, messageOfObject, splitObject } from '../scan/message.js';
import { TAG_PATH } from '../scan/push.js';
import { wrap } from '../report/labels.js';
import { compromisedKeyPlan, incidentScript } from '../report/plan.js';
import { styleFor } from '../report/style.js';
import { EXIT_CLEAN, EXIT_ERROR, type ExitCode, type Io } from './io.js';

const LOCATION = /^(.+?):(\d+)(?::(\d+))?$/;
const WIDTH = 96;

export interface IncidentOptions {
  /** An access key ID, or `path:line[:column]` where keyguard reported one. */
  target: string;
  /** With a location: read the file as it is in this commit. */
  commit?: string;
  /** Print only the script. */
  scriptOnly: boolean;
}

/** The access key ID at a reported location (in the working tree, or in a commit). */
async function keyIdAt(io: Io, path: string, line: number, column: number | undefined, commit: string | undefined): Promise<string> {
  let text: string;
  const readObject = async (args: string[]) => {
    const out = await runGit({ cwd: io.cwd, env: io.env }, args).catch(() => undefined);
    if (out === undefined) throw new Error(`cannot read ${path}${commit ? ` in commit ${commit}` : ''}.`);
    return out;
  };
  // File content is decoded as the check decoded it (UTF-16, binary), so lines and columns agree.
  const fileText = async (args: string[]) => decodeContent(await readObject(args)).text;
  // The places pre-push and --history report that are not files: messages, tagged objects.
  const tagged = TAG_PATH.exec(path);
  if (path === MESSAGE_PATH || path === COMMIT_HEADER_PATH) {
    if (!commit) throw new Error(`give the commit that holds the key: keyguard incident '${path}:${line}' --commit <commit>.`);
    const parts = splitObject(await readObject(['cat-file', 'commit', commit]));
    text = path === MESSAGE_PATH ? parts.message : parts.header;
  } else if (tagged) {
    const [, what, ref, inTree] = tagged;
    if (what === 'message of tag') text = messageOfObject(await readObject(['cat-file', 'tag', ref!]));
    else if (what === 'blob tagged') text = await fileText(['cat-file', 'blob', `${ref}^{blob}`]);
    else text = await fileText(['cat-file', 'blob', `${ref}^{tree}:${inTree ?? ''}`]);
  } else if (commit) {
    text = await fileText(['cat-file', 'blob', `${commit}:./${path}`]);
  } else {
    const file = resolve(io.cwd, path);
    if (!existsSync(file)) throw new Error(`no such file: ${path}.`);
    text = decodeContent(readFileSync(file)).text;
  }
  const detections = scanText(text);
  const here = detections.filter((d) => d.line === line && (column === undefined || d.column === column));
  let keyIds = [...new Set(here.filter((d) => d.kind === 'access-key-id').map((d) => d.value))];
  if (keyIds.length === 0 && here.length > 0) {
    // The check reported a secret or a session token here: its key ID is the one written closest to it.
    const nearest = detections
      .filter((d) => d.kind === 'access-key-id')
      .sort((a, b) => Math.abs(a.line - line) - Math.abs(b.line - line))[0];
    if (nearest === undefined) {
      throw new Error(
        `${path}:${line} holds a ${here[0]!.kind === 'session-token' ? 'session token' : 'secret access key'} without its access key ID. ` +
          'Find the key ID (next to the secret in ~/.aws/credentials, or in the IAM console), then run: keyguard incident <access key ID>',
      );
    }
    keyIds = [nearest.value];
  }
  if (keyIds.length === 0) throw new Error(`there is no access key ID at ${path}:${line}${column ? `:${column}` : ''}.`);
  if (keyIds.length > 1) throw new Error(`there are ${keyIds.length} access key IDs on ${path}:${line}; add the column (path:line:column).`);
  return keyIds[0]!;
}

/**
 * `keyguard incident <ACCESS_KEY_ID | path:line[:column]>`: the full plan for a key that escaped,
 * with the key and its account filled into every command, and a script to review and run. keyguard
 * itself calls no AWS or other network service.
 */
export async function incident(options: IncidentOptions, io: Io): Promise<ExitCode> {
  let keyId = options.target;
  const location = LOCATION.exec(options.target);
  if (!ACCESS_KEY_ID_SHAPE.test(keyId)) {
    if (!location) {
      io.stderr.write(`keyguard: "${options.target}" is not an access key ID (AKIA, ASIA, ABIA or ACCA and 16 characters) nor a path:line.\n`);
      return EXIT_ERROR;
    }
    try {
      keyId = await keyIdAt(io, location[1]!, Number(location[2]), location[3] ? Number(location[3]) : undefined, options.commit);
    } catch (error) {
      io.stderr.write(`keyguard: ${(error as Error).message}\n`);
      return EXIT_ERROR;
    }
  }
  if (options.scriptOnly) {
    io.stdout.write(incidentScript(keyId));
    return EXIT_CLEAN;
  }
  const style = styleFor(io.stdout, io.env);
  const accountId = accountIdFromKeyId(keyId);
  const out: string[] = [];
  out.push(style.bold(`keyguard incident: ${keyId}${accountId ? ` (AWS account ${accountId})` : ' (its account cannot be decoded offline; aws sts get-access-key-info tells)'}`));
  if (judgeKeyIdBody(keyId.slice(4)) !== 'credential') {
    out.push(style.yellow('This looks like an example or a placeholder, not a real key. If it is real after all, the plan below applies.'));
  }
  out.push(
    '',
    wrap(
      'Treat this key as compromised and do these steps in order. Run the commands yourself, with your own administrator ' +
        'credentials (never the exposed key). keyguard does not contact AWS or any other service.',
      WIDTH,
    ),
  );
  compromisedKeyPlan({ keyId, accountId, temporary: keyId.startsWith('ASIA') }).forEach((step, i) => {
    out.push('', wrap(`${style.bold(step.title)}. ${step.text}`, WIDTH, `${i + 1}. `, '   '));
    for (const command of step.commands) out.push(`     ${command}`);
    for (const link of step.links) out.push(style.dim(`   ${link.title}: ${link.url}`));
  });
  out.push(
    '',
    style.bold('A script to review, then run with your AWS CLI credentials (keyguard incident <key> --script > check-key.sh):'),
    '',
    incidentScript(keyId),
  );
  io.stdout.write(out.join('\n'));
  return EXIT_CLEAN;
}
