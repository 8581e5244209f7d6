import '@xyflow/react/dist/style.css';
import './index.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { readMountConfig } from './lib/mountConfig';

const container = document.getElementById('root');
if (!container) {
  throw new Error('Journey editor: the page has no <div id="root"> to mount into.');
}

createRoot(container).render(
  <StrictMode>
    <App config={readMountConfig(container.dataset)} />
  </StrictMode>,
);
