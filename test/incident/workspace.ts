import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, Sandbox, type RunResult } from '../support/sandbox.js';
import { HOME_REGION, installStubAws, type Scenario } from './scenario.js';
import type { CloudTrailLookup } from '../../src/incident/target.js';

/**
 * A person's working folder during an incident: keyguard, and an `aws` that is a stub answering
 * from a Scenario (first on PATH), as the person's shell would find it.
 */
export class IncidentWorkspace {
  readonly box = Sandbox.empty();
  readonly stub = installStubAws();
  readonly env: NodeJS.ProcessEnv = {
    PATH: `${this.stub.bin}:${process.env.PATH}`,
    AWS_REGION: HOME_REGION,
    AWS_DEFAULT_REGION: '',
    AWS_ACCESS_KEY_ID: '',
    COLUMNS: '',
  };

  keyguard(args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
    return this.box.keyguard(args, { env: { ...this.env, ...env } });
  }

  /** Saves a script as the person would (keyguard ... > name) and runs it with sh. */
  runScript(name: string, text: string, args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
    writeFileSync(join(this.box.dir, name), text);
    return run('sh', [name, ...args], this.box.dir, { ...this.box.env, ...this.env, ...env });
  }

  /** `keyguard incident ... --collect`, answered by the scenario, run into the folder. */
  collect(scenario: Scenario, lookups: CloudTrailLookup[], keyguardArgs: string[], folder = 'incident'): RunResult {
    scenario.writeAnswers(this.stub.dir, lookups);
    const script = this.keyguard(keyguardArgs);
    if (script.status !== 0) throw new Error(`keyguard ${keyguardArgs.join(' ')} failed: ${script.stderr}`);
    return this.runScript(`collect-${Date.now()}.sh`, script.stdout, [folder]);
  }

  path(...parts: string[]): string {
    return this.box.path(...parts);
  }

  remove(): void {
    this.box.remove();
    rmSync(this.stub.dir, { recursive: true, force: true });
  }
}

/** Text with line wrapping undone, so that assertions do not depend on where lines break. */
export const flat = (text: string) => text.replace(/\s+/g, ' ');
