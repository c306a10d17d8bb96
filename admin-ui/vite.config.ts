import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv } from 'vite';

const root = new URL('.', import.meta.url).pathname;

export default defineConfig(({ mode }) => {
  // Tests start the backend on a free port and point the dev server at it.
  const env: Partial<Record<string, string>> = loadEnv(mode, root, 'ADMIN_UI_');
  const proxy = { '/api': { target: env.ADMIN_UI_API_TARGET ?? 'http://127.0.0.1:3000', changeOrigin: false } };

  return {
    root,
    // The backend serves the built files under /admin/, so every asset URL is prefixed with it.
    base: '/admin/',
    plugins: [react()],
    build: {
      outDir: 'dist',
      emptyOutDir: true,
      // Source maps would ship the whole UI source to every browser; keep them out of production.
      sourcemap: false,
      rolldownOptions: {
        output: {
          // Libraries change less often than the app: separate chunks stay cached across releases.
          codeSplitting: {
            groups: [
              {
                name: 'react',
                test: /node_modules[\\/](react|react-dom|scheduler|react-router|react-router-dom)[\\/]/,
                priority: 30,
              },
              { name: 'mui', test: /node_modules[\\/](@mui|@emotion|@popperjs)[\\/]/, priority: 20 },
              { name: 'react-admin', test: /node_modules[\\/](react-admin|ra-[a-z-]+)[\\/]/, priority: 20 },
              { name: 'vendor', test: /node_modules[\\/]/, priority: 10 },
            ],
          },
        },
      },
    },
    server: { proxy },
    preview: { proxy },
  };
});
