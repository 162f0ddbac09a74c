import { type FormEvent, useRef, useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import { ApiError } from '../api/client';
import { failureText } from '../api/failure-text';
import { complaintsOf, validationIssues } from '../api/validation';
import { reportCartMerge } from '../cart/cart';
import { signIn, useSession } from '../session/session-store';
import { Notice } from '../ui/common';
import { useFocusAfterRender } from '../ui/focus';
import { usePageTitle } from '../ui/page-title';
import { useCartDrawer } from '../ui/ui-store';

/** The form's fields, by the JSON pointer a refusal names them with. */
const LABELS = { '/email': 'Email', '/password': 'Password', '/name': 'Name' };

/** Why signing in or registering was refused, in the form's words (never "invalid body"). */
function refusalText(failure: unknown): string {
  if (failure instanceof ApiError && failure.status === 401) return 'That email and password do not match.';
  // An address the browser takes (ada@localhost) that the API does not.
  const issues = validationIssues(failure);
  if (issues.length > 0) return `Check ${complaintsOf(issues, LABELS).join('; ')}.`;
  return failureText(failure, 'Signing in failed.');
}

/** Where `?next=` asks to go after signing in, when it is a page of this shop (never another site: `//evil.test`). */
function nextPage(search: string): string | undefined {
  const next = new URLSearchParams(search).get('next');
  return next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : undefined;
}

export function SignInPage() {
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [, navigate] = useLocation();
  const next = nextPage(useSearch());
  const isGuest = useSession((state) => state.session?.user.role === 'guest');
  const openCart = useCartDrawer((state) => state.setOpen);
  const errorRef = useRef<HTMLDivElement>(null);
  const focusAfterRender = useFocusAfterRender();
  usePageTitle(mode === 'login' ? 'Sign in' : 'Create an account');

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    const name = String(form.get('name') ?? '').trim();
    setBusy(true);
    setError(undefined);
    try {
      const session = await signIn(mode, { email, password, ...(name ? { name } : {}) });
      navigate(next ?? (session.user.role === 'admin' ? '/admin' : '/'));
      // What of the guest's cart did not come along is said in the cart, opened to show it.
      if (reportCartMerge(session.cartMerge)) openCart(true);
    } catch (failure) {
      setError(refusalText(failure));
      setBusy(false);
      // The submit button had the focus, and lost it while disabled: the refusal takes it.
      focusAfterRender(() => errorRef.current);
    }
  };

  return (
    <div style={{ maxWidth: '28rem', margin: '0 auto' }}>
      <h1>{mode === 'login' ? 'Sign in' : 'Create an account'}</h1>
      {isGuest && <Notice tone="info">Your cart comes with you when you sign in.</Notice>}
      <form className="card" onSubmit={submit}>
        <div ref={errorRef} tabIndex={-1}>
          {error && <Notice tone="bad">{error}</Notice>}
        </div>
        {mode === 'register' && (
          <div className="field">
            <label htmlFor="signin-name">
              Name <small>(optional)</small>
            </label>
            <input id="signin-name" name="name" autoComplete="name" maxLength={200} />
          </div>
        )}
        <div className="field">
          <label htmlFor="signin-email">Email</label>
          <input id="signin-email" name="email" type="email" required autoComplete="email" />
        </div>
        <div className="field">
          <label htmlFor="signin-password">Password</label>
          <input
            id="signin-password"
            name="password"
            type="password"
            required
            minLength={mode === 'register' ? 8 : 1}
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
          />
        </div>
        <button type="submit" disabled={busy}>
          {mode === 'login' ? 'Sign in' : 'Create account'}
        </button>{' '}
        <button
          type="button"
          className="link"
          onClick={() => {
            // A refusal of the other form ("An account with this email already exists.") says nothing of this one.
            setError(undefined);
            setMode(mode === 'login' ? 'register' : 'login');
          }}
        >
          {mode === 'login' ? 'New here? Create an account' : 'Have an account? Sign in'}
        </button>
      </form>
    </div>
  );
}
