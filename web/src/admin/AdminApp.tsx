import { type ComponentType, useEffect } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import { useSession } from '../session/session-store';
import { useConsoleTitle, usePageTitle } from '../ui/page-title';
import { DashboardPage } from './DashboardPage';
import { DeadLettersPage } from './DeadLettersPage';
import { InventoryPage } from './InventoryPage';
import { MailboxPage } from './MailboxPage';
import { holdMetricsScraping } from './metrics-history';
import { OrderAdminPage } from './OrderAdminPage';
import { OrdersAdminPage } from './OrdersAdminPage';
import { QueueBoardLink } from './QueueBoardLink';
import { VendorsPage } from './VendorsPage';

const SECTIONS: [path: string, label: string, page: ComponentType][] = [
  ['/', 'Dashboard', DashboardPage],
  ['/inventory', 'Products and stock', InventoryPage],
  ['/orders', 'Orders', OrdersAdminPage],
  ['/dead-letters', 'Dead letters', DeadLettersPage],
  ['/mailbox', 'Mailbox', MailboxPage],
  ['/vendors', 'Vendors', VendorsPage],
];

/** A section of the console, its tab named for it. */
function Section({ label, page: Page }: { label: string; page: ComponentType }) {
  useConsoleTitle(label);
  return <Page />;
}

function NotFound() {
  useConsoleTitle('Not found');
  return <h1>Not found</h1>;
}

function AdminsOnly() {
  usePageTitle('Admin console');
  return (
    <>
      <h1>Admin console</h1>
      <p>
        This needs an admin account. <Link href="~/signin">Sign in</Link> as an admin.
      </p>
    </>
  );
}

/** The admin console: its own chunk, loaded only when an admin opens /admin. */
export default function AdminApp() {
  const role = useSession((state) => state.session?.user.role);
  const [location] = useLocation();
  useEffect(() => (role === 'admin' ? holdMetricsScraping() : undefined), [role]);

  if (role !== 'admin') return <AdminsOnly />;
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
          {SECTIONS.map(([path, label, page]) => (
            <Route key={path} path={path}>
              <Section label={label} page={page} />
            </Route>
          ))}
          <Route path="/orders/:id">{(params) => <OrderAdminPage id={params.id} />}</Route>
          <Route component={NotFound} />
        </Switch>
      </div>
    </div>
  );
}
