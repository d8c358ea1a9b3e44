/**
 * Bases as main knows them: the Model screen's cards (every registry base and every model folder the
 * user added, with whether it is on this machine — checked on disk, nothing loaded), and the bases
 * the engine has described this session (layers, feature shape).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { KERAS_MODEL_FILE, type BaseCard, type BaseDescription, type ModelLayers } from '@shared/ipc/bases';
import { CodedError } from '@shared/errors';
import { BASES, findBase } from '../engine/bases/registry';
import { locateBase } from '../engine/bases/locate';
import type { EngineHost } from '../engine-host/host';
import type { SettingsStore } from '../settings/store';
import { runJob } from './engine-jobs';
import type { EventBus } from './event-bus';
import type { FsPolicy } from './fs-policy';

export async function listBaseCards(
  customDirs: string[],
  modelsDir: string,
  described: ReadonlyMap<string, BaseDescription>,
): Promise<BaseCard[]> {
  const registry = await Promise.all(
    BASES.map(async (b): Promise<BaseCard> => {
      const card = {
        id: b.id,
        displayName: b.displayName,
        inputSize: b.inputSize,
        params: b.params,
        sizeBytes: b.sizeBytes,
        imagenetTop1: b.imagenetTop1,
        featureShape: [...b.featureShape],
        custom: false,
      };
      return { ...card, ...locateBase(b, { modelsDir }) };
    }),
  );
  const custom = customDirs.map((dir): BaseCard => {
    const d = described.get(dir);
    // A user's base is a tfjs folder or a Keras .h5/.keras file (converted on first use).
    const ok = KERAS_MODEL_FILE.test(dir) ? existsSync(dir) : existsSync(path.join(dir, 'model.json'));
    return {
      id: dir,
      displayName: d?.displayName ?? path.basename(dir),
      inputSize: d?.inputSize[0] ?? 0,
      params: d?.params ?? 0,
      sizeBytes: null,
      imagenetTop1: null,
      featureShape: d?.featureShape ?? null,
      state: ok ? 'local' : 'unavailable',
      detail: ok ? dir : KERAS_MODEL_FILE.test(dir) ? `${dir} is gone` : `${dir} has no model.json any more`,
      custom: true,
    };
  });
  return [...registry, ...custom];
}

export class BaseCatalog {
  /** Described bases by registry ref and by folder. */
  private readonly described = new Map<string, BaseDescription>();

  constructor(
    private readonly o: {
      settings: SettingsStore;
      engine: EngineHost;
      events: EventBus;
      fsPolicy: FsPolicy;
      cacheDir(): string;
    },
  ) {}

  /** Where downloaded bases are kept. */
  modelsDir(): string {
    return path.join(this.o.cacheDir(), 'models');
  }

  cards(): Promise<BaseCard[]> {
    return listBaseCards(this.o.settings.get('customBases'), this.modelsDir(), this.described);
  }

  /** A registry id as is; a model folder only where this mode may read (browser mode: the allowed roots). */
  async ref(base: string): Promise<string> {
    return findBase(base) ? base : this.o.fsPolicy.resolveAllowed(base);
  }

  /** Load a base in the engine (downloading it first if asked) and remember what it is. */
  async describe(base: string, download: boolean): Promise<BaseDescription> {
    const d = await runJob(
      this.o.engine,
      this.o.events,
      'describeBase',
      { base, modelsDir: this.modelsDir(), download, backend: this.o.settings.get('preferredBackend') },
      download ? `Downloading ${base}` : `Loading ${path.basename(base)}`,
    );
    this.described.set(d.ref, d);
    this.described.set(d.dir, d);
    return d;
  }

  /**
   * A user's Keras file's layers (for the feature-layer picker); with `featureLayer`, set it first and
   * describe the base again, so cards and the head editor see the new feature shape.
   */
  async modelLayers(file: string, featureLayer: string | null): Promise<ModelLayers> {
    if (!KERAS_MODEL_FILE.test(file))
      throw new CodedError('BAD_REQUEST', `${path.basename(file)} is not a Keras .h5 / .keras model file`);
    const r = await runJob(
      this.o.engine,
      this.o.events,
      'modelLayers',
      { file, modelsDir: this.modelsDir(), featureLayer },
      `Reading ${path.basename(file)}`,
    );
    if (featureLayer) await this.describe(file, false);
    return r;
  }

  /** The feature map shape of a base, when known without loading it. */
  featureShape(ref: string): number[] | undefined {
    const shape = findBase(ref)?.featureShape ?? this.described.get(ref)?.featureShape;
    return shape ? [...shape] : undefined;
  }
}
