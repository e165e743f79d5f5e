import assert from 'assert';
import { atLocalTime, DEFAULT_QUIET_HOURS, outsideQuietHours, startOfLocalDay } from '../../src/followups/userTime';

describe('Follow-ups in the user time: quiet hours and daylight saving', () => {
    it('moves a send inside 21:00-08:00 local to 08:00 local, the same night or the next morning', () => {
        // 22:30 in Lisbon (UTC+0 in winter) -> 08:00 the next morning.
        assert.strictEqual(outsideQuietHours(new Date('2030-01-15T22:30:00Z'), 'Europe/Lisbon', DEFAULT_QUIET_HOURS).toISOString(), '2030-01-16T08:00:00.000Z');
        // 03:00 in Sao Paulo (UTC-3) -> 08:00 the same day.
        assert.strictEqual(
            outsideQuietHours(new Date('2030-01-15T06:00:00Z'), 'America/Sao_Paulo', DEFAULT_QUIET_HOURS).toISOString(),
            '2030-01-15T11:00:00.000Z'
        );
        // 14:00 in Tokyo: untouched.
        const noon = new Date('2030-01-15T05:00:00Z');
        assert.strictEqual(outsideQuietHours(noon, 'Asia/Tokyo', DEFAULT_QUIET_HOURS), noon);
        assert.strictEqual(outsideQuietHours(new Date('2030-01-15T22:30:00Z'), 'Europe/Lisbon', null).toISOString(), '2030-01-15T22:30:00.000Z');
        // Quiet hours that do not wrap midnight.
        assert.strictEqual(
            outsideQuietHours(new Date('2030-01-15T13:00:00Z'), 'UTC', { start: '12:00', end: '14:00' }).toISOString(),
            '2030-01-15T14:00:00.000Z'
        );
    });

    it('is right across the spring-forward night: 22:00 EST before the change ends at 08:00 EDT (12:00 UTC, not 13:00)', () => {
        // 2030-03-10: New York moves from UTC-5 to UTC-4 at 02:00 local.
        const at = new Date('2030-03-10T03:00:00Z'); // 22:00 EST on 9 March
        assert.strictEqual(outsideQuietHours(at, 'America/New_York', DEFAULT_QUIET_HOURS).toISOString(), '2030-03-10T12:00:00.000Z');
        // The night before, the same wall clock was 13:00 UTC.
        assert.strictEqual(
            outsideQuietHours(new Date('2030-03-09T03:00:00Z'), 'America/New_York', DEFAULT_QUIET_HOURS).toISOString(),
            '2030-03-09T13:00:00.000Z'
        );
    });

    it('is right across the fall-back night, and a local time of day stays on the wall clock', () => {
        // 2030-10-27: Lisbon moves from UTC+1 to UTC+0 at 02:00 local.
        assert.strictEqual(outsideQuietHours(new Date('2030-10-26T21:30:00Z'), 'Europe/Lisbon', DEFAULT_QUIET_HOURS).toISOString(), '2030-10-27T08:00:00.000Z');
        // "09:00 local" the day after a Saturday 10:00 session: 08:00 UTC before the change, 09:00 UTC after it.
        assert.strictEqual(atLocalTime(new Date('2030-10-26T07:00:00Z'), 'Europe/Lisbon', '09:00').toISOString(), '2030-10-26T08:00:00.000Z');
        assert.strictEqual(atLocalTime(new Date('2030-10-26T09:00:00Z'), 'Europe/Lisbon', '09:00').toISOString(), '2030-10-27T09:00:00.000Z');
        assert.strictEqual(startOfLocalDay(new Date('2030-10-27T12:00:00Z'), 'Europe/Lisbon').toISOString(), '2030-10-26T23:00:00.000Z');
    });
});
