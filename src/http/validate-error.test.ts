import { ValidateError } from '@tsoa/runtime';
import { fromValidateError } from './validate-error';

const union = (field: string, value: unknown, messages: string[]) =>
  new ValidateError(
    {
      [field]: {
        message: `Could not match the union against any of the items. Issues: ${JSON.stringify(messages.map((message) => ({ [field]: { message, value } })))}`,
        value,
      },
    },
    '',
  );

describe('fromValidateError', () => {
  it('lists the allowed values of a union of literals, with the field as the client wrote it', () => {
    const err = fromValidateError(union('body.buildpack_type', 'heroku', ["should be one of the following; ['nixpacks']", "should be one of the following; ['static']"]));
    expect({ field: err.field, message: err.message }).toEqual({ field: 'buildpack_type', message: 'buildpack_type: must be one of nixpacks, static; got "heroku"' });
  });

  it('names the types a union of types accepts', () => {
    const err = fromValidateError(union('requestBody.ports.80', true, ['invalid string value', 'invalid float number']));
    expect({ field: err.field, message: err.message }).toEqual({ field: 'ports.80', message: 'ports.80: must be a string or a number; got true' });
  });

  it('says a value is not valid when the union issues are not understood, and cuts long values short', () => {
    const err = fromValidateError(union('body.x', 'a'.repeat(500), ['something else']));
    expect(err.message).toBe(`x: is not valid; got "${'a'.repeat(56)}...`);
    expect(err.message).not.toContain('Issues');
  });

  it('rewords a plain type error and keeps other messages', () => {
    expect(fromValidateError(new ValidateError({ 'body.name': { message: 'invalid string value', value: 1 } }, '')).message).toBe('name: must be a string');
    const extra = fromValidateError(new ValidateError({ 'body.': { message: '"colour" is an excess property and therefore is not allowed', value: 'x' } }, ''));
    expect({ field: extra.field, message: extra.message }).toEqual({ field: 'body', message: '"colour" is an excess property and therefore is not allowed' });
  });
});
