import { ValidationError } from '../errors';
import { acmeCertName, checkKeyAuthorization, checkToken, dirCertName } from './tls-names';

describe('TLS names', () => {
  it('accepts base64url tokens and key authorizations only', () => {
    expect(checkToken('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0')).toBe('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0');
    expect(checkKeyAuthorization('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI')).toContain('.');
    for (const bad of ['short', 'a b c d e f g h i j k', 'tok;del map x yyyyyyyyyy', 'tok\nshow info xxxxxxxx']) expect(() => checkToken(bad)).toThrow(ValidationError);
    expect(() => checkKeyAuthorization('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0 x')).toThrow(ValidationError);
  });

  it('names certificates after domains and files, refusing what could leave the directory', () => {
    expect(acmeCertName('App.Example.com')).toBe('acme_app.example.com');
    expect(dirCertName('Wildcard.Example.PEM')).toBe('dir_wildcard.example');
    for (const bad of ['../x.pem', 'a b.pem', 'a/b.pem']) expect(() => dirCertName(bad)).toThrow(ValidationError);
  });
});
