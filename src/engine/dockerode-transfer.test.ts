import { layersWithSizes } from './dockerode-transfer';

describe('layersWithSizes', () => {
  it('gives each layer the size of the history step that wrote bytes, oldest first', () => {
    expect(layersWithSizes(['sha256:a', 'sha256:b'], [{ size: 100 }, { size: 0 }, { size: 7 }])).toEqual([
      { digest: 'sha256:a', size: 100 },
      { digest: 'sha256:b', size: 7 },
    ]);
  });

  it('leaves sizes out when a layer of zero bytes makes the counts differ', () => {
    expect(layersWithSizes(['sha256:a', 'sha256:b'], [{ size: 100 }, { size: 0 }])).toEqual([{ digest: 'sha256:a' }, { digest: 'sha256:b' }]);
  });
});
