import { describe, expect, it } from 'vitest';
import { failureLevel } from './worker-host.js';

const postgresStarting = Object.assign(new Error('the database system is not yet accepting connections'), { code: '57P03' });
const bug = new TypeError("Cannot read properties of undefined (reading 'id')");

describe("a failed job's log level", () => {
  it('is a warning while an attempt is left', () => {
    expect(failureLevel({ final: false, deadLetter: true, error: bug })).toBe('warn');
  });

  it('is a warning for a scheduler tick that failed because a store was down: the next tick runs it', () => {
    expect(failureLevel({ final: true, deadLetter: false, error: postgresStarting })).toBe('warn');
  });

  it('is an error for a tick that failed otherwise, and for a job out of attempts, whatever the cause', () => {
    expect(failureLevel({ final: true, deadLetter: false, error: bug })).toBe('error');
    expect(failureLevel({ final: true, deadLetter: true, error: postgresStarting })).toBe('error');
  });
});
