import { type FormEvent, lazy, Suspense, useEffect, useRef } from 'react';
import { Link, Route, Switch, useLocation, useSearch } from 'wouter';
import { CartDrawer } from './cart/CartDrawer';
import { useCartView } from './cart/cart';
import { signOut, useSession } from './session/session-store';
import { CartRemindersPage } from './shop/CartRemindersPage';
import { CategoryPage } from './shop/CategoryPage';
import { CheckoutPage } from './shop/CheckoutPage';
import { HomePage } from './shop/HomePage';
import { OrderPage } from './shop/OrderPage';
import { OrdersPage } from './shop/OrdersPage';
import { ProductPage } from './shop/ProductPage';
import { useCategories } from './shop/products';
import { SEARCH_MAX_LENGTH, SearchPage, searchTermOf } from './shop/SearchPage';
import { SignInPage } from './shop/SignInPage';
import { Loading, Notice } from './ui/common';
import { useFocusAfterRender } from './ui/focus';
import { usePageTitle } from './ui/page-title';
import { useCartDrawer } from './ui/ui-store';

/** The admin console is its own chunk: shoppers never download it. */
const AdminApp = lazy(() => import('./admin/AdminApp'));

function SearchForm() {
  const [, navigate] = useLocation();
  const search = useSearch();
  const q = searchTermOf(search);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget).get('q') ?? '').trim();
    if (value) navigate(`/search?q=${encodeURIComponent(value)}`);
  };
  return (
    <search className="search">
      <form onSubmit={submit}>
        <label htmlFor="site-search" className="visually-hidden">
          Search products
        </label>
        <input id="site-search" name="q" type="search" placeholder="Search products" defaultValue={q} key={q} maxLength={SEARCH_MAX_LENGTH} />
        <button type="submit" className="secondary">
          Search
        </button>
      </form>
    </search>
  );
}

/**
 * Where the header's Sign in leads: once signed in, back to the page it was pressed on (a checkout,
 * a product), which had sent every shopper to the home page to find their way back.
 */
function signInHref(location: string, search: string): string {
  if (location === '/signin') return search ? `/signin?${search}` : '/signin';
  if (location === '/') return '/signin';
  return `/signin?next=${encodeURIComponent(search ? `${location}?${search}` : location)}`;
}

function Header() {
  const session = useSession((state) => state.session);
  const cart = useCartView();
  const openCart = useCartDrawer((state) => state.setOpen);
  const [location] = useLocation();
  const search = useSearch();
  const categories = useCategories();
  const user = session?.user;
  const signInLink = useRef<HTMLAnchorElement>(null);
  const focusAfterRender = useFocusAfterRender();
  // Sign out goes as it is pressed: the focus moves to Sign in, which takes its place at the top of the page.
  const leave = () => {
    signOut();
    focusAfterRender(() => signInLink.current);
  };
  return (
    <header className="topbar">
      <div className="topbar-inner">
        <Link href="/" className="logo">
          flash<span>cart</span>
        </Link>
        <SearchForm />
        <nav className="topnav" aria-label="Account">
          {user?.role === 'admin' && <Link href="/admin">Admin</Link>}
          {session && <Link href="/orders">Orders</Link>}
          {user && user.role !== 'guest' ? (
            <>
              <span className="muted account-name" title={user.name ?? user.email}>
                {user.name ?? user.email}
              </span>
              <button type="button" className="link" onClick={leave}>
                Sign out
              </button>
            </>
          ) : (
            <Link ref={signInLink} href={signInHref(location, search)}>
              Sign in
            </Link>
          )}
          <button type="button" onClick={() => openCart(true)} aria-haspopup="dialog" data-testid="cart-button">
            Cart{' '}
            <span className="badge count">
              {cart.count}
              <span className="visually-hidden"> {cart.count === 1 ? 'item' : 'items'}</span>
            </span>
          </button>
        </nav>
      </div>
      {!location.startsWith('/admin') && (
        <nav className="categories" aria-label="Categories">
          {categories.data?.items.map((category) => (
            <Link key={category.slug} href={`/c/${category.slug}`} aria-current={location === `/c/${category.slug}` ? 'page' : undefined}>
              {category.name}
            </Link>
          ))}
        </nav>
      )}
    </header>
  );
}

/** Moves focus to the page's heading after each client-side navigation, as a page load would. */
function useFocusOnNavigate() {
  const [location] = useLocation();
  const first = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the location is what triggers it, not what it reads
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = document.querySelector<HTMLElement>('main h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: false });
    }
    window.scrollTo(0, 0);
  }, [location]);
}

/** Why a customer whose token the API refused finds themselves signed out, until they dismiss it or sign in. */
function SessionExpiredNotice() {
  const expired = useSession((state) => state.expired);
  const dismiss = useSession((state) => state.dismissExpired);
  const [location] = useLocation();
  if (!expired) return null;
  return (
    <Notice tone="warn" onDismiss={dismiss}>
      Your session has expired. Please{' '}
      {location === '/signin' ? 'sign in' : <Link href={`/signin?next=${encodeURIComponent(location)}`}>sign in</Link>} again.
    </Notice>
  );
}

function NotFound() {
  usePageTitle('Page not found');
  return (
    <>
      <h1>Page not found</h1>
      <p>
        <Link href="/">Back to the shop</Link>
      </p>
    </>
  );
}

export function App() {
  useFocusOnNavigate();
  return (
    <>
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <Header />
      <main id="content">
        <SessionExpiredNotice />
        <Switch>
          <Route path="/" component={HomePage} />
          <Route path="/c/:slug">{(params) => <CategoryPage slug={params.slug} />}</Route>
          <Route path="/search" component={SearchPage} />
          <Route path="/products/:sku">{(params) => <ProductPage sku={decodeURIComponent(params.sku)} />}</Route>
          <Route path="/checkout" component={CheckoutPage} />
          <Route path="/orders" component={OrdersPage} />
          <Route path="/orders/:id">{(params) => <OrderPage id={params.id} />}</Route>
          <Route path="/signin" component={SignInPage} />
          <Route path="/mail/cart-reminders" component={CartRemindersPage} />
          <Route path="/admin" nest>
            <Suspense fallback={<Loading what="the admin console" />}>
              <AdminApp />
            </Suspense>
          </Route>
          <Route component={NotFound} />
        </Switch>
      </main>
      <footer>flashcart — a shop that never oversells. No money moves: payments go to a simulator.</footer>
      <CartDrawer />
    </>
  );
}
