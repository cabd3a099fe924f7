import type { BuildRequest } from '../models/build.model';
import { validateBuildRequest } from './build-request';

const base: BuildRequest = { git_repo: 'https://git.example.test/team/app.git', buildpack_type: 'dockerfile', image_tag: 'app' };
const validate = (node: unknown, nodes: string[] = ['edge-1']) =>
  validateBuildRequest({ ...base, node } as BuildRequest, { allowFileUrls: false, newId: () => 'b1', nodes });

describe('validateBuildRequest: node', () => {
  it('keeps a configured node in the spec; local or none leaves it out', () => {
    expect(validate('edge-1').spec.node).toBe('edge-1');
    expect(validate('local').spec).not.toHaveProperty('node');
    expect(validate(undefined).spec).not.toHaveProperty('node');
  });

  it.each([['edge-2'], [''], [7]])('refuses %p, listing the nodes it may name', (node) => {
    expect(() => validate(node)).toThrow(
      expect.objectContaining({ code: 'invalid_input', field: 'node', message: 'node must be "local" or a configured node (local, edge-1)' }),
    );
  });
});
