import { describe, expect, it } from 'vitest';
import { downloadUrl } from './download-url';

describe('downloadUrl', () => {
  const url = 'https://storage.googleapis.com/tensorflow/keras-applications/vgg16/x_notop.h5';
  it('keeps the official URL without a mirror origin', () => {
    expect(downloadUrl(url, undefined)).toBe(url);
    expect(downloadUrl(url, '')).toBe(url);
  });
  it('puts the same path under the mirror origin', () => {
    expect(downloadUrl(url, 'http://127.0.0.1:8123/m/')).toBe(
      'http://127.0.0.1:8123/m/tensorflow/keras-applications/vgg16/x_notop.h5',
    );
  });
});
