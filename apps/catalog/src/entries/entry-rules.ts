import { ENTRY_KEY_MAX_LENGTH } from '@alien/catalog/contracts';
import { ValidationMessage } from '@alien/envelope';

// C0 controls and DEL: they break headers, logs and file names on every system.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTENT_TYPE = /^[A-Za-z0-9!#$&^_.+-]{1,127}\/[A-Za-z0-9!#$&^_.+-]{1,127}(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"\\\r\n]*"|[A-Za-z0-9!#$&^_.+-]+))*$/;

/**
 * An entry key is a file name, optionally in folders (`reports/2024/q1.pdf`). It names the entry for
 * people and for `Content-Disposition`; it is never used to address storage (objects have generated
 * ids). Still, keys that look like path tricks are refused, so no consumer of the catalog that does
 * map keys to paths can be led astray.
 */
export function entryKeyError(key: unknown, field = 'key'): ValidationMessage | null {
  if (typeof key !== 'string' || key.length === 0) return { field, rule: 'required', message: `${field} is required` };
  if (key.length > ENTRY_KEY_MAX_LENGTH) {
    return { field, rule: 'maxLength', message: `${field} must be at most ${ENTRY_KEY_MAX_LENGTH} characters` };
  }
  if (CONTROL.test(key)) return { field, rule: 'key', message: `${field} must not contain control characters` };
  if (key.includes('\\')) return { field, rule: 'key', message: `${field} must use "/" between folders, not "\\"` };
  const segments = key.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    return { field, rule: 'key', message: `${field} must be a relative file name: no leading or trailing "/", no empty, "." or ".." segments` };
  }
  return null;
}

export function contentTypeError(value: unknown, field = 'contentType'): ValidationMessage | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || value.length > 255 || !CONTENT_TYPE.test(value)) {
    return { field, rule: 'contentType', message: `${field} must be a media type such as application/pdf` };
  }
  return null;
}

/** The last path segment of a key: the file name a download is saved under. */
export function fileNameOf(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
