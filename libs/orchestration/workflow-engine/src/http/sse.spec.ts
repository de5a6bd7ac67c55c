import { SseParser } from './sse';

describe(SseParser.name, () => {
  it('parses events split anywhere, with CRLF, comments and multi-line data', () => {
    const sut = new SseParser();
    const text = ': hi\r\nevent: update\r\nid: 7\r\ndata: {"a":\r\ndata: 1}\r\n\r\ndata: [DONE]\n\n';
    const bytes = Buffer.from(text);
    const out = [];
    for (let i = 0; i < bytes.length; i += 3) out.push(...sut.feed(bytes.subarray(i, i + 3)));
    out.push(...sut.end());
    expect(out).toEqual([
      { event: 'update', id: '7', data: '{"a":\n1}' },
      { data: '[DONE]', id: '7' },
    ]);
  });

  it('keeps UTF-8 characters split across chunks', () => {
    const sut = new SseParser();
    const bytes = Buffer.from('data: héllo ✓\n\n');
    expect([...sut.feed(bytes.subarray(0, 8)), ...sut.feed(bytes.subarray(8))]).toEqual([{ data: 'héllo ✓' }]);
  });

  it('flushes a last event without a blank line', () => {
    const sut = new SseParser();
    expect(sut.feed('data: x')).toEqual([]);
    expect(sut.end()).toEqual([{ data: 'x' }]);
  });
});
