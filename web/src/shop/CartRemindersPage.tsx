import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';
import { useSearch } from 'wouter';
import { ApiError, api, unwrap } from '../api/client';
import { failureText } from '../api/failure-text';
import { LoadError, Loading, Notice } from '../ui/common';
import { useFocusAfterRender } from '../ui/focus';
import { usePageTitle } from '../ui/page-title';

/**
 * Where an abandoned-cart reminder's "Stop cart reminders" leads: the setting its token names, and
 * a button to turn reminders off (or on again). Opening the page changes nothing (mail scanners
 * follow links); the button does. No sign-in: the token in the link is the proof.
 */
export function CartRemindersPage() {
  const token = new URLSearchParams(useSearch()).get('token') ?? '';
  const queryClient = useQueryClient();
  const status = useRef<HTMLParagraphElement>(null);
  const focusAfterRender = useFocusAfterRender();
  usePageTitle('Cart reminders');
  const key = ['cart-reminders', token];
  const setting = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api.GET('/api/mail/cart-reminders', { params: { query: { token } } })),
    enabled: token !== '',
    retry: false,
  });
  const change = useMutation({
    mutationFn: (on: boolean) =>
      unwrap(
        on
          ? api.POST('/api/mail/cart-reminders/subscribe', { params: { query: { token } } })
          : api.POST('/api/mail/cart-reminders/unsubscribe', { params: { query: { token } } }),
      ),
    onSuccess: (answer) => {
      queryClient.setQueryData(key, answer);
      // The button pressed gives way to the other one: the focus goes to what changed.
      focusAfterRender(() => status.current);
    },
  });

  const invalid = token === '' || (setting.error instanceof ApiError && setting.error.namesNothing);
  return (
    <>
      <h1>Cart reminders</h1>
      {invalid && <p>This link is not valid (any more). Use the “Stop cart reminders” link of your latest reminder.</p>}
      {!invalid && setting.isPending && <Loading what="your setting" />}
      {!invalid && setting.error && <LoadError error={setting.error} retry={() => void setting.refetch()} />}
      {setting.data && (
        <>
          <p ref={status} tabIndex={-1} role="status" data-testid="cart-reminders-status">
            {setting.data.cartReminders
              ? 'We mail you a reminder when you leave items in your cart for a while.'
              : 'Cart reminders are off: we will not mail you about a cart you leave.'}
          </p>
          {change.error && <Notice tone="bad">{failureText(change.error, 'That did not work.')}</Notice>}
          <button type="button" disabled={change.isPending} onClick={() => change.mutate(!setting.data.cartReminders)}>
            {setting.data.cartReminders ? 'Stop cart reminders' : 'Turn cart reminders on again'}
          </button>
        </>
      )}
    </>
  );
}
