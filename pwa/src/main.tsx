import { render } from 'preact';
import { LocationProvider, Route, Router, lazy } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { Layout } from './components/Layout';
import { Skeleton } from './components/States';
import { syncDevice } from './data/push';
import { ready, restore, user } from './data/session';
import { pendingNavigation, registerServiceWorker } from './data/sw-register';
import { locale } from './i18n';
import { Alerts } from './screens/Alerts';
import { Approvals } from './screens/Approvals';
import { Customer } from './screens/Customer';
import { Customers } from './screens/Customers';
import { Login } from './screens/Login';
import { Refer } from './screens/Refer';
import { Referrals } from './screens/Referrals';
import { Conflict, Outbox } from './screens/Outbox';
import { Visit } from './screens/Visit';
import { Settings } from './screens/Settings';
import { Today } from './screens/Today';
import './styles.css';

// the report screens carry uPlot: loaded when first opened, not with the app shell
const Me = lazy(() => import('./screens/Me').then((m) => m.Me));
const TeamRm = lazy(() => import('./screens/Me').then((m) => m.TeamRm));
const Team = lazy(() => import('./screens/Team').then((m) => m.Team));
const Products = lazy(() => import('./screens/Products').then((m) => m.Products));

function App() {
  useEffect(() => {
    document.documentElement.lang = locale.value;
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

// alerts on this device: resubscribe when the server's key changed (never asks permission)
void restore().then(() => user.value && syncDevice().catch(() => undefined));
registerServiceWorker();
render(<App />, document.getElementById('app')!);
