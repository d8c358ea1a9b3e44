import { useCallback, useEffect, useState } from 'react';
import { SettingsDialog } from './components/SettingsDialog';
import { StatusBar } from './components/StatusBar';
import { StepNav } from './components/StepNav';
import { AugmentScreen } from './screens/augment/AugmentScreen';
import { DatasetScreen } from './screens/dataset/DatasetScreen';
import { EvaluateScreen } from './screens/evaluate/EvaluateScreen';
import { ExportScreen } from './screens/export/ExportScreen';
import { ModelScreen } from './screens/model/ModelScreen';
import { TrainScreen } from './screens/train/TrainScreen';
import { AppStateProvider, useAppState } from './state/app-state';
import { ConfigProvider } from './state/config';
import { DatasetProvider, useDataset } from './state/dataset';
import { RunsProvider } from './state/runs';
import { useFolderDrop } from './state/use-folder-drop';
import type { StepId } from './steps';

const SCREENS: Record<StepId, () => React.JSX.Element> = {
  dataset: DatasetScreen,
  augment: AugmentScreen,
  model: ModelScreen,
  train: TrainScreen,
  evaluate: EvaluateScreen,
  export: ExportScreen,
};

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

  const Screen = SCREENS[step];
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
          <Screen />
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
        <ConfigProvider>
          <RunsProvider>
            <Frame />
          </RunsProvider>
        </ConfigProvider>
      </DatasetProvider>
    </AppStateProvider>
  );
}
