import { type ReactNode, useCallback, useRef, useState } from 'react';
import { Notice, type NoticeTone } from './common';
import { useFocusAfterRender } from './focus';

/** What an action came to: done, or refused. */
export type OutcomeTone = Extract<NoticeTone, 'ok' | 'bad'>;

/**
 * A page's notice of what an action came to, given the focus once shown: the control that had it
 * often goes with the action (a row that leaves a filtered list, a button a new status no longer
 * offers), and the focus would fall to <body>. `notice` is where the page shows it.
 */
export function useOutcomeNotice(): { show: (text: string, tone: OutcomeTone) => void; notice: ReactNode } {
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
  const notice = (
    <div ref={ref} tabIndex={-1}>
      {message && (
        <Notice tone={message.tone} onDismiss={() => setMessage(undefined)}>
          {message.text}
        </Notice>
      )}
    </div>
  );
  return { show, notice };
}
