import { useEffect } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import { useSession } from '../session/session-store';
import { usePageTitle } from '../ui/page-title';
import { DashboardPage } from './DashboardPage';
import { DeadLettersPage } from './DeadLettersPage';
import { InventoryPage } from './InventoryPage';
import { MailboxPage } from './MailboxPage';
import { holdMetricsScraping } from './metrics-history';
import { OrderAdminPage } from './OrderAdminPage';
import { OrdersAdminPage } from './OrdersAdminPage';
import { QueueBoardLink } from './QueueBoardLink';
import { VendorsPage } from './VendorsPage';

const SECTIONS: [path: string, label: string][] = [
  ['/', 'Dashboard'],
  ['/inventory', 'Products and stock'],
  ['/orders', 'Orders'],
  ['/dead-letters', 'Dead letters'],
  ['/mailbox', 'Mailbox'],
  ['/vendors', 'Vendors'],
];

/** The console's page a tab shows, by its address within /admin: each tab of the console named for what it holds. */
function titleOf(location: string): string {
  const order = /^\/orders\/([^/]+)$/.exec(location);
  if (order) return `Order ${order[1]!.slice(0, 8)} · Admin`;
  const section = SECTIONS.find(([path]) => path === location);
  return `${section ? section[1] : 'Not found'} · Admin`;
}

/** The admin console: its own chunk, loaded only when an admin opens /admin. */
export default function AdminApp() {
  const role = useSession((state) => state.session?.user.role);
  const [location] = useLocation();
  usePageTitle(role === 'admin' ? titleOf(location) : 'Admin console');
  useEffect(() => (role === 'admin' ? holdMetricsScraping() : undefined), [role]);

  if (role !== 'admin') {
    return (
      <>
        <h1>Admin console</h1>
        <p>
          This needs an admin account. <Link href="~/signin">Sign in</Link> as an admin.
        </p>
      </>
    );
  }
  return (
    <div className="admin-shell">
      <nav className="admin-nav" aria-label="Admin">
        {SECTIONS.map(([path, label]) => (
          <Link key={path} href={path} aria-current={location === path ? 'page' : undefined}>
            {label}
          </Link>
        ))}
        <QueueBoardLink>Queue dashboard ↗</QueueBoardLink>
      </nav>
      <div>
        <Switch>
          <Route path="/" component={DashboardPage} />
          <Route path="/inventory" component={InventoryPage} />
          <Route path="/orders" component={OrdersAdminPage} />
          <Route path="/orders/:id">{(params) => <OrderAdminPage id={params.id} />}</Route>
          <Route path="/dead-letters" component={DeadLettersPage} />
          <Route path="/mailbox" component={MailboxPage} />
          <Route path="/vendors" component={VendorsPage} />
          <Route>
            <h1>Not found</h1>
          </Route>
        </Switch>
      </div>
    </div>
  );
}
