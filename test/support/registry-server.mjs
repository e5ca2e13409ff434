// A tiny npm registry for the package-manager tests: it serves keyguard from the tarballs in a
// folder, as if each were a published version (so that pnpm's `allowBuilds: keyguard` matches it
// by name, and an upgrade is a new tarball dropped into the folder), and passes every other request
// through to the real registry. Run as its own process (the tests block their event loop in
// spawnSync): `node registry-server.mjs <port file> <upstream registry> <folder>`; it writes its
// port into <port file> once it listens.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const [portFile, upstream, folder] = process.argv.slice(2);
const NAME = 'keyguard';
// Old enough for any minimum-release-age policy a package manager applies by default.
const PUBLISHED = '2025-01-01T00:00:00.000Z';

/** The published versions: every tarball in the folder, read again on each request. */
const read = new Map();
function published() {
  const versions = new Map();
  for (const name of readdirSync(folder).filter((file) => file.endsWith('.tgz'))) {
    if (!read.has(name)) {
      const file = join(folder, name);
      const manifest = JSON.parse(execFileSync('tar', ['-xzOf', file, 'package/package.json'], { encoding: 'utf8' }));
      read.set(name, { manifest, bytes: readFileSync(file) });
    }
    const entry = read.get(name);
    versions.set(entry.manifest.version, entry);
  }
  return versions;
}

function packument(base) {
  const versions = published();
  const all = {};
  const time = { created: PUBLISHED, modified: PUBLISHED };
  for (const [version, { manifest, bytes }] of versions) {
    all[version] = {
      ...manifest,
      _id: `${NAME}@${version}`,
      dist: {
        tarball: `${base}/${NAME}/-/${NAME}-${version}.tgz`,
        shasum: createHash('sha1').update(bytes).digest('hex'),
        integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
      },
    };
    time[version] = PUBLISHED;
  }
  const latest = [...versions.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).at(-1);
  return { name: NAME, 'dist-tags': { latest }, versions: all, time, modified: PUBLISHED };
}

async function passThrough(request, response) {
  const headers = {};
  if (request.headers.accept) headers.accept = request.headers.accept;
  const answer = await fetch(`${upstream}${request.url}`, { headers });
  const body = Buffer.from(await answer.arrayBuffer());
  response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream' });
  response.end(body);
}

const server = createServer((request, response) => {
  const base = `http://${request.headers.host}`;
  const path = decodeURIComponent(request.url.split('?')[0]);
  if (path === `/${NAME}`) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(packument(base)));
    return;
  }
  const tarball = new RegExp(`^/${NAME}/-/${NAME}-(.+)\\.tgz$`).exec(path);
  if (tarball) {
    const found = published().get(tarball[1]);
    response.writeHead(found ? 200 : 404, { 'content-type': 'application/octet-stream' });
    response.end(found ? found.bytes : undefined);
    return;
  }
  passThrough(request, response).catch((error) => {
    response.writeHead(502, { 'content-type': 'text/plain' });
    response.end(String(error));
  });
});
server.listen(0, '127.0.0.1', () => writeFileSync(portFile, String(server.address().port)));
// Started with an IPC channel: when the test process ends, however it ends, so does the registry.
process.on('disconnect', () => process.exit(0));
