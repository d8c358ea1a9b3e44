import { useCallback, useEffect, useState } from 'react';
import { SettingsDialog } from './components/SettingsDialog';
import { StatusBar } from './components/StatusBar';
import { StepNav } from './components/StepNav';
import { DatasetScreen } from './screens/dataset/DatasetScreen';
import { Placeholder } from './screens/Placeholder';
import { AppStateProvider, useAppState } from './state/app-state';
import { DatasetProvider, useDataset } from './state/dataset';
import { useFolderDrop } from './state/use-folder-drop';
import { STEPS } from './steps';
import type { StepId } from './steps';

function Frame() {
  const { settings, crash, dismissCrash, info } = useAppState();
  const { dataset, open } = useDataset();
  const [step, setStep] = useState<StepId>('dataset');
  const [notice, setNotice] = useState<string | null>(null);
  const [showSettings, setShowSettings] = useState(false);
  const onDropPath = useCallback(
    (p: string) => {
      setStep('dataset');
      setNotice(null);
      void open(p);
    },
    [open],
  );
  const dragging = useFolderDrop(onDropPath, setNotice);

  useEffect(() => {
    document.documentElement.dataset.theme = settings?.theme ?? 'system';
  }, [settings?.theme]);
  useEffect(() => {
    document.title = dataset ? `${dataset.name} — Transfer Studio` : 'Transfer Studio';
  }, [dataset]);

  const current = STEPS.find((s) => s.id === step)!;
  return (
    <div className="app" data-mode={info?.mode}>
      <header className="topbar">
        <span className="brand">Transfer Studio</span>
        {dataset && (
          <span className="topbar-dataset" title={dataset.root}>
            {dataset.name}
          </span>
        )}
        <button type="button" className="topbar-settings" onClick={() => setShowSettings(true)}>
          Settings
        </button>
      </header>
      {crash && (
        <div className="banner banner-error" role="alert" data-testid="engine-crash">
          <span>{crash}</span>
          <button type="button" onClick={dismissCrash}>
            Dismiss
          </button>
        </div>
      )}
      {notice && (
        <div className="banner banner-info" role="status">
          <span>{notice}</span>
          <button type="button" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      )}
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div>Drop a dataset folder to open it</div>
        </div>
      )}
      <div className="body">
        <StepNav current={step} onSelect={setStep} />
        <main className="content">
          {step === 'dataset' ? <DatasetScreen /> : <Placeholder step={current} />}
        </main>
      </div>
      <StatusBar />
      {showSettings && <SettingsDialog onClose={() => setShowSettings(false)} />}
    </div>
  );
}

export function App() {
  return (
    <AppStateProvider>
      <DatasetProvider>
        <Frame />
      </DatasetProvider>
    </AppStateProvider>
  );
}
