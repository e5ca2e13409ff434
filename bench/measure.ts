import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Timing on a noisy machine: commands measured in the same run are interleaved (one run of each,
 * round after round), so that a slow minute slows all of them alike, and reported as medians.
 */

export interface Command {
  label: string;
  command: string;
  args: string[];
  options?: SpawnSyncOptions;
  /** Runs before each timed run (not timed). */
  before?: () => void;
  /** Which exit codes count as success (default: 0). */
  okCodes?: number[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function timeOnce(command: Command): number {
  command.before?.();
  const start = process.hrtime.bigint();
  const result = spawnSync(command.command, command.args, { stdio: 'ignore', maxBuffer: 1 << 30, ...command.options });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.error) throw result.error;
  if (!(command.okCodes ?? [0]).includes(result.status ?? -1)) {
    throw new Error(`${command.label}: exit code ${result.status}`);
  }
  return elapsed;
}

/** Median wall time (ms) of each command over `runs` interleaved rounds, after one warm-up round. */
export function interleaved(commands: Command[], runs: number): Map<string, number> {
  const times = new Map(commands.map((c) => [c.label, [] as number[]]));
  for (const command of commands) timeOnce(command); // warm the page cache and git's own caches
  for (let round = 0; round < runs; round++) {
    for (const command of commands) times.get(command.label)!.push(timeOnce(command));
  }
  return new Map([...times].map(([label, values]) => [label, median(values)]));
}

const RSS_PRELOAD = `process.on('exit', () => { try { require('node:fs').writeFileSync(process.env.KEYGUARD_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)); } catch {} });\n`;

/** Peak resident memory (MB) of one run of a node script, measured by the process itself at exit. */
export function peakRss(script: string, args: string[], options: SpawnSyncOptions & { env: NodeJS.ProcessEnv }, okCodes = [0]): number {
  const dir = mkdtempSync(join(tmpdir(), 'keyguard-bench-rss-'));
  try {
    const preload = join(dir, 'preload.cjs');
    const out = join(dir, 'rss');
    writeFileSync(preload, RSS_PRELOAD);
    const result = spawnSync(process.execPath, ['--require', preload, script, ...args], {
      stdio: 'ignore',
      ...options,
      env: { ...options.env, KEYGUARD_BENCH_RSS_FILE: out },
    });
    if (!okCodes.includes(result.status ?? -1)) throw new Error(`${script} ${args.join(' ')}: exit code ${result.status}`);
    return Number(readFileSync(out, 'utf8')) / 1024; // maxRSS is in KB
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface WallAndCpu {
  /** Median wall time (ms). */
  wall: number;
  /** Median CPU time (ms, user + system) of the command and every process it started. */
  cpu: number;
}

/** Seconds in `times`' format (`0m1.234s`). */
function shellSeconds(text: string): number {
  const match = /^(\d+)m([\d.]+)s$/.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
}

/**
 * Like `interleaved`, also recording CPU time: each command runs under `sh`, whose `times` builtin
 * prints the user and system time of its children (git's processes included, which a process's own
 * counters miss). Output goes to /dev/null.
 */
export function interleavedWithCpu(commands: Command[], runs: number): Map<string, WallAndCpu> {
  const wrapped = commands.map((command) => ({
    ...command,
    command: 'sh',
    args: ['-c', '"$@" >/dev/null 2>&1; status=$?; times >&2; exit $status', 'sh', command.command, ...command.args],
  }));
  const walls = new Map(commands.map((c) => [c.label, [] as number[]]));
  const cpus = new Map(commands.map((c) => [c.label, [] as number[]]));
  const once = (command: Command) => {
    command.before?.();
    const start = process.hrtime.bigint();
    const result = spawnSync(command.command, command.args, { encoding: 'utf8', maxBuffer: 1 << 30, ...command.options, stdio: ['ignore', 'ignore', 'pipe'] });
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.error) throw result.error;
    if (!(command.okCodes ?? [0]).includes(result.status ?? -1)) throw new Error(`${command.label}: exit code ${result.status}`);
    const children = String(result.stderr).trim().split('\n').at(-1)!.trim().split(/\s+/);
    return { wall: elapsed, cpu: (shellSeconds(children[0]!) + shellSeconds(children[1]!)) * 1000 };
  };
  for (const command of wrapped) once(command); // warm-up
  for (let round = 0; round < runs; round++) {
    for (const command of wrapped) {
      const { wall, cpu } = once(command);
      walls.get(command.label)!.push(wall);
      cpus.get(command.label)!.push(cpu);
    }
  }
  return new Map(commands.map((c) => [c.label, { wall: median(walls.get(c.label)!), cpu: median(cpus.get(c.label)!) }]));
}
