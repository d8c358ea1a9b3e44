import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
// In this order (the old single stylesheet's): later rules win ties.
import './styles/base.css';
import './styles/frame.css';
import './styles/dataset.css';
import './styles/modals.css';
import './studio.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
