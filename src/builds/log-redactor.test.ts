import { LogRedactor, MIN_REDACTED_LENGTH, REDACTED, credentialSecrets, requestSecrets } from './log-redactor';

const TOKEN = 'ghp_s3cr3tT0kenValue42';

describe('LogRedactor', () => {
  it('hides a value wherever it stands in a line, as often as it occurs', () => {
    const redactor = new LogRedactor([TOKEN]);
    expect(redactor.redact(`Step 3/9 : ENV TOKEN=${TOKEN}`)).toBe(`Step 3/9 : ENV TOKEN=${REDACTED}`);
    expect(redactor.redact(`${TOKEN}`)).toBe(REDACTED);
    expect(redactor.redact(`a${TOKEN}b ${TOKEN}`)).toBe(`a${REDACTED}b ${REDACTED}`);
    expect(redactor.redact('npm notice: nothing secret here')).toBe('npm notice: nothing secret here');
  });

  it(`leaves values shorter than ${MIN_REDACTED_LENGTH} characters alone, and hides those of that length`, () => {
    const redactor = new LogRedactor(['1', 'on', 'yes', 'prod', '', undefined]);
    expect(redactor.redact('1 on yes production')).toBe(`1 on yes ${REDACTED}uction`);
  });

  it('hides the longer of two values that overlap, whole', () => {
    const redactor = new LogRedactor(['abcd', 'abcdefgh']);
    expect(redactor.redact('x abcdefgh y abcd')).toBe(`x ${REDACTED} y ${REDACTED}`);
  });

  it('treats values as text, not patterns', () => {
    const redactor = new LogRedactor(['a.b*c+d(e)$', '[x]^y|z\\w']);
    expect(redactor.redact('a.b*c+d(e)$ aXbbcd [x]^y|z\\w')).toBe(`${REDACTED} aXbbcd ${REDACTED}`);
  });

  it('hides the percent-encoded and JSON-escaped forms of a value', () => {
    const value = 'p@ss w/"quote"\\';
    const redactor = new LogRedactor([value]);
    expect(redactor.redact(`https://u:${encodeURIComponent(value)}@git.local/r`)).toBe(`https://u:${REDACTED}@git.local/r`);
    expect(redactor.redact(`{"password":${JSON.stringify(value)}}`)).toBe(`{"password":"${REDACTED}"}`);
  });

  it('hides every line of a multi-line value, such as a private key', () => {
    const key = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmU', 'AAAAC3NzaC1lZDI1NTE5AAAAIGx', '-----END OPENSSH PRIVATE KEY-----', ''].join(
      '\n',
    );
    const redactor = new LogRedactor([key]);
    for (const line of key.split('\n').filter(Boolean)) expect(redactor.redact(`> ${line}`)).toBe(`> ${REDACTED}`);
  });

  it('hides the pieces of a value cut across two lines', () => {
    const redactor = new LogRedactor([TOKEN]);
    // A long line split at a fixed width: the token straddles the cut.
    const line = `echo ${TOKEN} done`;
    const [first, second] = [line.slice(0, 14), line.slice(14)];
    const shown = [redactor.redact(first), redactor.redact(second)];
    expect(shown).toEqual([`echo ${REDACTED}`, `${REDACTED} done`]);
    expect(shown.join('\n')).not.toContain(TOKEN.slice(0, MIN_REDACTED_LENGTH));
    expect(shown.join('\n')).not.toContain(TOKEN.slice(-MIN_REDACTED_LENGTH));
  });

  it('hides a whole line that is only a piece of a value, and leaves edges that match less than the minimum', () => {
    const redactor = new LogRedactor([TOKEN]);
    expect(redactor.redact(TOKEN.slice(3, 12))).toBe(REDACTED);
    expect(redactor.redact(`${TOKEN.slice(-3)} and ${TOKEN.slice(0, 3)}`)).toBe(`${TOKEN.slice(-3)} and ${TOKEN.slice(0, 3)}`);
    // Only an exact end or start of the value counts at an edge.
    expect(redactor.redact('lue42 is a word')).toBe(`${REDACTED} is a word`);
    expect(redactor.redact('Value is a word ghp_')).toBe(`Value is a word ${REDACTED}`);
    expect(redactor.redact('value42 is a word ghp_s')).toBe('value42 is a word ghp_s'.replace('ghp_s', REDACTED));
    expect(redactor.redact('alue4 is a word hp_s')).toBe('alue4 is a word hp_s');
  });

  it('finds edge pieces in values that repeat themselves', () => {
    const redactor = new LogRedactor(['abababx']);
    expect(redactor.redact('xx ababab')).toBe(`xx ${REDACTED}`);
    expect(redactor.redact('ababx yy')).toBe(`${REDACTED} yy`);
    expect(redactor.redact('xx abab ab')).toBe('xx abab ab');
  });

  it('hides values added later, such as credentials once the worker has them', () => {
    const redactor = new LogRedactor();
    expect(redactor.redact(`token ${TOKEN}`)).toBe(`token ${TOKEN}`);
    redactor.hide([TOKEN]);
    expect(redactor.redact(`token ${TOKEN}`)).toBe(`token ${REDACTED}`);
  });

  it('stays linear on long lines and many values', () => {
    const values = Array.from({ length: 50 }, (_, i) => `secret-${i}-${'x'.repeat(60)}`);
    const redactor = new LogRedactor(values);
    const line = `${'a'.repeat(100_000)}${values[7]}`;
    expect(redactor.redact(line)).toBe(`${'a'.repeat(100_000)}${REDACTED}`);
  });
});

describe('requestSecrets and credentialSecrets', () => {
  it('takes the values of env and of the Dockerfile build args', () => {
    expect(
      requestSecrets({
        buildpackType: 'dockerfile',
        imageTag: 'a:1',
        env: { A: 'env-value' },
        dockerfile: { buildArgs: { B: 'arg-value' } },
        nixpacks: { variables: { PUBLIC: 'public-value' } },
      }),
    ).toEqual(['env-value', 'arg-value']);
  });

  it('takes the token, the key and the Basic header git is given, not the user name', () => {
    const basic = Buffer.from(`bot:${TOKEN}`).toString('base64');
    expect(credentialSecrets({ username: 'bot', token: TOKEN })).toEqual([TOKEN, basic]);
    expect(credentialSecrets({ sshKey: 'KEY-TEXT' })).toEqual(['KEY-TEXT']);
    expect(credentialSecrets(undefined)).toEqual([]);
  });
});
