import { TransferProgress } from './transfer-progress';

describe('TransferProgress', () => {
  it('writes a line per layer status, a few lines of bytes, and image-wide messages as they come', () => {
    const lines: string[] = [];
    const progress = new TransferProgress((t) => lines.push(t));
    progress.event({ status: 'Pulling from team/app' });
    progress.event({ layer: 'abc', status: 'Pulling fs layer' });
    for (let current = 0; current <= 1000; current += 10) progress.event({ layer: 'abc', status: 'Downloading', current, total: 1000 });
    progress.event({ layer: 'abc', status: 'Pull complete' });
    expect(lines).toEqual([
      'Pulling from team/app',
      'layer abc: Pulling fs layer',
      'layer abc: Downloading 0/1000 bytes',
      'layer abc: Downloading 250/1000 bytes',
      'layer abc: Downloading 500/1000 bytes',
      'layer abc: Downloading 750/1000 bytes',
      'layer abc: Downloading 1000/1000 bytes',
      'layer abc: Pull complete',
    ]);
    expect(progress.layerCount).toBe(1);
  });
});
