import { type ReactNode, useCallback, useRef, useState } from 'react';
import { Notice, type NoticeTone } from './common';
import { useFocusAfterRender } from './focus';

/** What an action came to: done, or refused. */
export type OutcomeTone = Extract<NoticeTone, 'ok' | 'bad'>;

/**
 * A page's notice of what an action came to, given the focus once shown: the control that had it
 * often goes with the action (a row that leaves a filtered list, a button a new status no longer
 * offers, a submit button disabled while its change is sent), and the focus would fall to <body>.
 * `notice` is where the page shows it; `clear` takes it away (a new change sent, say).
 */
export function useOutcomeNotice(): { show: (text: string, tone: OutcomeTone) => void; clear: () => void; notice: ReactNode } {
  const [message, setMessage] = useState<{ text: string; tone: OutcomeTone }>();
  const ref = useRef<HTMLDivElement>(null);
  const focusAfterRender = useFocusAfterRender();
  const show = useCallback(
    (text: string, tone: OutcomeTone) => {
      setMessage({ text, tone });
      focusAfterRender(() => ref.current);
    },
    [focusAfterRender],
  );
  const clear = useCallback(() => setMessage(undefined), []);
  // Dismiss goes with the notice: the focus stays where it was, and Tab goes on from there.
  const dismiss = () => {
    clear();
    focusAfterRender(() => ref.current);
  };
  const notice = (
    <div ref={ref} tabIndex={-1}>
      {message && (
        <Notice tone={message.tone} onDismiss={dismiss}>
          {message.text}
        </Notice>
      )}
    </div>
  );
  return { show, clear, notice };
}
