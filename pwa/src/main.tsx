import { render, type ComponentType } from 'preact';
import { LocationProvider, Route, Router, lazy } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { Layout } from './components/Layout';
import { ErrorState, Skeleton } from './components/States';
import { afterFirstScreen } from './data/idle';
import { syncDevice } from './data/push';
import { ready, restore, signedInHere, user } from './data/session';
import { pendingNavigation, registerServiceWorker } from './data/sw-register';
import { locale, prepareFormats, t } from './i18n';
import { Login } from './screens/Login';
import { Today } from './screens/Today';
import './styles.css';

/** A screen whose code could not be loaded: offline before the service worker had saved it. */
function Unavailable() {
  return <ErrorState message={t('state.needsOnline')} onRetry={() => window.location.reload()} />;
}

/** A screen in a chunk of its own, loaded when first opened. */
function screen<P>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  return lazy(() => load().catch(() => Unavailable as ComponentType<P>));
}

// Only the sign-in screen and Today come with the app shell: every other screen is its own
// chunk, loaded when first opened (the service worker precaches them all, so they open
// offline too). The report screens also carry uPlot.
const Alerts = screen(() => import('./screens/Alerts').then((m) => m.Alerts));
const Approvals = screen(() => import('./screens/Approvals').then((m) => m.Approvals));
const Customer = screen(() => import('./screens/Customer').then((m) => m.Customer));
const Customers = screen(() => import('./screens/Customers').then((m) => m.Customers));
const Refer = screen(() => import('./screens/Refer').then((m) => m.Refer));
const Referrals = screen(() => import('./screens/Referrals').then((m) => m.Referrals));
const Outbox = screen(() => import('./screens/Outbox').then((m) => m.Outbox));
const Conflict = screen(() => import('./screens/Outbox').then((m) => m.Conflict));
const Visit = screen(() => import('./screens/Visit').then((m) => m.Visit));
const Settings = screen(() => import('./screens/Settings').then((m) => m.Settings));
const Me = screen(() => import('./screens/Me').then((m) => m.Me));
const TeamRm = screen(() => import('./screens/Me').then((m) => m.TeamRm));
const Team = screen(() => import('./screens/Team').then((m) => m.Team));
const Products = screen(() => import('./screens/Products').then((m) => m.Products));

function App() {
  useEffect(() => {
    if (document.documentElement.lang !== locale.value) document.documentElement.lang = locale.value;
  }, [locale.value]);
  useEffect(() => {
    // a notification tapped while signed out: land there once signed in
    if (user.value || !pendingNavigation.value) return;
    history.replaceState(null, '', pendingNavigation.value);
    pendingNavigation.value = null;
  }, [user.value, pendingNavigation.value]);
  if (!ready.value) return <Skeleton rows={4} />;
  if (!user.value) return <Login />;
  if (user.value.role === 'referrer') {
    // a colleague from another line: no portfolio, no plan; referring is the whole job
    return (
      <LocationProvider>
        <Layout>
          <Router>
            <Route path="/" component={Refer} />
            <Route path="/referrals" component={Referrals} />
            <Route path="/referrals/:id" component={Referrals} />
            <Route path="/alerts" component={Alerts} />
            <Route path="/settings" component={Settings} />
            <Route default component={Refer} />
          </Router>
        </Layout>
      </LocationProvider>
    );
  }
  if (user.value.role === 'analyst' || user.value.role === 'admin') {
    // no portfolio of their own: aggregates are the job, products the home screen
    return (
      <LocationProvider>
        <Layout>
          <Router>
            <Route path="/" component={Products} />
            <Route path="/products" component={Products} />
            <Route path="/alerts" component={Alerts} />
            <Route path="/settings" component={Settings} />
            <Route default component={Products} />
          </Router>
        </Layout>
      </LocationProvider>
    );
  }
  return (
    <LocationProvider>
      <Layout>
        <Router>
          <Route path="/" component={Today} />
          <Route path="/customers" component={Customers} />
          <Route path="/customers/:id" component={Customer} />
          <Route path="/customers/:id/visit" component={Visit} />
          <Route path="/outbox" component={Outbox} />
          <Route path="/outbox/:clientId" component={Conflict} />
          <Route path="/alerts" component={Alerts} />
          <Route path="/approvals" component={Approvals} />
          <Route path="/referrals" component={Referrals} />
          <Route path="/referrals/:id" component={Referrals} />
          <Route path="/settings" component={Settings} />
          <Route path="/me" component={Me} />
          <Route path="/team" component={Team} />
          <Route path="/team/rm/:id" component={TeamRm} />
          <Route path="/products" component={Products} />
          <Route default component={Today} />
        </Router>
      </Layout>
    </LocationProvider>
  );
}

// Signed in here: the app opens on Today, whose dates need the locale's formatting data,
// slow to load the first time (tens of milliseconds on a phone). Loaded now, before the
// first paint, rather than in the task that draws the plan, when the RM may already be
// scrolling or tapping.
if (signedInHere()) prepareFormats();
// alerts on this device: resubscribe when the server's key changed (never asks permission);
// once the first screen has drawn
void restore().then(() => user.value && afterFirstScreen(() => syncDevice().catch(() => undefined)));
// The service worker: its install downloads every asset of the app, and an update check
// fetches it again. Signed in, that waits until the first screen has fetched and drawn its
// data; on the sign-in form nothing competes, so it goes at once (Workbox waits for the
// page's load event), and the app is ready offline by the time the RM has signed in.
if (signedInHere()) afterFirstScreen(registerServiceWorker);
else registerServiceWorker();
render(<App />, document.getElementById('app')!);
