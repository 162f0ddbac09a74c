import { useCallback, useEffect, useRef, useState } from 'react';

/** Finds the element that is to have the focus, as the page is once an action's outcome is shown. */
export type FocusTarget = () => HTMLElement | null | undefined;

/**
 * Moves the focus where an action's outcome is, once React has shown it. An action often takes
 * away or disables the control that had the focus (Remove, "Yes, cancel", a submit button while
 * busy), and the browser then leaves it on <body>: keyboard and screen-reader users lose their
 * place, however clearly the outcome is announced. `focusAfterRender(target)` looks the target up
 * after the render its call is batched with, so a field enabled again or a notice shown in that
 * same update can take the focus (a `requestAnimationFrame` may come before that render). A target
 * that is not an interactive element needs `tabIndex={-1}`.
 */
export function useFocusAfterRender(): (target: FocusTarget) => void {
  const target = useRef<FocusTarget>(undefined);
  const [requests, setRequests] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new request is what moves the focus, not what it reads
  useEffect(() => {
    const find = target.current;
    target.current = undefined;
    find?.()?.focus();
  }, [requests]);
  return useCallback((find: FocusTarget) => {
    target.current = find;
    setRequests((count) => count + 1);
  }, []);
}
