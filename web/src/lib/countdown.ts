import { useEffect, useState } from 'react';

/** Milliseconds left until `deadline`, never negative. */
export function remainingMs(deadline: string | number, now: number): number {
  const end = typeof deadline === 'number' ? deadline : Date.parse(deadline);
  return Number.isFinite(end) ? Math.max(0, end - now) : 0;
}

/**
 * Time left as a clock reads it, rounded up to the second so "0:00" means the time is really up:
 * 14:59, 1:00:05. `label` is the same for a screen reader: "14 minutes 59 seconds".
 */
export function formatRemaining(ms: number): { clock: string; label: string } {
  const totalSeconds = Math.ceil(ms / 1_000);
  const hours = Math.floor(totalSeconds / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  const seconds = totalSeconds % 60;
  const pad = (value: number) => String(value).padStart(2, '0');
  const clock = hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
  const parts = [
    hours > 0 ? `${hours} hour${hours === 1 ? '' : 's'}` : '',
    minutes > 0 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : '',
    seconds > 0 || totalSeconds === 0 ? `${seconds} second${seconds === 1 ? '' : 's'}` : '',
  ];
  return { clock, label: parts.filter(Boolean).join(' ') };
}

/**
 * The milliseconds left until `deadline`, updated every second until it reaches 0. `offsetMs` is
 * how far the server's clock is ahead of this one, so a fast or slow device counts down to the
 * server's moment.
 */
export function useCountdown(deadline: string | undefined, offsetMs = 0): number {
  const [now, setNow] = useState(() => Date.now() + offsetMs);
  const left = deadline ? remainingMs(deadline, now) : 0;
  useEffect(() => {
    if (!deadline || left <= 0) return;
    // Tick on the second boundary of the time left, so the display never skips a second.
    const timer = setTimeout(() => setNow(Date.now() + offsetMs), left % 1_000 || 1_000);
    return () => clearTimeout(timer);
  }, [deadline, left, offsetMs]);
  return left;
}
