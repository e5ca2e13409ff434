import { afterAll, describe, expect, it } from 'vitest';
import { keyIdForAccount } from '../../src/fake-keys.js';
import { Scenario, type RecordInput } from './scenario.js';
import { ACCOUNT, at, instanceId, record } from './story.js';
import { flat, IncidentWorkspace } from './workspace.js';

/**
 * A key that made 60,000 calls (a loop the attacker left running), in 60 pages of 1,000: the
 * instances it started on the very first and very last event, and across page boundaries, are all
 * found, and the timeline stays readable.
 */

const PAGES = 60;
const PER_PAGE = 1000;
const ws = new IncidentWorkspace();
afterAll(() => ws.remove());

describe('a large incident', () => {
  it('reads every page, finds what sits on the first, last and boundary events, and groups the loop', () => {
    const leaked = keyIdForAccount(ACCOUNT);
    const scenario = new Scenario(ACCOUNT, ['eu-central-1']);
    const special = new Map<number, string>();
    for (const index of [0, PER_PAGE - 1, PER_PAGE, 30 * PER_PAGE - 1, 30 * PER_PAGE, PAGES * PER_PAGE - 1]) special.set(index, instanceId());
    const records: RecordInput[] = [];
    for (let i = 0; i < PAGES * PER_PAGE; i++) {
      const time = at(i / 60);
      const id = special.get(i);
      records.push(
        id
          ? record.runInstances('eu-central-1', time, leaked, [{ id, type: 'c5.large' }])
          : record.plain(i % 2 === 0 ? 'DescribeInstances' : 'DescribeInstanceStatus', 'ec2.amazonaws.com', 'eu-central-1', time, leaked, { cli: 1 }),
      );
    }
    scenario.addEvents({ attribute: 'AccessKeyId', value: leaked }, 'eu-central-1', records, PAGES);
    scenario.users = [{ name: 'deploy-bot', accessKeys: [{ keyId: leaked, status: 'Active' }], loginProfile: false, attached: [], inline: [], groups: [] }];
    scenario.writeRound(ws.path('incident'), 1, [{ attribute: 'AccessKeyId', value: leaked }]);

    const json = ws.keyguard(['incident', '--review', 'incident', '--format', 'json']);
    expect(json.stderr).toBe('');
    expect(json.status).toBe(0);
    const review = JSON.parse(json.stdout);
    expect(review.timeline[0].events).toHaveLength(PAGES * PER_PAGE);
    expect(review.resources.map((r: { instanceId: string }) => r.instanceId).sort()).toEqual([...special.values()].sort());

    const text = ws.keyguard(['incident', '--review', 'incident']);
    expect(text.status).toBe(0);
    const timeline = text.stdout.slice(text.stdout.indexOf('\n1. '), text.stdout.indexOf('\n2. '));
    // The polling loop between them is one line each time; each RunInstances stands out.
    expect(flat(timeline)).toContain(`eu-central-1: ${PAGES * PER_PAGE} events`);
    expect(flat(timeline)).toContain('998 read calls (to');
    expect(flat(timeline)).toMatch(/28998 read calls \(to [\d-]* ?\d\d:\d\d:\d\dZ\): DescribeInstance(Status|s) ×14499, DescribeInstance(Status|s) ×14499;/);
    expect(timeline.match(/RunInstances/g)).toHaveLength(4);
    expect(timeline.match(/RunInstances ×2/g)).toHaveLength(2);
    expect(timeline.split('\n').length).toBeLessThan(30);
  }, 300_000);
});
