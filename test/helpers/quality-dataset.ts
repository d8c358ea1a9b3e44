/**
 * Hymenoptera (all real photos, `train/` + `val/`) copied into a temp dir with planted problems:
 * exact duplicates, near-duplicates (crop, resize, re-encode, flip, small edits) across train/val and
 * across classes, and photos moved into the wrong class folder. Everything is built with sharp.
 */
import { copyFile, mkdir, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { HYMENOPTERA } from './shared';

export interface PlantedPair {
  /** Both rel paths (`/`-separated, relative to the dataset root). */
  a: string;
  b: string;
  how: string;
  /** Spans train and val. */
  leak: boolean;
  /** Spans classes. */
  conflict: boolean;
}

export interface PlantedDataset {
  root: string;
  exact: PlantedPair[];
  near: PlantedPair[];
  /**
   * Photos now in the wrong class folder: `rel` is where it is, `trueClass` where it belongs, `original`
   * where it was moved from (null for the copies planted in the other class as conflicts, listed last).
   */
  mislabeled: { rel: string; trueClass: string; original: string | null }[];
}

const SOURCE = {
  exactLeak: 'train/ants/0013035.jpg',
  exactSameSplit: 'train/bees/1092977343_cb42b38d62.jpg',
  exactConflict: 'train/ants/1030023514_aad5c608f9.jpg',
  cropLeak: 'train/ants/1095476100_3906d8afde.jpg',
  flipLeak: 'train/bees/1093831624_fb5fbe2308.jpg',
  allLeak: 'train/ants/1099452230_d1949d3250.jpg',
  smallEdit: 'train/bees/1097045929_1753d1c765.jpg',
  valEdit: 'val/ants/10308379_1b6c72e180.jpg',
  allConflict: 'train/bees/1232245714_f862fbe385.jpg',
};

/**
 * Photos moved into the other class's folder (train split): clear cases picked by eye (ants on sand, on a
 * branch, on dirt; bees on flowers and a conifer). Not ambiguous ones such as a dead bee covered in ants
 * (129236073) or a glossy black ant close-up that looks like a bee (1262877379): a wrong folder is only
 * findable when the picture itself says otherwise.
 */
const MISLABEL = [
  'train/ants/116570827_e9c126745d.jpg',
  'train/ants/1225872729_6f0856588f.jpg',
  'train/ants/132478121_2a430adea2.jpg',
  'train/bees/132826773_dbbcb117b9.jpg',
  'train/bees/1295655112_7813f37d21.jpg',
  'train/bees/132511197_0b86ad0fff.jpg',
];

async function copyTree(src: string, dst: string): Promise<void> {
  await mkdir(dst, { recursive: true });
  for (const e of await readdir(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) await copyTree(s, d);
    else if (e.isFile()) await copyFile(s, d);
  }
}

/** A centre-ish crop keeping `keep` of each side, offset by `shift` of the slack. */
async function cropOf(file: string, keep: number, shift = 0.5): Promise<Sharp> {
  const m = await sharp(file).metadata();
  const w = Math.round(m.width * keep);
  const h = Math.round(m.height * keep);
  return sharp(file).extract({
    left: Math.round((m.width - w) * shift),
    top: Math.round((m.height - h) * shift),
    width: w,
    height: h,
  });
}

async function sizeOf(file: string): Promise<{ width: number; height: number }> {
  const m = await sharp(file).metadata();
  return { width: m.width, height: m.height };
}

export async function makePlantedDataset(dir: string): Promise<PlantedDataset> {
  const root = path.join(dir, 'planted');
  await copyTree(HYMENOPTERA, root);
  const at = (rel: string) => path.join(root, ...rel.split('/'));
  const exact: PlantedPair[] = [];
  const near: PlantedPair[] = [];
  const pair = (list: PlantedPair[], a: string, b: string, how: string) =>
    list.push({
      a,
      b,
      how,
      leak: a.split('/')[0] !== b.split('/')[0],
      conflict: a.split('/')[1] !== b.split('/')[1],
    });

  const copy = async (from: string, to: string, how: string) => {
    await copyFile(at(from), at(to));
    pair(exact, from, to, how);
  };
  await copy(SOURCE.exactLeak, 'val/ants/0013035 (copy).jpg', 'byte copy in val');
  await copy(SOURCE.exactSameSplit, 'train/bees/IMG_0001.jpg', 'byte copy, renamed');
  await copy(SOURCE.exactConflict, 'train/bees/1030023514_aad5c608f9.jpg', 'byte copy in the other class');

  const variant = async (from: string, to: string, how: string, make: (s: string) => Promise<Sharp>) => {
    await (await make(at(from))).toFile(at(to));
    pair(near, from, to, how);
  };
  await variant(SOURCE.cropLeak, 'val/ants/cropped.jpg', 'crop 80% + resize 75% + JPEG q70', async (f) => {
    const { width } = await sizeOf(f);
    return (await cropOf(f, 0.8)).resize(Math.round(width * 0.8 * 0.75)).jpeg({ quality: 70 });
  });
  await variant(SOURCE.flipLeak, 'val/bees/mirrored.jpg', 'horizontal flip + JPEG q85', async (f) =>
    sharp(f).flop().jpeg({ quality: 85 }),
  );
  await variant(
    SOURCE.allLeak,
    'val/ants/everything.jpg',
    'off-centre crop 85% + resize 60% + flip + JPEG q60',
    async (f) => {
      const { width } = await sizeOf(f);
      return (await cropOf(f, 0.85, 0.3))
        .resize(Math.round(width * 0.85 * 0.6))
        .flop()
        .jpeg({ quality: 60 });
    },
  );
  await variant(
    SOURCE.smallEdit,
    'train/bees/brighter-half-size.jpg',
    'resize 50% + brightness 1.15',
    async (f) => {
      const { width } = await sizeOf(f);
      return sharp(f)
        .resize(Math.round(width / 2))
        .modulate({ brightness: 1.15 })
        .jpeg({ quality: 80 });
    },
  );
  await variant(SOURCE.valEdit, 'train/ants/edited.png', 'PNG re-encode with a stamped corner', async (f) => {
    const { width, height } = await sizeOf(f);
    const stamp = await sharp({
      create: {
        width: Math.round(width / 8),
        height: Math.round(height / 8),
        channels: 3,
        background: '#d02020',
      },
    })
      .png()
      .toBuffer();
    return sharp(f)
      .composite([{ input: stamp, left: 4, top: 4 }])
      .png();
  });
  await variant(
    SOURCE.allConflict,
    'train/ants/bee-crop-flip.jpg',
    'crop 85% + resize 70% + flip + JPEG q75, in the other class',
    async (f) => {
      const { width } = await sizeOf(f);
      return (await cropOf(f, 0.85, 0.6))
        .resize(Math.round(width * 0.85 * 0.7))
        .flop()
        .jpeg({ quality: 75 });
    },
  );

  const mislabeled: PlantedDataset['mislabeled'] = [];
  for (const rel of MISLABEL) {
    const [split, cls, name] = rel.split('/');
    const other = cls === 'ants' ? 'bees' : 'ants';
    const to = `${split}/${other}/${name}`;
    await rename(at(rel), at(to));
    mislabeled.push({ rel: to, trueClass: cls, original: rel });
  }
  // The conflict plants put a photo of one class into the other's folder: mislabelled too.
  for (const p of [...exact, ...near].filter((q) => q.conflict && q.b.startsWith('train/')))
    mislabeled.push({ rel: p.b, trueClass: p.a.split('/')[1], original: null });
  return { root, exact, near, mislabeled };
}
