import { fromImages } from './from-images';

describe('fromImages', () => {
  it('names each pulled image once: no stages, no scratch, flags and AS skipped', () => {
    const text = [
      '# syntax comment',
      'FROM --platform=linux/amd64 registry.lan:5000/team/base:1 AS build',
      'RUN make',
      'from build AS test',
      'FROM scratch',
      'FROM registry.lan:5000/team/base:1',
      'FROM \\',
      '  berth-test/busybox:latest',
      'COPY --from=build /out /out',
    ].join('\n');
    expect(fromImages(text, {})).toEqual(['registry.lan:5000/team/base:1', 'berth-test/busybox:latest']);
  });

  it('puts in build arguments and the ARG defaults before the first FROM; leaves out what stays unresolved', () => {
    const text = 'ARG BASE=registry.lan/app:1\nARG TAG\nARG OTHER="x/y:2"\nFROM $BASE\nFROM ${OTHER}\nFROM lib:${TAG}\nFROM z:${UNKNOWN}\n';
    expect(fromImages(text, {})).toEqual(['registry.lan/app:1', 'x/y:2']);
    expect(fromImages(text, { TAG: '3', BASE: 'other.lan/b:1' })).toEqual(['other.lan/b:1', 'x/y:2', 'lib:3']);
  });

  it('a stage named like an image is still pulled where it is named first', () => {
    expect(fromImages('FROM node AS node\nFROM node\n', {})).toEqual(['node']);
  });
});
