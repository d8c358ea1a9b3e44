import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export type HashAlgorithm = 'sha256' | 'md5';

/** Keras' `file_hash` convention (`get_file(hash_algorithm='auto')`): 64 hex digits are sha256, else md5. */
export function hashAlgorithmFor(expected: string): HashAlgorithm {
  return expected.length === 64 ? 'sha256' : 'md5';
}

/** Hex digest of a file, streamed (weights files are hundreds of MB). */
export async function hashFile(file: string, algorithm: HashAlgorithm = 'sha256'): Promise<string> {
  const h: Hash = createHash(algorithm);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}
