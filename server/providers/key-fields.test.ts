import { describe, expect, it } from 'vitest';
import { readKeyFields, type KeyField } from './key-fields.js';

const fields: KeyField<'user' | 'password' | 'org' | 'note'>[] = [
  { name: 'user', required: 'Enter your user.' },
  { name: 'password', required: 'Enter your password.', keepWhitespace: true },
  { name: 'org', pattern: { test: /^008/, message: 'Not an org id.', fieldMessage: 'Not an org' } },
  { name: 'note' },
];

describe('readKeyFields', () => {
  it('trims all but passwords and leaves out empty optional fields', () => {
    expect(readKeyFields({ user: ' ann ', password: ' pw ', org: ' 008abc ', note: '  ' }, fields)).toEqual({ user: 'ann', password: ' pw ', org: '008abc' });
  });

  it('names the first missing field in the provider’s words', () => {
    expect(() => readKeyFields({ password: 'x' }, fields)).toThrow('Enter your user.');
    const refused = (() => {
      try {
        readKeyFields({ user: 'ann', password: 'x', org: '123' }, fields);
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toMatchObject({ kind: 'credentials', message: 'Not an org id.', fields: [{ field: 'org', message: 'Not an org' }] });
  });
});
