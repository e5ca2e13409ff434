import { crc32, deflateRawSync } from 'node:zlib';

/** Archives built byte by byte for tests (keys go in at run time, never in the repository). */

export function zip(members: [string, Buffer | string][], options: { encrypted?: boolean; stored?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of members) {
    const data = Buffer.from(content);
    const body = options.stored ? data : deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(options.encrypted ? 1 : 0, 6);
    local.writeUInt16LE(options.stored ? 0 : 8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(options.encrypted ? 1 : 0, 8);
    entry.writeUInt16LE(options.stored ? 0 : 8, 10);
    entry.writeUInt32LE(crc32(data), 16);
    entry.writeUInt32LE(body.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    central.push(entry, nameBytes);
    offset += 30 + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

export function tar(members: [string, string | Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, text] of members) {
    const content = Buffer.from(text);
    const header = Buffer.alloc(512);
    header.write(name, 0);
    header.write('0000644\0', 100);
    header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('0', 156);
    header.write('ustar\0' + '00', 257);
    const data = Buffer.alloc(Math.ceil(content.length / 512) * 512);
    content.copy(data);
    parts.push(header, data);
  }
  return Buffer.concat([...parts, Buffer.alloc(1024)]);
}

export function png(chunks: [string, Buffer][]): Buffer {
  const chunk = (type: string, body: Buffer) => {
    const out = Buffer.alloc(12 + body.length);
    out.writeUInt32BE(body.length, 0);
    out.write(type, 4, 'latin1');
    body.copy(out, 8);
    out.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), body])), 8 + body.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), ...chunks.map(([t, b]) => chunk(t, b)), chunk('IEND', Buffer.alloc(0))]);
}

export function pdf(streams: Buffer[], options: { newline?: string; filter?: string; lead?: string } = {}): Buffer {
  const nl = options.newline ?? '\n';
  const parts: Buffer[] = [Buffer.from(`${options.lead ?? ''}%PDF-1.5${nl}%\xe2\xe3\xcf\xd3${nl}`, 'latin1')];
  streams.forEach((body, i) => {
    parts.push(Buffer.from(`${i + 4} 0 obj${nl}<< /Length ${body.length} /Filter ${options.filter ?? '/FlateDecode'} >>${nl}stream${nl}`, 'latin1'), body, Buffer.from(`${nl}endstream${nl}endobj${nl}`, 'latin1'));
  });
  parts.push(Buffer.from(`trailer${nl}<< /Size ${streams.length + 4} >>${nl}%%EOF${nl}`, 'latin1'));
  return Buffer.concat(parts);
}

