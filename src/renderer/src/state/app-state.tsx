/**
 * App-wide state that outlives screens: app info, settings, engine status and running jobs.
 * Screens read it through `useAppState()`.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import type { AppInfo, EngineStatus, EventPayload } from '@shared/ipc/contract';
import type { Settings } from '@shared/ipc/settings-schema';
import { call, getClient } from '../api/client';
import type { ConnectionState } from '../api/ws-api';
import { useEvent } from './use-event';

export interface JobView {
  jobId: string;
  kind: string;
  label: string;
  state: EventPayload<'jobState'>['state'];
  stage?: string;
  done: number;
  total: number;
  error?: EventPayload<'jobState'>['error'];
}

interface AppState {
  info: AppInfo | null;
  settings: Settings | null;
  setSettings(s: Settings): void;
  engine: EngineStatus | null;
  jobs: Record<string, JobView>;
  connection: ConnectionState;
  /** The last engine crash the user has not dismissed. */
  crash: string | null;
  dismissCrash(): void;
}

const Ctx = createContext<AppState | null>(null);

export function AppStateProvider({ children }: { children: ReactNode }) {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [engine, setEngine] = useState<EngineStatus | null>(null);
  const [jobs, setJobs] = useState<Record<string, JobView>>({});
  const [connection, setConnection] = useState<ConnectionState>(getClient().connection());
  const [crash, setCrash] = useState<string | null>(null);

  useEffect(() => getClient().onConnection(setConnection), []);
  useEffect(() => {
    if (connection !== 'open') return;
    // (Re)load after every (re)connect: the server may have restarted.
    void call('getAppInfo', {}).then(setInfo, () => undefined);
    void call('getSettings', {}).then(setSettings, () => undefined);
    void call('getEngineStatus', {}).then(setEngine, () => undefined);
  }, [connection]);

  useEvent('engineStatus', (s) => {
    setEngine((prev) => {
      if (s.lastCrash && s.lastCrash.at !== prev?.lastCrash?.at) setCrash(s.lastCrash.message);
      return s;
    });
  });
  useEvent('jobState', (e) => {
    setJobs((prev) => {
      const next = { ...prev };
      if (e.state === 'running') next[e.jobId] = { ...e, done: 0, total: 0 };
      else delete next[e.jobId];
      return next;
    });
  });
  useEvent('jobProgress', (e) => {
    setJobs((prev) => {
      const j = prev[e.jobId];
      if (!j) return prev;
      return { ...prev, [e.jobId]: { ...j, stage: e.stage, done: e.done, total: e.total } };
    });
  });

  const dismissCrash = useCallback(() => setCrash(null), []);
  const value = useMemo(
    () => ({ info, settings, setSettings, engine, jobs, connection, crash, dismissCrash }),
    [info, settings, engine, jobs, connection, crash, dismissCrash],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAppState(): AppState {
  const v = useContext(Ctx);
  if (!v) throw new Error('useAppState outside AppStateProvider');
  return v;
}
