import { describe, expect, it } from 'vitest';
import {
  defaultWeek,
  formatClockMinutes,
  nextInterval,
  parseClock,
  scheduleFromForm,
  serverProblem,
  trackingForm,
  trackingPatch,
  type TrackingForm,
} from './schedule';
import type { TrackingPolicy } from './types';

const kAlways: TrackingPolicy = { idle_threshold_s: 180, notify_on_start: true, schedule: null };
const kOffice: TrackingPolicy = {
  idle_threshold_s: 300,
  notify_on_start: false,
  schedule: { time_zone: 'Europe/Berlin', days: { mon: [['09:00', '12:00'], ['13:00', '17:30']], fri: [['09:00', '24:00']] } },
};

function formOf(policy: TrackingPolicy, edit: (form: TrackingForm) => void = () => undefined): TrackingForm {
  const form = trackingForm(policy, 'Asia/Kathmandu');
  edit(form);
  return form;
}

describe('parseClock', () => {
  it('reads HH:MM from 00:00 to 24:00', () => {
    expect(parseClock('00:00')).toBe(0);
    expect(parseClock('9:05')).toBe(545);
    expect(parseClock(' 17:30 ')).toBe(1050);
    expect(parseClock('24:00')).toBe(1440);
    expect(parseClock('24:01')).toBeNull();
    expect(parseClock('12:60')).toBeNull();
    expect(parseClock('noon')).toBeNull();
    expect(formatClockMinutes(545)).toBe('09:05');
    expect(formatClockMinutes(1440)).toBe('24:00');
  });
});

describe('trackingForm and scheduleFromForm', () => {
  it('round-trips a schedule', () => {
    const form = formOf(kOffice);
    expect(form).toMatchObject({ idleMinutes: '5', notifyOnStart: false, scheduled: true, timeZone: 'Europe/Berlin' });
    expect(form.days.mon).toEqual([
      { from: '09:00', to: '12:00' },
      { from: '13:00', to: '17:30' },
    ]);
    expect(form.days.tue).toEqual([]);
    expect(scheduleFromForm(form)).toEqual({ schedule: kOffice.schedule, problems: {} });
  });

  it('starts a new schedule in the organization zone and means null when off', () => {
    const form = formOf(kAlways);
    expect(form).toMatchObject({ scheduled: false, timeZone: 'Asia/Kathmandu', idleMinutes: '3' });
    expect(scheduleFromForm(form)).toEqual({ schedule: null, problems: {} });
  });

  it('sorts and normalizes intervals and leaves empty days out', () => {
    const form = formOf(kAlways, (f) => {
      f.scheduled = true;
      f.days.wed = [
        { from: '13:00', to: '17:00' },
        { from: '8:30', to: '12:00' },
      ];
    });
    expect(scheduleFromForm(form).schedule).toEqual({
      time_zone: 'Asia/Kathmandu',
      days: { wed: [['08:30', '12:00'], ['13:00', '17:00']] },
    });
  });

  it('names bad, backwards and overlapping intervals, too many of them, and unknown zones', () => {
    const form = formOf(kAlways, (f) => {
      f.scheduled = true;
      f.timeZone = 'Mars/Olympus';
      f.days.mon = [
        { from: '09:00', to: '12:00' },
        { from: '11:00', to: '13:00' },
      ];
      f.days.tue = [{ from: '17:00', to: '09:00' }];
      f.days.wed = [{ from: '9', to: '10:00' }];
      f.days.thu = Array.from({ length: 9 }, (_, hour) => ({ from: `${hour}:00`, to: `${hour}:30` }));
    });
    expect(scheduleFromForm(form).problems).toEqual({
      timeZone: 'must be an IANA time zone such as Europe/Berlin',
      'days.mon.1': 'overlaps another interval of the day',
      'days.tue.0': 'must end after it starts',
      'days.wed.0': 'times must be HH:MM, 00:00 to 24:00',
      'days.thu': 'at most 8 intervals a day',
    });
  });

  it('lets intervals touch', () => {
    const form = formOf(kAlways, (f) => {
      f.scheduled = true;
      f.days.sat = [
        { from: '12:00', to: '24:00' },
        { from: '00:00', to: '12:00' },
      ];
    });
    expect(scheduleFromForm(form).problems).toEqual({});
  });

  it('offers Monday to Friday 09:00-17:00 as the template', () => {
    const week = defaultWeek();
    expect(week.mon).toEqual([{ from: '09:00', to: '17:00' }]);
    expect(week.sat).toEqual([]);
  });
});

describe('trackingPatch', () => {
  it('sends only what changed', () => {
    expect(trackingPatch(formOf(kOffice), kOffice)).toEqual({ patch: {}, problems: {} });
    const form = formOf(kOffice, (f) => {
      f.idleMinutes = '10';
      f.notifyOnStart = true;
    });
    expect(trackingPatch(form, kOffice)).toEqual({ patch: { idle_threshold_s: 600, notify_on_start: true }, problems: {} });
  });

  it('sends the whole schedule when it changed, and null to track always', () => {
    const added = formOf(kOffice, (f) => f.days.sun.push({ from: '10:00', to: '11:00' }));
    expect(trackingPatch(added, kOffice).patch).toEqual({
      schedule: { time_zone: 'Europe/Berlin', days: { mon: [['09:00', '12:00'], ['13:00', '17:30']], fri: [['09:00', '24:00']], sun: [['10:00', '11:00']] } },
    });
    const off = formOf(kOffice, (f) => (f.scheduled = false));
    expect(trackingPatch(off, kOffice).patch).toEqual({ schedule: null });
  });

  it('checks the idle threshold only when changed', () => {
    const odd: TrackingPolicy = { ...kAlways, idle_threshold_s: 90 };
    expect(formOf(odd).idleMinutes).toBe('1.5');
    expect(trackingPatch(formOf(odd), odd)).toEqual({ patch: {}, problems: {} });
    for (const bad of ['0', '61', '2.5', 'ten', '']) {
      expect(trackingPatch(formOf(kAlways, (f) => (f.idleMinutes = bad)), kAlways).problems).toEqual({
        idle: 'must be a whole number of minutes, 1 to 60',
      });
    }
    expect(trackingPatch(formOf(kAlways, (f) => (f.idleMinutes = '60')), kAlways).patch).toEqual({ idle_threshold_s: 3600 });
  });
});

describe('serverProblem', () => {
  it('finds the field a server message names', () => {
    expect(serverProblem('$.schedule.days.mon[1]: overlaps the interval before it')).toEqual({
      field: 'days.mon.1',
      text: 'overlaps the interval before it',
    });
    expect(serverProblem('$.schedule.days.tue[0][1]: must be HH:MM')).toEqual({ field: 'days.tue.0', text: 'must be HH:MM' });
    expect(serverProblem('$.schedule.days.wed: at most 8 intervals')).toEqual({ field: 'days.wed', text: 'at most 8 intervals' });
    expect(serverProblem('$.schedule.time_zone: unknown time zone')).toEqual({ field: 'timeZone', text: 'unknown time zone' });
    expect(serverProblem('idle_threshold_s: must be between 60 and 3600')).toEqual({ field: 'idle', text: 'must be between 60 and 3600' });
    expect(serverProblem('$.schedule.days: unknown key "xyz"')).toEqual({ field: 'schedule', text: 'unknown key "xyz"' });
  });

  it('keeps other messages whole', () => {
    expect(serverProblem('permission denied')).toEqual({ field: null, text: 'permission denied' });
    expect(serverProblem('$.bogus: unknown key')).toEqual({ field: null, text: '$.bogus: unknown key' });
  });
});

describe('nextInterval', () => {
  it('follows the last interval of the day', () => {
    expect(nextInterval([])).toEqual({ from: '09:00', to: '17:00' });
    expect(nextInterval([{ from: '09:00', to: '12:00' }])).toEqual({ from: '12:00', to: '13:00' });
    expect(nextInterval([{ from: '20:00', to: '23:30' }])).toEqual({ from: '23:30', to: '24:00' });
    expect(nextInterval([{ from: '20:00', to: '24:00' }])).toEqual({ from: '09:00', to: '17:00' });
  });
});
