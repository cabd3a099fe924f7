// The dashboard's build: `vite build ui` (from `npm run build`) writes dist/ui, which the API serves at /.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: '../dist/ui', emptyOutDir: true, assetsDir: 'assets', sourcemap: false },
});
