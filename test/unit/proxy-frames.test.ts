import { describe, expect, it } from 'vitest';
import { FrameReader, message, SSL_REQUEST } from '../../src/faults/proxy/frames.js';
import { bindMessage, errorResponse, executePortal, parseMessage, queryText, serverError } from '../../src/faults/proxy/messages.js';
import { serialize } from 'pg-protocol';

describe('frames of the v3 protocol', () => {
  it('cuts typed messages split across chunks, keeping their bytes', () => {
    const bytes = Buffer.concat([serialize.query('SELECT 1'), serialize.sync(), serialize.query('SELECT 2')]);
    const reader = new FrameReader();
    const first = reader.push(bytes.subarray(0, 7));
    const rest = reader.push(bytes.subarray(7));
    expect(first).toEqual([]);
    expect(rest.map((f) => f.type)).toEqual(['Q', 'S', 'Q']);
    expect(Buffer.concat(rest.map((f) => f.bytes)).equals(bytes)).toBe(true);
    expect(queryText(rest[2]!)).toBe('SELECT 2');
  });

  it('reads one untyped startup message at a time', () => {
    const ssl = Buffer.alloc(8);
    ssl.writeInt32BE(8, 0);
    ssl.writeInt32BE(SSL_REQUEST, 4);
    const reader = new FrameReader(true);
    const frames = reader.push(Buffer.concat([ssl, ssl]));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.body.readInt32BE(0)).toBe(SSL_REQUEST);
    expect(reader.push(Buffer.alloc(0))).toHaveLength(1);
  });

  it('refuses a length that is not PostgreSQL', () => {
    expect(() => new FrameReader().push(Buffer.from([0x51, 0, 0, 0, 1]))).toThrow(/not a PostgreSQL message/);
  });

  it('reads the names and texts of Parse, Bind and Execute', () => {
    const reader = new FrameReader();
    const [parse, bind, execute] = reader.push(
      Buffer.concat([serialize.parse({ name: 's1', text: 'SELECT $1', types: [] }), serialize.bind({ portal: 'p1', statement: 's1', values: ['1'] }), serialize.execute({ portal: 'p1' })]),
    );
    expect(parseMessage(parse!)).toEqual({ statement: 's1', text: 'SELECT $1' });
    expect(bindMessage(bind!)).toEqual({ portal: 'p1', statement: 's1' });
    expect(executePortal(execute!)).toBe('p1');
  });

  it('writes an ErrorResponse that pg-protocol reads back', () => {
    const [frame] = new FrameReader().push(errorResponse('57014', 'migtest: injected fault'));
    expect(serverError(frame!)).toEqual({ sqlstate: '57014', message: 'migtest: injected fault' });
    expect(message('Z', Buffer.from('I')).length).toBe(6);
  });
});
