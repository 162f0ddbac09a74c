import { create } from 'zustand';
import { api, configureAuth, type Session, unwrap } from '../api/client';
import { realtime } from '../realtime/socket';

/**
 * Who the shopper is: a token and its user, kept in localStorage so every tab of the browser is the
 * same shopper (and sees the same cart). A visitor becomes a guest (POST /api/auth/guest) the
 * first time they need a cart or an order; signing in replaces the guest's token, and the API
 * merges the guest's cart into the account's.
 */

const STORAGE_KEY = 'flashcart.session';

function readStored(): Session | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    const parsed = raw ? (JSON.parse(raw) as Session) : null;
    return parsed && typeof parsed.token === 'string' && parsed.user ? parsed : null;
  } catch {
    return null;
  }
}

interface SessionState {
  session: Session | null;
  /**
   * Whether a signed-in customer (or admin) was signed out because the API refused their token, and
   * has not yet been told so (dismissed) or signed in again.
   */
  expired: boolean;
  /** Sets (or with null, forgets) the session in this tab and in every other. */
  setSession(session: Session | null): void;
  dismissExpired(): void;
}

export const useSession = create<SessionState>((set) => ({
  session: readStored(),
  expired: false,
  setSession(session) {
    if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    else localStorage.removeItem(STORAGE_KEY);
    set(session ? { session, expired: false } : { session });
  },
  dismissExpired: () => set({ expired: false }),
}));

// Another tab signed in, out, or became a guest: follow it.
window.addEventListener('storage', (event) => {
  if (event.key === STORAGE_KEY || event.key === null) useSession.setState({ session: readStored() });
});

// An expired or revoked token, refused over HTTP or by the live connection: a guest starts afresh
// without a word, a customer is told why they are signed out. Only the first refusal of a session
// counts: the ones still in flight find no session left.
const forgetSession = () => {
  const { session, setSession } = useSession.getState();
  if (!session) return;
  setSession(null);
  if (session.user.role !== 'guest') useSession.setState({ expired: true });
};
configureAuth({ token: () => useSession.getState().session?.token, onUnauthenticated: forgetSession });
realtime.onUnauthenticated(forgetSession);

useSession.subscribe((state) => realtime.setToken(state.session?.token));
realtime.setToken(useSession.getState().session?.token);

let creatingGuest: Promise<Session> | undefined;

/** The current session, or a new guest one; concurrent callers share one guest. */
export async function ensureSession(): Promise<Session> {
  const existing = useSession.getState().session;
  if (existing) return existing;
  creatingGuest ??= unwrap(api.POST('/api/auth/guest'))
    .then((session) => {
      useSession.getState().setSession(session);
      return session;
    })
    .finally(() => {
      creatingGuest = undefined;
    });
  return creatingGuest;
}

/** Signs in (or registers) with the guest's token attached, so the API can merge the guest's cart. */
export async function signIn(mode: 'login' | 'register', input: { email: string; password: string; name?: string }): Promise<Session> {
  const current = useSession.getState().session;
  const guestToken = current?.user.role === 'guest' ? { guestToken: current.token } : {};
  const session =
    mode === 'login'
      ? await unwrap(api.POST('/api/auth/login', { body: { email: input.email, password: input.password, ...guestToken } }))
      : await unwrap(api.POST('/api/auth/register', { body: { ...input, ...guestToken } }));
  useSession.getState().setSession(session);
  return session;
}

export function signOut(): void {
  useSession.getState().setSession(null);
}
