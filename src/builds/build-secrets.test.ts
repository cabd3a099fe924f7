import { randomBytes } from 'node:crypto';
import { AppError } from '../errors';
import { validateBuildRequest } from './build-request';
import { openBuildSecrets, sealBuildSecrets, withSecretValues } from './build-secrets';
import { SecretBox } from './secret-box';

const box = new SecretBox(randomBytes(32));

function validated() {
  return validateBuildRequest(
    {
      git_repo: 'https://git.example.test/app.git',
      buildpack_type: 'dockerfile',
      image_tag: 'app',
      git_credentials: { token: 'tok-value-1' },
      env: { NPM_TOKEN: 'env-value-1' },
      dockerfile_config: { build_args: { LICENSE_KEY: 'arg-value-1', EMPTY: '' } },
    },
    { allowFileUrls: false, newId: () => 'b1' },
  );
}

describe('build secrets', () => {
  it('round-trips through one sealed blob: the spec gets its values back, the blob holds no clear text', () => {
    const { spec, secrets } = validated();
    const sealed = sealBuildSecrets(box, 'b1', secrets!);
    expect(sealed).not.toMatch(/value-1|NPM_TOKEN/);
    const opened = openBuildSecrets(box, 'b1', sealed);
    expect(opened.git).toEqual({ token: 'tok-value-1' });
    const restored = withSecretValues(spec, opened);
    expect(restored.plan.env).toEqual({ NPM_TOKEN: 'env-value-1' });
    expect(restored.plan.dockerfile?.buildArgs).toEqual({ LICENSE_KEY: 'arg-value-1', EMPTY: '' });
    expect(spec.plan.env).toEqual({ NPM_TOKEN: '' });
  });

  it('refuses to go on with empty values when the blob, or a value in it, is gone', () => {
    const { spec } = validated();
    for (const secrets of [undefined, { git: { token: 't' } }, { env: { NPM_TOKEN: 'v' }, buildArgs: { LICENSE_KEY: 'v' } }]) {
      let error: unknown;
      try {
        withSecretValues(spec, secrets);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('secrets_unreadable');
    }
  });

  it('reads a blob sealed before values were kept in it as git credentials, and leaves such a spec as it is', () => {
    const opened = openBuildSecrets(box, 'b1', box.seal('b1', JSON.stringify({ username: 'bot', token: 'tok' })));
    expect(opened).toEqual({ git: { username: 'bot', token: 'tok' } });
    const { spec } = validateBuildRequest(
      { git_repo: 'https://git.example.test/app.git', buildpack_type: 'dockerfile', image_tag: 'app' },
      { allowFileUrls: false, newId: () => 'b1' },
    );
    const old = { ...spec, plan: { ...spec.plan, env: { OLD: 'clear' } } };
    expect(withSecretValues(old, undefined)).toBe(old);
  });
});
