import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router-dom';

import { App, BASENAME } from './App';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

// Real paths (/admin/login, /admin/contacts/…) rather than react-admin's default hash router:
// the backend serves index.html for every /admin/* path.
const router = createBrowserRouter([
  { path: `${BASENAME}/*`, element: <App /> },
  { path: '*', element: <Navigate to={`${BASENAME}/`} replace /> },
]);

createRoot(container).render(
  <StrictMode>
    <RouterProvider router={router} />
  </StrictMode>,
);
