import { StringDecoder } from 'node:string_decoder';

export interface SseMessage {
  event?: string;
  id?: string;
  data: string;
}

/**
 * Incremental `text/event-stream` parser: feed bytes as they arrive, get complete messages back.
 * Handles LF, CRLF and CR line ends, multi-line `data:`, comments, and UTF-8 split across chunks.
 */
export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  private data: string[] = [];
  private event?: string;
  private id?: string;

  feed(chunk: Buffer | string): SseMessage[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const out: SseMessage[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      // A lone CR at the end may be the first half of CRLF: wait for more.
      if (!match || (match[0] === '\r' && match.index === this.buffer.length - 1)) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const message = this.line(line);
      if (message) out.push(message);
    }
    return out;
  }

  /** Flushes a last message not followed by a blank line. */
  end(): SseMessage[] {
    const out = this.feed(this.decoder.end());
    if (this.buffer) {
      const message = this.line(this.buffer);
      this.buffer = '';
      if (message) out.push(message);
    }
    const last = this.line('');
    if (last) out.push(last);
    return out;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = undefined;
        return undefined;
      }
      const message: SseMessage = { data: this.data.join('\n') };
      if (this.event !== undefined) message.event = this.event;
      if (this.id !== undefined) message.id = this.id;
      this.data = [];
      this.event = undefined;
      return message;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
    return undefined;
  }
}
