import { QueryClient, QueryClientProvider, useMutation, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { BrowserRouter, Link, Navigate, NavLink, Route, Routes } from 'react-router';
import { LiveIndicator } from '../components/LiveIndicator.tsx';
import { ApprovalsPage } from '../features/admin/ApprovalsPage.tsx';
import { SchedulerPage } from '../features/admin/SchedulerPage.tsx';
import { UsersPage } from '../features/admin/UsersPage.tsx';
import { LoginPage } from '../features/auth/LoginPage.tsx';
import { useSession } from '../features/auth/session.ts';
import { EventFormPage } from '../features/events/EventFormPage.tsx';
import { EventPage } from '../features/events/EventPage.tsx';
import { EventsListPage } from '../features/events/EventsListPage.tsx';
import { AttendeePage } from '../features/registrations/AttendeePage.tsx';
import { WebhooksPage } from '../features/webhooks/WebhooksPage.tsx';
import { api } from '../lib/api.ts';
import { LiveProvider } from '../lib/live.tsx';

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false, staleTime: 30_000 } },
});

function Shell({ children }: { children: ReactNode }) {
  const { user } = useSession();
  const client = useQueryClient();
  const logout = useMutation({
    mutationFn: () => api<undefined>('POST', '/auth/logout'),
    onSettled: () => {
      client.setQueryData(['me'], null);
      void client.invalidateQueries();
    },
  });
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Kairos
        </Link>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Events
          </NavLink>
          {user && <NavLink to="/events/new">New event</NavLink>}
          {user?.role === 'admin' && (
            <>
              <NavLink to="/admin/approvals">Approvals</NavLink>
              <NavLink to="/admin/scheduler">Scheduler</NavLink>
              <NavLink to="/admin/users">Users</NavLink>
              <NavLink to="/admin/webhooks">Webhooks</NavLink>
            </>
          )}
        </nav>
        <div className="session">
          <LiveIndicator />
          {user ? (
            <>
              <span className="muted">
                {user.name} ({user.role})
              </span>
              <button type="button" className="link" onClick={() => logout.mutate()}>
                Sign out
              </button>
            </>
          ) : (
            <NavLink to="/login">Sign in</NavLink>
          )}
        </div>
      </header>
      <main id="main">{children}</main>
    </>
  );
}

function RequireRole({ need, children }: { need: 'user' | 'admin'; children: ReactNode }) {
  const { user, loading } = useSession();
  if (loading) return null;
  if (!user) return <Navigate to="/login" replace />;
  if (need === 'admin' && user.role !== 'admin') return <p role="alert">Only admins can see this page.</p>;
  return <>{children}</>;
}

function Live({ children }: { children: ReactNode }) {
  const { user, loading } = useSession();
  if (loading) return null;
  return <LiveProvider sessionKey={user?.id ?? 'public'}>{children}</LiveProvider>;
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <Live>
          <Shell>
            <Routes>
              <Route path="/" element={<EventsListPage />} />
              <Route path="/login" element={<LoginPage />} />
              <Route
                path="/events/new"
                element={
                  <RequireRole need="user">
                    <EventFormPage />
                  </RequireRole>
                }
              />
              <Route path="/events/:id" element={<EventPage />} />
              <Route path="/registrations/:id" element={<AttendeePage />} />
              <Route
                path="/events/:id/edit"
                element={
                  <RequireRole need="user">
                    <EventFormPage />
                  </RequireRole>
                }
              />
              <Route
                path="/admin/approvals"
                element={
                  <RequireRole need="admin">
                    <ApprovalsPage />
                  </RequireRole>
                }
              />
              <Route
                path="/admin/scheduler"
                element={
                  <RequireRole need="admin">
                    <SchedulerPage />
                  </RequireRole>
                }
              />
              <Route
                path="/admin/users"
                element={
                  <RequireRole need="admin">
                    <UsersPage />
                  </RequireRole>
                }
              />
              <Route
                path="/admin/webhooks"
                element={
                  <RequireRole need="admin">
                    <WebhooksPage />
                  </RequireRole>
                }
              />
              <Route path="*" element={<p role="alert">This page does not exist.</p>} />
            </Routes>
          </Shell>
        </Live>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
