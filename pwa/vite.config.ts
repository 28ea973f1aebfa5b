/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  plugins: [
    preact(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false, // registered by src/data/sw-register.ts with an update prompt
      registerType: 'prompt',
      injectManifest: { globPatterns: ['**/*.{js,css,html,png,svg,ico,webmanifest}'] },
      manifest: {
        name: 'RM Companion 客户经理助手',
        short_name: 'RM助手',
        description: 'Relationship manager companion for SME banking',
        lang: 'zh-CN',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        theme_color: '#0b5cad',
        background_color: '#f4f6f9',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
        shortcuts: [
          { name: '今日 Today', short_name: 'Today', url: '/', icons: [{ src: '/icons/icon-192.png', sizes: '192x192' }] },
          { name: '记录拜访 Log a visit', short_name: 'Log visit', url: '/customers?log=1', icons: [{ src: '/icons/icon-192.png', sizes: '192x192' }] },
        ],
      },
    }),
  ],
  build: {
    target: 'es2020',
    sourcemap: false,
    // what the entry imports statically (the app shell, Today) in one chunk; the lazily
    // loaded screens and what only they share in chunks of their own
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: 'app', tags: ['$initial'] }] } } },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:5000' } },
  test: { environment: 'node', include: ['tests/**/*.test.ts'] },
});
